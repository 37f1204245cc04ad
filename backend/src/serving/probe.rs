//! Whether a replica answers: a V2 server once `GET /v2/health/ready` says 200 (MLServer says
//! so once its model is loaded); any other server once it answers HTTP at all, as KServe's
//! default probe for custom containers only asks that the port be open.

use std::net::SocketAddr;
use std::time::Duration;

use super::spec::Protocol;

#[derive(Clone)]
pub struct ReadyProbe {
    client: reqwest::Client,
}

impl Default for ReadyProbe {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .no_proxy()
            .build()
            .unwrap_or_default();
        ReadyProbe { client }
    }
}

impl ReadyProbe {
    pub async fn ready(&self, addr: SocketAddr, protocol: Protocol) -> bool {
        match protocol {
            Protocol::V2 => self
                .client
                .get(format!("http://{addr}/v2/health/ready"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success()),
            Protocol::V1 => self
                .client
                .get(format!("http://{addr}/"))
                .send()
                .await
                .is_ok(),
        }
    }
}
