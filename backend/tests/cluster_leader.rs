//! Leader election between Capstan replicas through a Lease on the fake API server.

use std::time::Duration;

use backend::cluster::leader::LeaderElector;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use kube::{Client, Config};
use kube_fake::FakeApiServer;

/// The fake cluster with Capstan's namespace.
async fn cluster() -> (FakeApiServer, Client) {
    let server = FakeApiServer::start().await.unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "capstan"}})).unwrap();
    Api::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn one_leads_and_another_takes_over_when_it_stops_renewing() {
    let (server, client) = cluster().await;
    let a = LeaderElector::new(client.clone(), "capstan", "capstan-a", 1);
    let b = LeaderElector::new(client.clone(), "capstan", "capstan-b", 1);
    assert!(a.tick().await.unwrap(), "the first to ask leads");
    assert!(!b.tick().await.unwrap(), "the other follows");
    assert!(a.tick().await.unwrap(), "the leader renews");
    // a stops (killed): after the lease's duration, b takes over, and a, back, follows.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(b.tick().await.unwrap());
    assert!(!a.tick().await.unwrap());
    let lease = &server.objects("coordination.k8s.io/v1", "leases")[0];
    assert_eq!(lease["spec"]["holderIdentity"], "capstan-b");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
}

#[tokio::test]
async fn of_four_racing_for_the_lease_one_wins() {
    let (_server, client) = cluster().await;
    let electors: Vec<LeaderElector> = (0..4)
        .map(|i| LeaderElector::new(client.clone(), "capstan", &format!("capstan-{i}"), 30))
        .collect();
    let won = futures_util::future::join_all(electors.iter().map(|e| e.tick())).await;
    let leaders = won.into_iter().filter(|w| *w.as_ref().unwrap()).count();
    assert_eq!(leaders, 1, "exactly one of four leads");
}
