//! Configuration: one typed [`Config`], read from a TOML file (`--config`), then `CAPSTAN_*`
//! environment variables, then flags, each overriding the one before. Every setting is listed
//! once in [`settings::SETTINGS`]; an unknown key or a malformed value stops the start with a
//! message that names it.

mod load;
mod settings;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use load::{Sources, load};
pub use settings::{SETTINGS, settings_table};

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: a SQLite file in the data directory.
    pub database_url: Option<String>,
    pub admin_password: Option<String>,
    pub local_admin: bool,
    pub admins: Option<String>,
    pub self_registration: bool,
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret: Option<String>,
    pub oidc_scopes: String,
    pub oidc_user_claim: String,
    pub oidc_groups_claim: String,
    pub trusted_proxies: Option<String>,
    pub trusted_user_header: String,
    pub trusted_groups_header: String,
    pub public_url: Option<String>,
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    pub log_level: String,
    pub session_idle_minutes: u64,
    pub session_max_hours: u64,
    pub shutdown_grace_seconds: u64,
    pub scheduler_policy: String,
    pub priority_classes: String,
    pub default_priority_class: String,
    pub gpus: String,
    pub stop_grace_seconds: u64,
    pub notebook_config: Option<PathBuf>,
    pub notebook_idle_minutes: u64,
    pub notebook_activity_seconds: u64,
    pub pipeline_path: Option<String>,
    pub pipeline_parallelism: u32,
    pub pipeline_warm_python: bool,
    pub model_roots: Option<String>,
    pub mlserver: String,
    pub serving_stable_window_seconds: u64,
    pub serving_scale_to_zero_seconds: u64,
    pub training_backoff_seconds: u64,
}

impl Config {
    /// The notebook spawner's configuration: the file's, or the built-in one.
    pub fn spawner_config(&self) -> Result<backend::notebooks::SpawnerConfig, String> {
        let text = match &self.notebook_config {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            None => backend::notebooks::DEFAULT_SPAWNER_CONFIG.to_owned(),
        };
        backend::notebooks::SpawnerConfig::parse(&text).map_err(|e| e.to_string())
    }

    /// The directories standalone models must lie under.
    pub fn model_roots(&self) -> Vec<PathBuf> {
        match &self.model_roots {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => vec![self.data_dir.join("models")],
        }
    }

    /// The database URL in effect: the configured one, or SQLite under the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("capstan.db").display()
            ),
        }
    }

    /// The address browsers use; decides whether cookies are marked Secure.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// The configured cluster admins.
    pub fn cluster_admins(&self) -> backend::authz::ClusterAdmins {
        backend::authz::ClusterAdmins::parse(self.admins.as_deref().unwrap_or_default())
    }

    /// The proxies whose user header is believed; empty: the header mode is off.
    pub fn trusted_proxy_addresses(&self) -> Vec<std::net::IpAddr> {
        self.trusted_proxies
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(|a| a.trim().parse().ok())
            .collect()
    }

    pub fn serves_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// One `key = value` line per setting, secrets and database passwords redacted.
    pub fn redacted_lines(&self) -> Vec<String> {
        let values = self.values();
        SETTINGS
            .iter()
            .zip(values)
            .map(|(setting, value)| {
                let shown = match value {
                    None => "(unset)".to_owned(),
                    Some(_) if setting.secret => "<redacted>".to_owned(),
                    Some(v) if setting.key == "database_url" => redact_url_password(&v),
                    Some(v) => v,
                };
                format!("{} = {shown}", setting.key)
            })
            .collect()
    }

    /// Values in the order of [`SETTINGS`].
    fn values(&self) -> Vec<Option<String>> {
        vec![
            Some(self.listen.to_string()),
            Some(self.data_dir.display().to_string()),
            Some(self.database_url()),
            self.admin_password.clone(),
            Some(self.local_admin.to_string()),
            self.admins.clone(),
            Some(self.self_registration.to_string()),
            self.oidc_issuer.clone(),
            self.oidc_client_id.clone(),
            self.oidc_client_secret.clone(),
            Some(self.oidc_scopes.clone()),
            Some(self.oidc_user_claim.clone()),
            Some(self.oidc_groups_claim.clone()),
            self.trusted_proxies.clone(),
            Some(self.trusted_user_header.clone()),
            Some(self.trusted_groups_header.clone()),
            Some(self.public_url()),
            Some(self.site_root.display().to_string()),
            Some(format!("{:?}", self.log_format).to_lowercase()),
            Some(self.log_level.clone()),
            Some(self.session_idle_minutes.to_string()),
            Some(self.session_max_hours.to_string()),
            Some(self.shutdown_grace_seconds.to_string()),
            Some(self.scheduler_policy.clone()),
            Some(self.priority_classes.clone()),
            Some(self.default_priority_class.clone()),
            Some(self.gpus.clone()),
            Some(self.stop_grace_seconds.to_string()),
            self.notebook_config
                .as_ref()
                .map(|p| p.display().to_string()),
            Some(self.notebook_idle_minutes.to_string()),
            Some(self.notebook_activity_seconds.to_string()),
            self.pipeline_path.clone(),
            Some(self.pipeline_parallelism.to_string()),
            Some(self.pipeline_warm_python.to_string()),
            Some(
                self.model_roots()
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(self.mlserver.clone()),
            Some(self.serving_stable_window_seconds.to_string()),
            Some(self.serving_scale_to_zero_seconds.to_string()),
            Some(self.training_backoff_seconds.to_string()),
        ]
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:<redacted>@host/db`.
fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:<redacted>@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url_password("postgres://capstan:hunter2@db:5432/capstan"),
            "postgres://capstan:<redacted>@db:5432/capstan"
        );
        assert_eq!(
            redact_url_password("postgres://db/capstan"),
            "postgres://db/capstan"
        );
        assert_eq!(
            redact_url_password("sqlite://data/x.db"),
            "sqlite://data/x.db"
        );
    }

    #[test]
    fn every_setting_has_a_value_in_the_printout() {
        let config = load(&Sources::empty()).expect("defaults load");
        assert_eq!(config.values().len(), SETTINGS.len());
    }
}
