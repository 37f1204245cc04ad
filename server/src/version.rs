use api::VersionInfo;

pub fn info() -> VersionInfo {
    VersionInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: option_env!("CAPSTAN_GIT_COMMIT").map(str::to_owned),
        // Cluster mode (PostgreSQL + Kubernetes runtime) arrives with its own issue.
        mode: "standalone".to_owned(),
    }
}
