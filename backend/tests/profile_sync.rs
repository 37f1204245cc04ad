//! Profiles kept as namespaces, against the fake API server through the real kube client.

use backend::cluster::profile_sync::{apply_profile, delete_profile};
use backend::k8s::{K8sConfig, ProfileObjects};
use backend::profiles::Role;
use kube::{Client, Config};
use kube_fake::FakeApiServer;

fn profile(contributors: &[(&str, Role)], gpus: Option<i64>) -> ProfileObjects {
    ProfileObjects {
        name: "team-vision".into(),
        contributors: contributors
            .iter()
            .map(|(user, role)| ((*user).to_owned(), *role))
            .collect(),
        quota: api::Quota {
            gpu_milli: gpus,
            ..api::Quota::default()
        },
    }
}

async fn cluster() -> (FakeApiServer, Client) {
    let server = FakeApiServer::start().await.unwrap();
    let client = Client::try_from(Config::new(server.url().parse().unwrap())).unwrap();
    (server, client)
}

#[tokio::test]
async fn a_profile_becomes_its_namespace_and_follows_its_contributors() {
    let (server, client) = cluster().await;
    let config = K8sConfig::default();
    let team = profile(
        &[
            ("ana@example.com", Role::Owner),
            ("cy@example.com", Role::Edit),
        ],
        Some(2000),
    );
    apply_profile(&client, &config, &team).await.unwrap();
    assert_eq!(server.names("v1", "namespaces"), ["team-vision"]);
    assert_eq!(
        server.names("v1", "serviceaccounts"),
        ["default-editor", "default-viewer"]
    );
    let bindings = server.objects("rbac.authorization.k8s.io/v1", "rolebindings");
    assert_eq!(bindings.len(), 4, "two users, two service accounts");
    assert!(
        bindings
            .iter()
            .all(|b| b["metadata"]["managedFields"][0]["manager"] == "capstan")
    );
    assert_eq!(server.objects("v1", "resourcequotas").len(), 1);
    assert_eq!(
        server
            .objects("networking.k8s.io/v1", "networkpolicies")
            .len(),
        1
    );

    // Applying the same again creates nothing.
    apply_profile(&client, &config, &team).await.unwrap();
    assert_eq!(
        server
            .objects("rbac.authorization.k8s.io/v1", "rolebindings")
            .len(),
        4
    );

    // Cy leaves and the quota is lifted: their binding and the quota go.
    let smaller = profile(&[("ana@example.com", Role::Owner)], None);
    apply_profile(&client, &config, &smaller).await.unwrap();
    let left = server.objects("rbac.authorization.k8s.io/v1", "rolebindings");
    assert_eq!(left.len(), 3);
    assert!(
        left.iter()
            .all(|b| b["subjects"][0]["name"] != "cy@example.com"),
        "{left:#?}"
    );
    assert!(server.objects("v1", "resourcequotas").is_empty());

    delete_profile(&client, "team-vision").await.unwrap();
    assert!(server.objects("v1", "namespaces").is_empty());
    assert!(
        server
            .objects("rbac.authorization.k8s.io/v1", "rolebindings")
            .is_empty()
    );
}

#[tokio::test]
async fn a_refusal_names_the_profile_the_step_and_the_apis_message() {
    let (server, client) = cluster().await;
    server.fail_next(
        "PATCH",
        "rolebindings",
        403,
        "capstan cannot bind capstan-admin",
    );
    let err = apply_profile(
        &client,
        &K8sConfig::default(),
        &profile(&[("ana@example.com", Role::Owner)], None),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "profile team-vision: the cluster could not apply a RoleBinding: capstan cannot bind capstan-admin (403)"
    );
}
