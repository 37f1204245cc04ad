//! Pipeline runs: what was asked (version, parameters, options), where the run is, and the
//! run list with its filters. A run's tasks are in `run_tasks` (see [`super::RunTasks`]).

use api::{RunOptions, RunState};
use serde_json::Value;
use sqlx::Row;

use super::pools::Pools;

use super::{DatabaseKind, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub profile: String,
    pub name: String,
    pub experiment_id: Option<i64>,
    pub experiment: Option<String>,
    pub version_id: i64,
    pub pipeline: String,
    pub version: String,
    pub recurring_run_id: Option<i64>,
    pub recurring_run: Option<String>,
    pub options: RunOptions,
    pub state: RunState,
    pub reason: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub archived: bool,
    pub outputs: Option<Value>,
}

/// A run to store; it starts pending.
#[derive(Debug, Clone)]
pub struct NewRunRow<'a> {
    pub profile: &'a str,
    pub name: &'a str,
    pub experiment_id: Option<i64>,
    pub version_id: i64,
    pub recurring_run_id: Option<i64>,
    pub options: &'a RunOptions,
    pub created_by: &'a str,
    pub now_ms: i64,
}

/// Which runs of a profile to list, in which order, which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    pub state: Option<RunState>,
    pub experiment_id: Option<i64>,
    pub pipeline_id: Option<i64>,
    pub recurring_run_id: Option<i64>,
    /// Part of the name, any case.
    pub name_contains: Option<String>,
    /// Archived runs instead of the others.
    pub archived: bool,
    pub sort: RunSort,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

impl Default for RunFilter {
    fn default() -> Self {
        RunFilter {
            state: None,
            experiment_id: None,
            pipeline_id: None,
            recurring_run_id: None,
            name_contains: None,
            archived: false,
            sort: RunSort::Created,
            descending: true,
            offset: 0,
            limit: 50,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunSort {
    Created,
    Name,
    State,
    Finished,
}

impl RunSort {
    pub fn parse(text: &str) -> Option<RunSort> {
        match text {
            "created" => Some(RunSort::Created),
            "name" => Some(RunSort::Name),
            "state" => Some(RunSort::State),
            "finished" => Some(RunSort::Finished),
            _ => None,
        }
    }

    fn column(self) -> &'static str {
        match self {
            RunSort::Created => "r.created_at_ms",
            RunSort::Name => "r.name",
            RunSort::State => "r.state",
            RunSort::Finished => "r.finished_at_ms",
        }
    }
}

pub struct Runs<'a> {
    db: &'a Pools,
    kind: DatabaseKind,
}

const SELECT_COLUMNS: &str = "SELECT r.id, r.profile, r.name, r.experiment_id, \
     e.name AS experiment, r.version_id, p.name AS pipeline, v.name AS version, \
     r.recurring_run_id, rr.name AS recurring_run, r.options_json, r.state, r.reason, \
     r.created_by, r.created_at_ms, r.started_at_ms, r.finished_at_ms, r.archived_at_ms, \
     r.outputs_json";

const FROM: &str = "FROM runs r \
     JOIN pipeline_versions v ON v.id = r.version_id \
     JOIN pipelines p ON p.id = v.pipeline_id \
     LEFT JOIN experiments e ON e.id = r.experiment_id \
     LEFT JOIN recurring_runs rr ON rr.id = r.recurring_run_id";

impl<'a> Runs<'a> {
    pub(super) fn new(db: &'a Pools, kind: DatabaseKind) -> Self {
        Runs { db, kind }
    }

    pub async fn insert(&self, run: &NewRunRow<'_>) -> Result<i64, StoreError> {
        let options = serde_json::to_string(run.options)
            .map_err(|e| StoreError::Corrupt(format!("run options: {e}")))?;
        let row = sqlx::query(
            "INSERT INTO runs (profile, name, experiment_id, version_id, recurring_run_id, \
             options_json, state, reason, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', '', $7, $8) RETURNING id",
        )
        .bind(run.profile)
        .bind(run.name)
        .bind(run.experiment_id)
        .bind(run.version_id)
        .bind(run.recurring_run_id)
        .bind(options)
        .bind(run.created_by)
        .bind(run.now_ms)
        .fetch_one(&self.db.write)
        .await?;
        Ok(row.try_get("id")?)
    }

    pub async fn get(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_COLUMNS} {FROM} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.db.read)
            .await?;
        row.map(|r| run_of(&r)).transpose()
    }

    /// Runs that have not finished, oldest first: what the engine drives.
    pub async fn unfinished(&self) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_COLUMNS} {FROM} WHERE r.finished_at_ms IS NULL ORDER BY r.id"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(run_of).collect()
    }

    /// How many runs of a recurring run have not finished.
    pub async fn unfinished_of_recurring(&self, recurring_id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM runs \
             WHERE recurring_run_id = $1 AND finished_at_ms IS NULL",
        )
        .bind(recurring_id)
        .fetch_one(&self.db.read)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// One page of a profile's runs and how many match in all.
    pub async fn list(
        &self,
        profile: &str,
        filter: &RunFilter,
    ) -> Result<(u64, Vec<RunRow>), StoreError> {
        let mut conditions = vec![
            "r.profile = $1".to_owned(),
            if filter.archived {
                "r.archived_at_ms IS NOT NULL".to_owned()
            } else {
                "r.archived_at_ms IS NULL".to_owned()
            },
        ];
        let mut binds: Vec<Bind> = vec![Bind::Text(profile.to_owned())];
        // `?` in a condition stands for the placeholder of its value.
        let mut add = |condition: &str, value: Bind| {
            binds.push(value);
            conditions.push(condition.replace('?', &format!("${}", binds.len())));
        };
        if let Some(state) = filter.state {
            add("r.state = ?", Bind::Text(state.as_str().to_owned()));
        }
        if let Some(id) = filter.experiment_id {
            add("r.experiment_id = ?", Bind::Int(id));
        }
        if let Some(id) = filter.recurring_run_id {
            add("r.recurring_run_id = ?", Bind::Int(id));
        }
        if let Some(id) = filter.pipeline_id {
            add(
                "r.version_id IN (SELECT id FROM pipeline_versions WHERE pipeline_id = ?)",
                Bind::Int(id),
            );
        }
        if let Some(part) = filter.name_contains.as_deref().filter(|p| !p.is_empty()) {
            // Any case: SQLite's LIKE ignores ASCII case, PostgreSQL's ILIKE does.
            let like = match self.kind {
                DatabaseKind::Sqlite => "r.name LIKE ? ESCAPE '\\'",
                DatabaseKind::Postgres => "r.name ILIKE ? ESCAPE '\\'",
            };
            add(like, Bind::Text(format!("%{}%", escape_like(part))));
        }
        let filter_sql = conditions.join(" AND ");
        let direction = if filter.descending { "DESC" } else { "ASC" };
        let limit = filter.limit.min(1000);
        let offset = filter.offset.min(i64::MAX as u64);
        let page_sql = format!(
            "{SELECT_COLUMNS} {FROM} WHERE {filter_sql} \
             ORDER BY {} {direction}, r.id {direction} LIMIT {limit} OFFSET {offset}",
            filter.sort.column(),
        );
        let mut page = sqlx::query(&page_sql);
        for bind in &binds {
            page = bind.to(page);
        }
        let rows = page.fetch_all(&self.db.read).await?;
        // A short page that is not past the end says how many there are: no count needed
        // (a selective name search has read every run once already).
        let short = (rows.len() as u64) < limit && (!rows.is_empty() || offset == 0);
        let total = if short {
            offset + rows.len() as u64
        } else {
            let count_sql = format!("SELECT COUNT(*) AS n FROM runs r WHERE {filter_sql}");
            let mut count = sqlx::query(&count_sql);
            for bind in &binds {
                count = bind.to(count);
            }
            let n: i64 = count.fetch_one(&self.db.read).await?.try_get("n")?;
            n.max(0) as u64
        };
        let runs = rows.iter().map(run_of).collect::<Result<_, _>>()?;
        Ok((total, runs))
    }

    /// Records a new state; `started` and `finished` set those times when given.
    pub async fn set_state(
        &self,
        id: i64,
        state: RunState,
        reason: &str,
        started_at_ms: Option<i64>,
        finished_at_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET state = $1, reason = $2, \
             started_at_ms = COALESCE(started_at_ms, $3), finished_at_ms = $4 WHERE id = $5",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(started_at_ms)
        .bind(finished_at_ms)
        .bind(id)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }

    pub async fn set_outputs(&self, id: i64, outputs: &Value) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET outputs_json = $1 WHERE id = $2")
            .bind(outputs.to_string())
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    /// Archives (`Some(now)`) or restores (`None`).
    pub async fn set_archived(&self, id: i64, at_ms: Option<i64>) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET archived_at_ms = $1 WHERE id = $2")
            .bind(at_ms)
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }

    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM runs WHERE id = $1")
            .bind(id)
            .execute(&self.db.write)
            .await?;
        Ok(())
    }
}

/// A value bound to a placeholder of a query built at run time.
enum Bind {
    Text(String),
    Int(i64),
}

impl Bind {
    fn to<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Int(n) => query.bind(*n),
        }
    }
}

/// `LIKE` treats `%` and `_` as wildcards; a name part is literal.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn run_of(r: &sqlx::any::AnyRow) -> Result<RunRow, StoreError> {
    let options: String = r.try_get("options_json")?;
    let state: String = r.try_get("state")?;
    let archived: Option<i64> = r.try_get("archived_at_ms")?;
    let outputs: Option<String> = r.try_get("outputs_json")?;
    Ok(RunRow {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        name: r.try_get("name")?,
        experiment_id: r.try_get("experiment_id")?,
        experiment: r.try_get("experiment")?,
        version_id: r.try_get("version_id")?,
        pipeline: r.try_get("pipeline")?,
        version: r.try_get("version")?,
        recurring_run_id: r.try_get("recurring_run_id")?,
        recurring_run: r.try_get("recurring_run")?,
        options: serde_json::from_str(&options)
            .map_err(|e| StoreError::Corrupt(format!("run options: {e}")))?,
        state: RunState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("run state `{state}`")))?,
        reason: r.try_get("reason")?,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at_ms")?,
        started_at_ms: r.try_get("started_at_ms")?,
        finished_at_ms: r.try_get("finished_at_ms")?,
        archived: archived.is_some(),
        outputs: outputs
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("run outputs: {e}")))?,
    })
}
