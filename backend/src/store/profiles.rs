use std::collections::BTreeMap;

use sqlx::Row;

use super::pools::Pools;

use super::StoreError;
use crate::profiles::Role;

/// Who a contributor binding names: one user (by email or user name) or everyone in a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    User(String),
    Group(String),
}

impl Subject {
    fn kind(&self) -> &'static str {
        match self {
            Subject::User(_) => "user",
            Subject::Group(_) => "group",
        }
    }

    fn name(&self) -> &str {
        match self {
            Subject::User(name) | Subject::Group(name) => name,
        }
    }

    fn from_row(kind: &str, name: String) -> Result<Self, StoreError> {
        match kind {
            "user" => Ok(Subject::User(name)),
            "group" => Ok(Subject::Group(name)),
            other => Err(StoreError::Corrupt(format!("contributor kind `{other}`"))),
        }
    }
}

/// Limits on what a profile's workloads may use at once; `None` is no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quota {
    pub gpu_milli: Option<i64>,
    pub cpu_milli: Option<i64>,
    pub memory_mib: Option<i64>,
    pub workloads: Option<i64>,
    /// Borrowing beyond the quota from others' unused quota; `None`: none.
    pub borrow_gpu_milli: Option<i64>,
    pub borrow_cpu_milli: Option<i64>,
    pub borrow_memory_mib: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub name: String,
    pub quota: Quota,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributorRow {
    pub subject: Subject,
    pub role: Role,
    pub added_at_ms: i64,
}

/// What removing a contributor or changing its role did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingChange {
    Done,
    NotFound,
    /// Refused: a profile always keeps at least one owner.
    LastOwner,
}

/// Tables whose rows belong to a profile (a `profile` column), counted before a delete.
const PROFILE_SCOPED_TABLES: &[&str] = &["workloads", "notebooks"];

pub struct Profiles<'a> {
    db: &'a Pools,
}

const PROFILE_COLUMNS: &str = "name, quota_gpu_milli, quota_cpu_milli, quota_memory_mib, \
     quota_workloads, borrow_gpu_milli, borrow_cpu_milli, borrow_memory_mib, created_at_ms";

fn profile_of(r: &sqlx::any::AnyRow) -> Result<ProfileRow, StoreError> {
    Ok(ProfileRow {
        name: r.try_get("name")?,
        quota: Quota {
            gpu_milli: r.try_get("quota_gpu_milli")?,
            cpu_milli: r.try_get("quota_cpu_milli")?,
            memory_mib: r.try_get("quota_memory_mib")?,
            workloads: r.try_get("quota_workloads")?,
            borrow_gpu_milli: r.try_get("borrow_gpu_milli")?,
            borrow_cpu_milli: r.try_get("borrow_cpu_milli")?,
            borrow_memory_mib: r.try_get("borrow_memory_mib")?,
        },
        created_at_ms: r.try_get("created_at_ms")?,
    })
}

fn role_of(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role `{text}`")))
}

impl<'a> Profiles<'a> {
    pub(super) fn new(db: &'a Pools) -> Self {
        Profiles { db }
    }

    /// Creates a profile with its owner, in one transaction; answers false (and writes
    /// nothing) when the name is taken.
    pub async fn create(
        &self,
        name: &str,
        owner: &Subject,
        quota: &Quota,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let created = sqlx::query(
            "INSERT INTO profiles (name, quota_gpu_milli, quota_cpu_milli, quota_memory_mib, \
             quota_workloads, borrow_gpu_milli, borrow_cpu_milli, borrow_memory_mib, \
             created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(quota.gpu_milli)
        .bind(quota.cpu_milli)
        .bind(quota.memory_mib)
        .bind(quota.workloads)
        .bind(quota.borrow_gpu_milli)
        .bind(quota.borrow_cpu_milli)
        .bind(quota.borrow_memory_mib)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !created {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_contributor(&mut tx, name, owner, Role::Owner, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn get(&self, name: &str) -> Result<Option<ProfileRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|r| profile_of(&r)).transpose()
    }

    /// Every profile, sorted by name: the scheduler's queues and what each may lend.
    pub async fn all(&self) -> Result<Vec<ProfileRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles ORDER BY name"
        ))
        .fetch_all(&self.db.read)
        .await?;
        rows.iter().map(profile_of).collect()
    }

    /// Every profile's name, sorted.
    pub async fn names(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT name FROM profiles ORDER BY name")
            .fetch_all(&self.db.read)
            .await?;
        rows.into_iter()
            .map(|r| r.try_get("name").map_err(StoreError::from))
            .collect()
    }

    /// Every profile in which this user, directly or through one of the groups, holds a
    /// role, with the strongest role it holds there; sorted by name.
    pub async fn roles_of(
        &self,
        user: &str,
        groups: &[String],
    ) -> Result<Vec<(String, Role)>, StoreError> {
        self.strongest_roles(None, user, groups).await
    }

    /// The strongest role this user (directly or through a group) holds in one profile: the
    /// check every profile request makes, so it reads only that profile's bindings.
    pub async fn role_of(
        &self,
        profile: &str,
        user: &str,
        groups: &[String],
    ) -> Result<Option<Role>, StoreError> {
        let roles = self.strongest_roles(Some(profile), user, groups).await?;
        Ok(roles.into_iter().next().map(|(_, role)| role))
    }

    async fn strongest_roles(
        &self,
        profile: Option<&str>,
        user: &str,
        groups: &[String],
    ) -> Result<Vec<(String, Role)>, StoreError> {
        // $1 is the user, $2 the profile (when asked for one), then one placeholder per
        // group; no group clause at all when there are none.
        let first_group = if profile.is_some() { 3 } else { 2 };
        let group_clause = if groups.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = (first_group..first_group + groups.len())
                .map(|i| format!("${i}"))
                .collect();
            format!(" OR (kind = 'group' AND subject IN ({}))", list.join(", "))
        };
        let profile_clause = if profile.is_some() {
            "profile = $2 AND "
        } else {
            ""
        };
        let sql = format!(
            "SELECT profile, role FROM profile_contributors \
             WHERE {profile_clause}((kind = 'user' AND subject = $1){group_clause})"
        );
        let mut query = sqlx::query(&sql).bind(user);
        if let Some(profile) = profile {
            query = query.bind(profile);
        }
        for group in groups {
            query = query.bind(group);
        }
        let mut strongest: BTreeMap<String, Role> = BTreeMap::new();
        for row in query.fetch_all(&self.db.read).await? {
            let profile: String = row.try_get("profile")?;
            let role = role_of(&row.try_get::<String, _>("role")?)?;
            let entry = strongest.entry(profile).or_insert(role);
            *entry = (*entry).max(role);
        }
        Ok(strongest.into_iter().collect())
    }

    pub async fn contributors(&self, profile: &str) -> Result<Vec<ContributorRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, subject, role, added_at_ms FROM profile_contributors \
             WHERE profile = $1 ORDER BY kind DESC, subject",
        )
        .bind(profile)
        .fetch_all(&self.db.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ContributorRow {
                    subject: Subject::from_row(
                        &r.try_get::<String, _>("kind")?,
                        r.try_get("subject")?,
                    )?,
                    role: role_of(&r.try_get::<String, _>("role")?)?,
                    added_at_ms: r.try_get("added_at_ms")?,
                })
            })
            .collect()
    }

    /// Adds a binding; answers false (and changes nothing) when this subject already has one.
    pub async fn add_contributor(
        &self,
        profile: &str,
        subject: &Subject,
        role: Role,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.write.begin().await?;
        let added = insert_contributor(&mut tx, profile, subject, role, now_ms).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Removes a binding unless it is the profile's last owner.
    pub async fn remove_contributor(
        &self,
        profile: &str,
        subject: &Subject,
    ) -> Result<BindingChange, StoreError> {
        self.change_binding(profile, subject, None).await
    }

    /// Gives a contributor another role, unless that demotes the profile's last owner.
    pub async fn set_role(
        &self,
        profile: &str,
        subject: &Subject,
        role: Role,
    ) -> Result<BindingChange, StoreError> {
        self.change_binding(profile, subject, Some(role)).await
    }

    /// Removes a binding (`None`) or changes its role. The profile's row is locked first, so
    /// that two changes to the last two owners cannot both succeed.
    async fn change_binding(
        &self,
        profile: &str,
        subject: &Subject,
        new_role: Option<Role>,
    ) -> Result<BindingChange, StoreError> {
        let mut tx = self.db.write.begin().await?;
        sqlx::query("UPDATE profiles SET name = name WHERE name = $1")
            .bind(profile)
            .execute(&mut *tx)
            .await?;
        let role: Option<String> = sqlx::query(
            "SELECT role FROM profile_contributors WHERE profile = $1 AND kind = $2 AND subject = $3",
        )
        .bind(profile)
        .bind(subject.kind())
        .bind(subject.name())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("role"))
        .transpose()?;
        let Some(role) = role else {
            tx.rollback().await?;
            return Ok(BindingChange::NotFound);
        };
        if role_of(&role)? == Role::Owner && new_role != Some(Role::Owner) {
            let owners: i64 = sqlx::query(
                "SELECT COUNT(*) AS owners FROM profile_contributors \
                 WHERE profile = $1 AND role = 'owner'",
            )
            .bind(profile)
            .fetch_one(&mut *tx)
            .await?
            .try_get("owners")?;
            if owners <= 1 {
                tx.rollback().await?;
                return Ok(BindingChange::LastOwner);
            }
        }
        let sql = match new_role {
            None => {
                "DELETE FROM profile_contributors WHERE profile = $1 AND kind = $2 AND subject = $3"
            }
            Some(_) => {
                "UPDATE profile_contributors SET role = $4 \
                 WHERE profile = $1 AND kind = $2 AND subject = $3"
            }
        };
        let mut statement = sqlx::query(sql)
            .bind(profile)
            .bind(subject.kind())
            .bind(subject.name());
        if let Some(role) = new_role {
            statement = statement.bind(role.as_str());
        }
        statement.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(BindingChange::Done)
    }

    /// Sets a profile's quota; answers whether the profile exists.
    pub async fn set_quota(&self, profile: &str, quota: &Quota) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE profiles SET quota_gpu_milli = $1, quota_cpu_milli = $2, \
             quota_memory_mib = $3, quota_workloads = $4, borrow_gpu_milli = $5, \
             borrow_cpu_milli = $6, borrow_memory_mib = $7 WHERE name = $8",
        )
        .bind(quota.gpu_milli)
        .bind(quota.cpu_milli)
        .bind(quota.memory_mib)
        .bind(quota.workloads)
        .bind(quota.borrow_gpu_milli)
        .bind(quota.borrow_cpu_milli)
        .bind(quota.borrow_memory_mib)
        .bind(profile)
        .execute(&self.db.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many objects (workloads and the like) the profile holds. Each issue that adds a
    /// profile-scoped table adds it to [`PROFILE_SCOPED_TABLES`].
    pub async fn object_count(&self, name: &str) -> Result<i64, StoreError> {
        let mut total = 0;
        for table in PROFILE_SCOPED_TABLES {
            let n: i64 = sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE profile = $1"
            ))
            .bind(name)
            .fetch_one(&self.db.read)
            .await?
            .try_get("n")?;
            total += n;
        }
        Ok(total)
    }

    /// Deletes a profile; its contributor bindings go with it (ON DELETE CASCADE, with
    /// foreign keys on in SQLite). Answers whether it existed.
    pub async fn delete(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM profiles WHERE name = $1")
            .bind(name)
            .execute(&self.db.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

async fn insert_contributor(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    profile: &str,
    subject: &Subject,
    role: Role,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO profile_contributors (profile, kind, subject, role, added_at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (profile, kind, subject) DO NOTHING",
    )
    .bind(profile)
    .bind(subject.kind())
    .bind(subject.name())
    .bind(role.as_str())
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
