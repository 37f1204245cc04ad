//! The run list's place, kept in its URL (`/runs?ns=team&state=failed&sort=name&order=asc&
//! offset=50`) so that it can be linked, reloaded and gone back to: read from the query,
//! written into the links of the sort headers and pages, and asked of the server as a
//! [`RunListQuery`] (the server filters, sorts and pages).

use api::RunListQuery;

/// Runs to a page unless the URL says otherwise.
pub const PAGE: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunsQuery {
    /// A run state, or blank for all.
    pub state: String,
    /// Part of the name.
    pub q: String,
    pub experiment: String,
    pub archived: bool,
    /// `created` (blank), `name`, `state` or `finished`.
    pub sort: String,
    pub ascending: bool,
    pub offset: u64,
    pub limit: u64,
}

impl Default for RunsQuery {
    fn default() -> Self {
        RunsQuery {
            state: String::new(),
            q: String::new(),
            experiment: String::new(),
            archived: false,
            sort: String::new(),
            ascending: false,
            offset: 0,
            limit: PAGE,
        }
    }
}

impl RunsQuery {
    /// Reads the URL's query, through `get` (a parameter's value by name).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        RunsQuery {
            state: text("state"),
            q: text("q"),
            experiment: text("experiment"),
            archived: matches!(text("archived").as_str(), "1" | "true" | "on"),
            sort: text("sort"),
            ascending: text("order") == "asc",
            offset: text("offset").parse().unwrap_or(0),
            limit: text("limit").parse().unwrap_or(PAGE).clamp(1, 1000),
        }
    }

    /// The link to this place of the list, in `profile`; what is the default is left out.
    pub fn href(&self, profile: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(ns) = profile.filter(|ns| !ns.is_empty()) {
            pairs.push(("ns", ns.to_owned()));
        }
        for (key, value) in [
            ("state", &self.state),
            ("q", &self.q),
            ("experiment", &self.experiment),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                pairs.push((key, value.clone()));
            }
        }
        if self.archived {
            pairs.push(("archived", "1".to_owned()));
        }
        if self.ascending {
            pairs.push(("order", "asc".to_owned()));
        }
        if self.offset > 0 {
            pairs.push(("offset", self.offset.to_string()));
        }
        if self.limit != PAGE {
            pairs.push(("limit", self.limit.to_string()));
        }
        let query: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", api::encode_query_value(&v)))
            .collect();
        if query.is_empty() {
            "/runs".to_owned()
        } else {
            format!("/runs?{}", query.join("&"))
        }
    }

    /// The column the list is sorted by (`created` when the URL says nothing).
    pub fn sort_column(&self) -> &str {
        if self.sort.is_empty() {
            "created"
        } else {
            &self.sort
        }
    }

    /// Sorted by `column`: the other way round when it is sorted so already; names and states
    /// first A to Z, times newest first. Back to the first page.
    pub fn sorted_by(&self, column: &str) -> Self {
        let ascending = if self.sort_column() == column {
            !self.ascending
        } else {
            matches!(column, "name" | "state")
        };
        RunsQuery {
            sort: if column == "created" {
                String::new()
            } else {
                column.to_owned()
            },
            ascending,
            offset: 0,
            ..self.clone()
        }
    }

    pub fn at(&self, offset: u64) -> Self {
        RunsQuery {
            offset,
            ..self.clone()
        }
    }

    /// What to ask the server for.
    pub fn list_query(&self) -> RunListQuery {
        let given = |v: &String| (!v.is_empty()).then(|| v.clone());
        RunListQuery {
            state: given(&self.state),
            experiment: given(&self.experiment),
            q: given(&self.q),
            sort: given(&self.sort),
            order: Some(if self.ascending { "asc" } else { "desc" }.to_owned()),
            offset: Some(self.offset),
            limit: Some(self.limit),
            archived: Some(self.archived),
            ..RunListQuery::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> RunsQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RunsQuery::read(|k| map.get(k).cloned())
    }

    #[test]
    fn the_url_reads_and_writes_back_the_same() {
        let q = read(&[
            ("state", "failed"),
            ("q", "bench run"),
            ("archived", "1"),
            ("sort", "name"),
            ("order", "asc"),
            ("offset", "100"),
            ("limit", "20"),
        ]);
        let href = q.href(Some("team-a"));
        assert_eq!(
            href,
            "/runs?ns=team-a&state=failed&q=bench%20run&sort=name&archived=1&order=asc&offset=100&limit=20"
        );
        assert_eq!(read(&[]).href(None), "/runs");
        assert_eq!(read(&[("limit", "5000"), ("offset", "x")]).limit, 1000);

        let asked = q.list_query();
        assert_eq!(asked.state.as_deref(), Some("failed"));
        assert_eq!(asked.order.as_deref(), Some("asc"));
        assert_eq!((asked.offset, asked.limit), (Some(100), Some(20)));
        assert_eq!(asked.experiment, None);
    }

    #[test]
    fn a_header_sorts_then_turns_the_order_round() {
        let q = read(&[("offset", "50")]);
        assert_eq!(q.sort_column(), "created");
        let by_name = q.sorted_by("name");
        assert_eq!(
            (by_name.sort.as_str(), by_name.ascending, by_name.offset),
            ("name", true, 0)
        );
        assert!(!by_name.sorted_by("name").ascending);
        let created = by_name.sorted_by("created");
        assert_eq!((created.sort.as_str(), created.ascending), ("", false));
        assert!(created.sorted_by("created").ascending, "oldest first");
        assert_eq!(q.at(100).offset, 100);
    }
}
