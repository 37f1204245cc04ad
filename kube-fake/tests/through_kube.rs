//! The fake API server, driven through the real kube client as Capstan's runtime will drive a
//! cluster.

use std::collections::BTreeMap;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{
    Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::{Client, Config};
use kube_fake::FakeApiServer;

async fn client(server: &FakeApiServer) -> Client {
    Client::try_from(Config::new(server.url().parse().unwrap())).unwrap()
}

fn config_map(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("k".to_owned(), "v".to_owned())])),
        ..ConfigMap::default()
    }
}

async fn namespace(client: &Client, name: &str) {
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
}

fn code(error: kube::Error) -> u16 {
    match error {
        kube::Error::Api(status) => status.code,
        other => panic!("not an API error: {other}"),
    }
}

#[tokio::test]
async fn objects_live_in_namespaces_and_names_are_unique() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let err = maps
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap_err();
    assert_eq!(code(err), 404, "no namespace yet");
    namespace(&client, "team-a").await;
    let made = maps
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap();
    assert_eq!(made.metadata.namespace.as_deref(), Some("team-a"));
    assert!(made.metadata.uid.is_some() && made.metadata.resource_version.is_some());
    let err = maps
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap_err();
    assert_eq!(code(err), 409);
    assert_eq!(maps.get("a").await.unwrap().data, made.data);
    assert_eq!(code(maps.get("b").await.unwrap_err()), 404);
}

#[tokio::test]
async fn lists_select_by_label() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    namespace(&client, "team-a").await;
    namespace(&client, "team-b").await;
    for (ns, name, app) in [
        ("team-a", "x", "lab"),
        ("team-a", "y", "web"),
        ("team-b", "z", "lab"),
    ] {
        Api::<ConfigMap>::namespaced(client.clone(), ns)
            .create(&PostParams::default(), &config_map(name, &[("app", app)]))
            .await
            .unwrap();
    }
    let names = |list: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        list.items
            .into_iter()
            .filter_map(|m| m.metadata.name)
            .collect()
    };
    let team_a: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let labs = team_a
        .list(&ListParams::default().labels("app=lab"))
        .await
        .unwrap();
    assert_eq!(names(labs), ["x"]);
    let everywhere: Api<ConfigMap> = Api::all(client.clone());
    let labs = everywhere
        .list(&ListParams::default().labels("app in (lab)"))
        .await
        .unwrap();
    assert_eq!(names(labs), ["x", "z"]);
    let not_web = everywhere
        .list(&ListParams::default().labels("app!=web"))
        .await
        .unwrap();
    assert_eq!(names(not_web).len(), 2);
}

#[tokio::test]
async fn a_stale_update_is_a_conflict_and_apply_merges() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    namespace(&client, "team-a").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let first = maps
        .create(&PostParams::default(), &config_map("a", &[]))
        .await
        .unwrap();
    let mut newer = first.clone();
    newer.data = Some(BTreeMap::from([("k".to_owned(), "w".to_owned())]));
    maps.replace("a", &PostParams::default(), &newer)
        .await
        .unwrap();
    // `first` still carries the old resourceVersion.
    let err = maps
        .replace("a", &PostParams::default(), &first)
        .await
        .unwrap_err();
    assert_eq!(code(err), 409);

    // Server-side apply: creates what is missing, merges into what exists.
    let apply = PatchParams::apply("capstan");
    let mut patch = config_map("b", &[("app", "lab")]);
    maps.patch("b", &apply, &Patch::Apply(&patch))
        .await
        .unwrap();
    patch.metadata.labels = Some(BTreeMap::from([("tier".to_owned(), "gpu".to_owned())]));
    let merged = maps
        .patch("b", &apply, &Patch::Apply(&patch))
        .await
        .unwrap();
    let labels = merged.metadata.labels.unwrap();
    assert_eq!(labels.get("app").map(String::as_str), Some("lab"));
    assert_eq!(labels.get("tier").map(String::as_str), Some("gpu"));
    let managers: Vec<String> = merged
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| f.manager)
        .collect();
    assert_eq!(managers, ["capstan"]);
}

#[tokio::test]
async fn deleting_an_owner_deletes_what_it_owns() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    namespace(&client, "team-a").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let owner = maps
        .create(&PostParams::default(), &config_map("owner", &[]))
        .await
        .unwrap();
    let mut owned = config_map("owned", &[]);
    owned.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "owner".into(),
        uid: owner.metadata.uid.clone().unwrap(),
        ..OwnerReference::default()
    }]);
    maps.create(&PostParams::default(), &owned).await.unwrap();
    maps.create(&PostParams::default(), &config_map("other", &[]))
        .await
        .unwrap();
    maps.delete("owner", &DeleteParams::default())
        .await
        .unwrap();
    let left: Vec<String> = maps
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|m| m.metadata.name)
        .collect();
    assert_eq!(left, ["other"]);
    // A namespace takes everything in it along.
    Api::<Namespace>::all(client.clone())
        .delete("team-a", &DeleteParams::default())
        .await
        .unwrap();
    assert!(server.objects("v1", "configmaps").is_empty());
}

#[tokio::test]
async fn a_watch_sees_changes_after_the_list() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    namespace(&client, "team-a").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    maps.create(&PostParams::default(), &config_map("before", &[]))
        .await
        .unwrap();
    let listed = maps.list(&ListParams::default()).await.unwrap();
    let version = listed.metadata.resource_version.unwrap();
    let mut events = maps
        .watch(&WatchParams::default().timeout(10), &version)
        .await
        .unwrap()
        .boxed();
    let made = maps
        .create(&PostParams::default(), &config_map("after", &[]))
        .await
        .unwrap();
    let mut changed = made.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "2".to_owned())]));
    maps.replace("after", &PostParams::default(), &changed)
        .await
        .unwrap();
    maps.delete("after", &DeleteParams::default())
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match events.try_next().await.unwrap().expect("the stream ended") {
            WatchEvent::Added(m) => seen.push(format!("added {}", m.metadata.name.unwrap())),
            WatchEvent::Modified(m) => seen.push(format!("modified {}", m.metadata.name.unwrap())),
            WatchEvent::Deleted(m) => seen.push(format!("deleted {}", m.metadata.name.unwrap())),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["added after", "modified after", "deleted after"]);
}

#[tokio::test]
async fn pod_logs_status_and_injected_refusals() {
    let server = FakeApiServer::start().await.unwrap();
    let client = client(&server).await;
    namespace(&client, "team-a").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "team-a");
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some("lab-0".into()),
            ..ObjectMeta::default()
        },
        ..Pod::default()
    };
    pods.create(&PostParams::default(), &pod).await.unwrap();
    server.set_pod_log("team-a", "lab-0", "epoch=1 loss=0.5\n");
    let log = pods.logs("lab-0", &LogParams::default()).await.unwrap();
    assert_eq!(log, "epoch=1 loss=0.5\n");

    server
        .set_status(
            "v1",
            "pods",
            "team-a",
            "lab-0",
            serde_json::json!({"phase": "Running"}),
        )
        .unwrap();
    let running = pods.get("lab-0").await.unwrap();
    assert_eq!(
        running.status.and_then(|s| s.phase).as_deref(),
        Some("Running")
    );

    server.fail_next(
        "POST",
        "pods",
        403,
        "pods is forbidden: capstan cannot create pods",
    );
    let mut again = pod.clone();
    again.metadata.name = Some("lab-1".into());
    let err = pods
        .create(&PostParams::default(), &again)
        .await
        .unwrap_err();
    assert_eq!(code(err), 403);
    pods.create(&PostParams::default(), &again).await.unwrap();
}
