use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::Config;
use super::settings::{self, Kind, SETTINGS};

/// Where configuration comes from, lowest precedence first.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub file: Option<PathBuf>,
    /// `CAPSTAN_*` variables (others are ignored).
    pub env: Vec<(String, String)>,
    /// Flags, as setting key and value.
    pub flags: Vec<(String, String)>,
}

/// Variables with the prefix that are not settings: the config file's path, and the test
/// harness's own.
const NOT_SETTINGS: &[&str] = &["CAPSTAN_CONFIG"];
const HARNESS_PREFIX: &str = "CAPSTAN_TEST_";

impl Sources {
    pub fn empty() -> Self {
        Sources::default()
    }

    /// The process environment's `CAPSTAN_*` variables, with the given file and flags.
    pub fn from_process(file: Option<PathBuf>, flags: Vec<(String, String)>) -> Self {
        let env = std::env::vars()
            .filter(|(name, _)| name.starts_with("CAPSTAN_"))
            .collect();
        Sources { file, env, flags }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("unknown configuration key `{key}` in {origin}")]
    UnknownKey { key: String, origin: String },
    #[error("configuration key `{key}` in {origin}: {message}")]
    Invalid {
        key: String,
        origin: String,
        message: String,
    },
}

/// Reads every source into one [`Config`], or says which key is wrong and where.
pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
    let mut layered = Layered::default();
    for setting in SETTINGS {
        if let Some(default) = setting.default {
            layered.set_text(setting.key, default, "the built-in defaults")?;
        }
    }
    if let Some(path) = &sources.file {
        layered.read_file(path)?;
    }
    for (name, value) in &sources.env {
        if NOT_SETTINGS.contains(&name.as_str()) || name.starts_with(HARNESS_PREFIX) {
            continue;
        }
        let Some(key) = name.strip_prefix("CAPSTAN_") else {
            continue;
        };
        let origin = format!("environment variable {name}");
        layered.set_text(&key.to_lowercase(), value, &origin)?;
    }
    for (key, value) in &sources.flags {
        layered.set_text(key, value, &format!("flag --{}", key.replace('_', "-")))?;
    }
    layered.validate()?;
    let config = layered.into_config()?;
    // Read now, so that a broken spawner file stops the start with its reason.
    if let Err(message) = config.spawner_config() {
        return Err(ConfigError::Invalid {
            key: "notebook_config".to_owned(),
            origin: "the notebook spawner file".to_owned(),
            message,
        });
    }
    Ok(config)
}

/// The merged table, and for each key where its value came from (for error messages).
#[derive(Default)]
struct Layered {
    table: Table,
    origins: HashMap<String, String>,
}

impl Layered {
    fn read_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let table: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        let origin = format!("the configuration file {}", path.display());
        for (key, value) in table {
            let setting = known(&key, &origin)?;
            let fits = matches!(
                (setting.kind, &value),
                (Kind::Text, Value::String(_))
                    | (Kind::Bool, Value::Boolean(_))
                    | (Kind::Integer, Value::Integer(0..))
            );
            if !fits {
                return Err(invalid(&key, &origin, expected(setting.kind)));
            }
            self.origins.insert(key.clone(), origin.clone());
            self.table.insert(key, value);
        }
        Ok(())
    }

    /// Sets a key from text (an environment variable, a flag or a default).
    fn set_text(&mut self, key: &str, text: &str, origin: &str) -> Result<(), ConfigError> {
        let setting = known(key, origin)?;
        let value = match setting.kind {
            Kind::Text => Value::String(text.to_owned()),
            Kind::Bool => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Value::Boolean(true),
                "false" | "0" | "no" | "off" => Value::Boolean(false),
                _ => return Err(invalid(key, origin, expected(setting.kind))),
            },
            Kind::Integer => match text.trim().parse::<u32>() {
                Ok(n) => Value::Integer(i64::from(n)),
                Err(_) => return Err(invalid(key, origin, expected(setting.kind))),
            },
        };
        self.origins.insert(key.to_owned(), origin.to_owned());
        self.table.insert(key.to_owned(), value);
        Ok(())
    }

    /// Checks the values whose type alone does not make them valid.
    fn validate(&self) -> Result<(), ConfigError> {
        let text = |key: &str| self.table.get(key).and_then(Value::as_str);
        if let Some(listen) = text("listen")
            && listen.parse::<SocketAddr>().is_err()
        {
            return Err(self.invalid(
                "listen",
                format!("`{listen}` is not an address and port such as 127.0.0.1:8080"),
            ));
        }
        if let Some(format) = text("log_format")
            && !matches!(format, "text" | "json")
        {
            return Err(self.invalid("log_format", format!("`{format}` is neither text nor json")));
        }
        if let Some(url) = text("database_url")
            && let Err(e) = backend::store::DatabaseKind::of_url(url)
        {
            return Err(self.invalid("database_url", e.to_string()));
        }
        if let Some(url) = text("public_url")
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(self.invalid(
                "public_url",
                format!("`{url}` must start with http:// or https://"),
            ));
        }
        self.validate_oidc()?;
        self.validate_trusted_proxies()?;
        self.validate_scheduling()?;
        for key in [
            "session_idle_minutes",
            "session_max_hours",
            "notebook_activity_seconds",
            "pipeline_parallelism",
            "serving_stable_window_seconds",
        ] {
            if self.table.get(key).and_then(Value::as_integer) == Some(0) {
                return Err(self.invalid(key, "must be at least 1".to_owned()));
            }
        }
        Ok(())
    }

    /// An issuer needs a client id and secret, and must be a URL; the other OIDC keys are
    /// pointless without an issuer.
    fn validate_oidc(&self) -> Result<(), ConfigError> {
        let text = |key: &str| self.table.get(key).and_then(Value::as_str);
        let Some(issuer) = text("oidc_issuer") else {
            for key in ["oidc_client_id", "oidc_client_secret"] {
                if text(key).is_some() {
                    return Err(self.invalid(key, "is set but oidc_issuer is not".to_owned()));
                }
            }
            return Ok(());
        };
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(self.invalid(
                "oidc_issuer",
                format!("`{issuer}` must be an http:// or https:// URL"),
            ));
        }
        for key in ["oidc_client_id", "oidc_client_secret"] {
            if text(key).is_none_or(str::is_empty) {
                return Err(ConfigError::Invalid {
                    key: key.to_owned(),
                    origin: "configuration".to_owned(),
                    message: format!(
                        "is required with oidc_issuer (set {})",
                        settings::find(key).map(|s| s.env_var()).unwrap_or_default()
                    ),
                });
            }
        }
        if !text("oidc_scopes").is_some_and(|s| s.split_whitespace().any(|s| s == "openid")) {
            return Err(self.invalid("oidc_scopes", "must include `openid`".to_owned()));
        }
        Ok(())
    }

    /// The policy, the priority classes and the GPU declaration are parsed here so that a
    /// mistake stops the start with its key, not the first scheduling cycle.
    fn validate_scheduling(&self) -> Result<(), ConfigError> {
        let text = |key: &str| {
            self.table
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        if backend::scheduler::Policy::parse(text("scheduler_policy")).is_none() {
            return Err(self.invalid(
                "scheduler_policy",
                format!("`{}` is neither fgd nor best-fit", text("scheduler_policy")),
            ));
        }
        if let Err(e) = backend::workload::PriorityClasses::parse(
            text("priority_classes"),
            text("default_priority_class"),
        ) {
            return Err(self.invalid("priority_classes", e.to_string()));
        }
        let gpus = text("gpus");
        if !matches!(gpus, "discover" | "none")
            && let Err(e) = backend::inventory::parse_simulated(gpus)
        {
            return Err(self.invalid("gpus", e));
        }
        Ok(())
    }

    fn validate_trusted_proxies(&self) -> Result<(), ConfigError> {
        let Some(list) = self.table.get("trusted_proxies").and_then(Value::as_str) else {
            return Ok(());
        };
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.parse::<std::net::IpAddr>().is_err() {
                return Err(self.invalid(
                    "trusted_proxies",
                    format!("`{entry}` is not an IP address such as 10.0.0.7"),
                ));
            }
        }
        Ok(())
    }

    fn invalid(&self, key: &str, message: String) -> ConfigError {
        let origin = self
            .origins
            .get(key)
            .map(String::as_str)
            .unwrap_or("configuration");
        invalid(key, origin, message)
    }

    fn into_config(self) -> Result<Config, ConfigError> {
        Value::Table(self.table)
            .try_into::<Config>()
            .map_err(|e| ConfigError::Invalid {
                key: "(configuration)".to_owned(),
                origin: "the merged configuration".to_owned(),
                message: e.to_string(),
            })
    }
}

fn known(key: &str, origin: &str) -> Result<&'static settings::Setting, ConfigError> {
    settings::find(key).ok_or_else(|| ConfigError::UnknownKey {
        key: key.to_owned(),
        origin: origin.to_owned(),
    })
}

fn invalid(key: &str, origin: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        origin: origin.to_owned(),
        message,
    }
}

fn expected(kind: Kind) -> String {
    match kind {
        Kind::Text => "expected a string".to_owned(),
        Kind::Bool => "expected true or false".to_owned(),
        Kind::Integer => "expected a whole number of at least 0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LogFormat;

    fn env(pairs: &[(&str, &str)]) -> Sources {
        Sources {
            env: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Sources::default()
        }
    }

    fn file(contents: &str) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("capstan.toml");
        std::fs::write(&path, contents).unwrap();
        (
            dir,
            Sources {
                file: Some(path),
                ..Sources::default()
            },
        )
    }

    #[test]
    fn defaults_make_a_standalone_server_on_loopback() {
        let config = load(&Sources::empty()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.database_url(), "sqlite://./data/capstan.db?mode=rwc");
        assert!(config.local_admin);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.admin_password, None);
    }

    #[test]
    fn environment_overrides_file_and_flags_override_environment() {
        let (_dir, mut sources) = file("listen = \"127.0.0.1:9000\"\nlog_format = \"json\"\n");
        sources.env = vec![("CAPSTAN_LISTEN".into(), "127.0.0.1:9001".into())];
        assert_eq!(load(&sources).unwrap().listen.port(), 9001);
        sources.flags = vec![("listen".into(), "127.0.0.1:9002".into())];
        let config = load(&sources).unwrap();
        assert_eq!(config.listen.port(), 9002);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn an_unknown_environment_variable_is_named() {
        let err = load(&env(&[("CAPSTAN_LISTNE", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown configuration key `listne` in environment variable CAPSTAN_LISTNE"
        );
    }

    #[test]
    fn harness_variables_and_the_config_path_are_not_settings() {
        let sources = env(&[
            ("CAPSTAN_TEST_POSTGRES_URL", "postgres://x/y"),
            ("CAPSTAN_CONFIG", "/nowhere.toml"),
        ]);
        assert!(load(&sources).is_ok());
    }

    #[test]
    fn an_unknown_file_key_is_named_with_the_file() {
        let (_dir, sources) = file("lisen = \"127.0.0.1:1\"\n");
        let err = load(&sources).unwrap_err().to_string();
        assert!(
            err.starts_with("unknown configuration key `lisen` in the configuration file"),
            "{err}"
        );
    }

    #[test]
    fn malformed_values_name_their_key() {
        let cases = [
            (("CAPSTAN_LISTEN", "localhost"), "listen"),
            (("CAPSTAN_LOCAL_ADMIN", "maybe"), "local_admin"),
            (
                ("CAPSTAN_SESSION_IDLE_MINUTES", "-5"),
                "session_idle_minutes",
            ),
            (
                ("CAPSTAN_SESSION_IDLE_MINUTES", "0"),
                "session_idle_minutes",
            ),
            (("CAPSTAN_LOG_FORMAT", "xml"), "log_format"),
            (("CAPSTAN_DATABASE_URL", "mysql://db/x"), "database_url"),
            (("CAPSTAN_PUBLIC_URL", "capstan.example"), "public_url"),
            (("CAPSTAN_OIDC_CLIENT_ID", "capstan"), "oidc_client_id"),
            (("CAPSTAN_OIDC_ISSUER", "dex.example"), "oidc_issuer"),
            (
                ("CAPSTAN_TRUSTED_PROXIES", "10.0.0.7, proxy"),
                "trusted_proxies",
            ),
        ];
        for ((name, value), key) in cases {
            let err = load(&env(&[(name, value)])).unwrap_err();
            let ConfigError::Invalid {
                key: got, origin, ..
            } = &err
            else {
                panic!("{name}={value}: expected an invalid value, got {err}");
            };
            assert_eq!(got, key);
            assert_eq!(origin, &format!("environment variable {name}"));
        }
    }

    #[test]
    fn a_file_value_of_the_wrong_type_is_named() {
        let (_dir, sources) = file("session_idle_minutes = \"ten\"\n");
        let err = load(&sources).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key, .. } if key == "session_idle_minutes"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_file_says_where() {
        let (_dir, sources) = file("listen = \n");
        let err = load(&sources).unwrap_err().to_string();
        assert!(
            err.contains("not valid TOML") && err.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_reported() {
        let sources = Sources {
            file: Some(PathBuf::from("/nonexistent/capstan.toml")),
            ..Sources::default()
        };
        assert!(matches!(load(&sources), Err(ConfigError::Read { .. })));
    }

    #[test]
    fn an_issuer_without_its_client_names_the_missing_setting() {
        let err = load(&env(&[
            ("CAPSTAN_OIDC_ISSUER", "https://dex.example"),
            ("CAPSTAN_OIDC_CLIENT_ID", "capstan"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string().contains("oidc_client_secret")
                && err.to_string().contains("CAPSTAN_OIDC_CLIENT_SECRET"),
            "{err}"
        );
        let complete = load(&env(&[
            ("CAPSTAN_OIDC_ISSUER", "https://dex.example"),
            ("CAPSTAN_OIDC_CLIENT_ID", "capstan"),
            ("CAPSTAN_OIDC_CLIENT_SECRET", "s3cret"),
        ]))
        .unwrap();
        assert!(
            complete
                .redacted_lines()
                .contains(&"oidc_client_secret = <redacted>".to_owned())
        );
    }

    #[test]
    fn secrets_are_redacted_in_the_printout() {
        let config = load(&env(&[
            ("CAPSTAN_ADMIN_PASSWORD", "hunter2"),
            ("CAPSTAN_DATABASE_URL", "postgres://u:pw@db/capstan"),
        ]))
        .unwrap();
        let printed = config.redacted_lines().join("\n");
        assert!(
            !printed.contains("hunter2") && !printed.contains(":pw@"),
            "{printed}"
        );
        assert!(printed.contains("admin_password = <redacted>"));
        assert!(printed.contains("database_url = postgres://u:<redacted>@db/capstan"));
    }
}
