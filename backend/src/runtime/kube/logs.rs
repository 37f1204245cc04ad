//! A replica's output from `pods/log`: its pod is found by the workload's and the group's
//! labels, and by its index (the training replica's label, else its place among the group's
//! pods by name).

use futures_util::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use tokio::sync::mpsc;

use crate::k8s::labels::{COMPONENT, REPLICA, WORKLOAD};
use crate::runtime::RuntimeError;

async fn pod_name(
    pods: &Api<Pod>,
    id: i64,
    group: &str,
    replica: u32,
) -> Result<String, RuntimeError> {
    let no_log = || RuntimeError::NoLog {
        id,
        group: group.to_owned(),
        replica,
    };
    let selector = format!("{WORKLOAD}={id},{COMPONENT}={group}");
    let mut found = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|_| no_log())?
        .items;
    found.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let labelled = found.iter().find(|p| {
        p.metadata.labels.as_ref().and_then(|l| l.get(REPLICA)) == Some(&replica.to_string())
    });
    labelled
        .or_else(|| found.get(replica as usize))
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(no_log)
}

pub async fn tail(
    client: &Client,
    namespace: &str,
    id: i64,
    group: &str,
    replica: u32,
    lines: usize,
) -> Result<Vec<String>, RuntimeError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let name = pod_name(&pods, id, group, replica).await?;
    let params = LogParams {
        tail_lines: Some(i64::try_from(lines).unwrap_or(i64::MAX)),
        ..LogParams::default()
    };
    let text = pods
        .logs(&name, &params)
        .await
        .map_err(|e| RuntimeError::Cluster {
            id,
            action: format!("read the log of pod {name}"),
            message: e.to_string(),
        })?;
    Ok(text.lines().map(str::to_owned).collect())
}

pub async fn follow(
    client: &Client,
    namespace: &str,
    id: i64,
    group: &str,
    replica: u32,
) -> Result<mpsc::Receiver<String>, RuntimeError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let name = pod_name(&pods, id, group, replica).await?;
    let params = LogParams {
        follow: true,
        ..LogParams::default()
    };
    let stream = pods
        .log_stream(&name, &params)
        .await
        .map_err(|e| RuntimeError::Cluster {
            id,
            action: format!("follow the log of pod {name}"),
            message: e.to_string(),
        })?;
    let (sender, receiver) = mpsc::channel(256);
    tokio::spawn(async move {
        let mut lines = stream.lines().boxed();
        while let Some(Ok(line)) = lines.next().await {
            if sender.send(line).await.is_err() {
                return;
            }
        }
    });
    Ok(receiver)
}
