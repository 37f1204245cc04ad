//! The one list of settings: key, type, default, whether it is secret, and what it does.
//! The loader, the redacted printout and the README's table all follow it.

/// The type a setting's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    Integer,
}

#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The key in the TOML file; the environment variable is `CAPSTAN_` + its upper case.
    pub key: &'static str,
    pub kind: Kind,
    /// `None`: unset unless configured.
    pub default: Option<&'static str>,
    pub secret: bool,
    pub help: &'static str,
}

impl Setting {
    pub fn env_var(&self) -> String {
        format!("CAPSTAN_{}", self.key.to_uppercase())
    }
}

const fn setting(
    key: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    help: &'static str,
) -> Setting {
    Setting {
        key,
        kind,
        default,
        secret: false,
        help,
    }
}

pub const SETTINGS: &[Setting] = &[
    setting(
        "listen",
        Kind::Text,
        Some("127.0.0.1:8080"),
        "Address and port the HTTP server listens on.",
    ),
    setting(
        "data_dir",
        Kind::Text,
        Some("./data"),
        "Folder for the SQLite database and workloads' files; created if missing.",
    ),
    setting(
        "database_url",
        Kind::Text,
        None,
        "sqlite://… or postgres://…; default: the SQLite file capstan.db in data_dir.",
    ),
    Setting {
        secret: true,
        ..setting(
            "admin_password",
            Kind::Text,
            None,
            "Sets the built-in admin's password at every start; unset: generated once on the first start.",
        )
    },
    setting(
        "local_admin",
        Kind::Bool,
        Some("true"),
        "Whether the built-in admin may sign in with a password.",
    ),
    setting(
        "admins",
        Kind::Text,
        None,
        "Cluster admins: comma-separated user names (emails by default) or group names.",
    ),
    setting(
        "self_registration",
        Kind::Bool,
        Some("false"),
        "Whether a user who belongs to no profile gets one of their own at first sign-in.",
    ),
    setting(
        "oidc_issuer",
        Kind::Text,
        None,
        "OpenID Connect issuer URL; set, the sign-in page offers the provider.",
    ),
    setting(
        "oidc_client_id",
        Kind::Text,
        None,
        "Client id registered at the provider; needed with oidc_issuer.",
    ),
    Setting {
        secret: true,
        ..setting(
            "oidc_client_secret",
            Kind::Text,
            None,
            "Client secret registered at the provider; needed with oidc_issuer.",
        )
    },
    setting(
        "oidc_scopes",
        Kind::Text,
        Some("openid email profile"),
        "Scopes asked for, space-separated (add `groups` or `offline_access` where the provider needs them).",
    ),
    setting(
        "oidc_user_claim",
        Kind::Text,
        Some("email"),
        "The ID token or user info claim that names the user.",
    ),
    setting(
        "oidc_groups_claim",
        Kind::Text,
        Some("groups"),
        "The claim that lists the user's groups (a list of strings); missing means no groups.",
    ),
    setting(
        "trusted_proxies",
        Kind::Text,
        None,
        "Comma-separated proxy IP addresses whose user header is believed (oauth2-proxy, Istio); set, turns the header mode on.",
    ),
    setting(
        "trusted_user_header",
        Kind::Text,
        Some("kubeflow-userid"),
        "The header that names the user, from a trusted proxy.",
    ),
    setting(
        "trusted_groups_header",
        Kind::Text,
        Some("kubeflow-groups"),
        "The header that lists the user's groups, comma-separated, from a trusted proxy.",
    ),
    setting(
        "public_url",
        Kind::Text,
        None,
        "The URL browsers use; https:// marks cookies Secure. Default: http:// + listen.",
    ),
    setting(
        "site_root",
        Kind::Text,
        Some("target/site"),
        "Folder with the built site (pkg/ with wasm, JS and CSS), as cargo-leptos writes it.",
    ),
    setting("log_format", Kind::Text, Some("text"), "text or json."),
    setting(
        "log_level",
        Kind::Text,
        Some("info"),
        "A tracing filter: a level, or directives such as `info,server=debug,sqlx=warn`.",
    ),
    setting(
        "session_idle_minutes",
        Kind::Integer,
        Some("480"),
        "A session unused this long ends.",
    ),
    setting(
        "session_max_hours",
        Kind::Integer,
        Some("24"),
        "A session ends this long after sign-in, used or not.",
    ),
    setting(
        "shutdown_grace_seconds",
        Kind::Integer,
        Some("30"),
        "On SIGTERM, how long requests in flight may take to finish.",
    ),
    setting(
        "scheduler_policy",
        Kind::Text,
        Some("fgd"),
        "Where workloads go: `fgd` (fragmentation-aware) or `best-fit`.",
    ),
    setting(
        "priority_classes",
        Kind::Text,
        Some("low=0,default=100,high=1000"),
        "Priority classes workloads may name, as name=value pairs; higher values go first and may preempt lower.",
    ),
    setting(
        "default_priority_class",
        Kind::Text,
        Some("default"),
        "The class of a workload that names none; one of priority_classes.",
    ),
    setting(
        "gpus",
        Kind::Text,
        Some("discover"),
        "This machine's GPUs: `discover` (nvidia-smi, none if it is missing), `none`, or simulated ones such as `2xH100:81920,1xL4`.",
    ),
    setting(
        "stop_grace_seconds",
        Kind::Integer,
        Some("10"),
        "A stopped or preempted workload has this long between SIGTERM and SIGKILL.",
    ),
    setting(
        "notebook_config",
        Kind::Text,
        None,
        "A TOML file with the notebook spawner's environments, configurations, defaults and locked fields; unset: the built-in one (README, Notebooks).",
    ),
    setting(
        "notebook_idle_minutes",
        Kind::Integer,
        Some("0"),
        "Stop a notebook after this many minutes without activity and with no kernel busy; 0: never.",
    ),
    setting(
        "notebook_activity_seconds",
        Kind::Integer,
        Some("30"),
        "How often a running notebook's last activity is read from Jupyter.",
    ),
    setting(
        "pipeline_path",
        Kind::Text,
        None,
        "Directories (`:`-separated) put before PATH for pipeline tasks in standalone mode: where a `python3` with the kfp package is, for KFP lightweight components.",
    ),
    setting(
        "pipeline_parallelism",
        Kind::Integer,
        Some("8"),
        "At most this many tasks of one pipeline run at once, unless the run asks for another limit.",
    ),
    setting(
        "pipeline_warm_python",
        Kind::Bool,
        Some("true"),
        "Run KFP lightweight Python components' tasks in standalone mode as forks of one Python that has imported kfp once, instead of a new Python per task.",
    ),
    setting(
        "model_roots",
        Kind::Text,
        None,
        "Directories (comma-separated) that standalone models' storageUri must lie under; unset: `<data_dir>/models`.",
    ),
    setting(
        "mlserver",
        Kind::Text,
        Some("mlserver"),
        "The MLServer program that serves sklearn, xgboost, lightgbm and onnx models in standalone mode.",
    ),
    setting(
        "serving_stable_window_seconds",
        Kind::Integer,
        Some("60"),
        "The autoscaler averages a model's load over this window (its panic window is a tenth of it).",
    ),
    setting(
        "serving_scale_to_zero_seconds",
        Kind::Integer,
        Some("30"),
        "A model with minReplicas 0 and no request for this long scales to zero.",
    ),
    setting(
        "training_backoff_seconds",
        Kind::Integer,
        Some("10"),
        "A failed training attempt restarts after this long, each next restart after twice as long (at most 6 minutes).",
    ),
];

/// The settings as a Markdown table, for `capstan settings` and the README.
pub fn settings_table() -> String {
    let mut out =
        String::from("| key | environment variable | default | meaning |\n|---|---|---|---|\n");
    for s in SETTINGS {
        let default = match (s.default, s.secret) {
            (_, true) => "(secret)".to_owned(),
            (Some(d), false) => format!("`{d}`"),
            (None, false) => "(unset)".to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {default} | {} |\n",
            s.key,
            s.env_var(),
            s.help
        ));
    }
    out
}

pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_has_the_current_settings_table() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&settings_table()),
            "README.md's settings table is out of date: paste the output of `capstan settings`"
        );
    }

    #[test]
    fn keys_are_unique() {
        for (i, a) in SETTINGS.iter().enumerate() {
            assert!(
                SETTINGS[i + 1..].iter().all(|b| b.key != a.key),
                "{}",
                a.key
            );
        }
    }
}
