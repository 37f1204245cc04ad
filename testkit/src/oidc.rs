//! The test OpenID Connect provider (`end2end/oidc-provider`, the npm package oidc-provider)
//! as a child process: started on a free port, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct OidcProvider {
    child: Child,
    pub issuer: String,
}

pub const CLIENT_ID: &str = "capstan";
pub const CLIENT_SECRET: &str = "capstan-test-secret";

/// The folder with the provider's script and its `node_modules`.
pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("end2end")
        .join("oidc-provider")
}

impl OidcProvider {
    /// Starts the provider for a client whose redirect URI is `redirect_uri`; `env` adds or
    /// overrides its settings (`OIDC_ACCESS_TOKEN_TTL`…). Panics with what to do when its npm
    /// packages are missing.
    pub fn start(redirect_uri: &str, post_logout_uri: &str, env: &[(&str, &str)]) -> Self {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules").join("oidc-provider").exists(),
            "the test OpenID provider's packages are missing: run `npm ci` in {} \
             (cargo xtask test does)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("OIDC_PORT", "0")
            .env("OIDC_REDIRECT_URIS", redirect_uri)
            .env("OIDC_POST_LOGOUT_REDIRECT_URIS", post_logout_uri)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs the test OpenID provider");
        let stdout = child.stdout.take().expect("the provider's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider announces itself");
        let Some(issuer) = line.trim().strip_prefix("oidc-provider ready ") else {
            let _ = child.kill();
            panic!("the test OpenID provider did not start: {line:?}");
        };
        OidcProvider {
            issuer: issuer.to_owned(),
            child,
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
