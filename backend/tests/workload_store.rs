//! The workloads table against SQLite and a real PostgreSQL alike.

use api::{GpuShare, Phase, ReplicaGroup, ReplicaPlacement, Resources, WorkloadKind, WorkloadSpec};
use backend::store::{NewWorkload, Quota, Store, Subject};

testkit::on_both_databases!(
    a_workload_is_stored_queued_with_its_first_event,
    names_are_unique_within_a_profile,
    transitions_stamp_times_and_record_events,
    deleting_the_profile_deletes_its_workloads,
);

fn spec(name: &str) -> WorkloadSpec {
    WorkloadSpec {
        name: name.to_owned(),
        kind: WorkloadKind::Training,
        priority_class: None,
        groups: vec![ReplicaGroup {
            name: "worker".into(),
            replicas: 2,
            command: vec!["python".into(), "train.py".into()],
            image: None,
            args: Vec::new(),
            env: Default::default(),
            ports: Vec::new(),
            volumes: Vec::new(),
            working_dir: None,
            resources: Resources {
                cpu_milli: 2000,
                memory_mib: 4096,
                gpus: 1,
                ..Resources::default()
            },
        }],
        gang: true,
        requeue_on_failure: false,
        leader: None,
    }
}

async fn submit(store: &Store, profile: &str, name: &str) -> Option<i64> {
    let spec = spec(name);
    store
        .workloads()
        .insert(&NewWorkload {
            profile,
            spec: &spec,
            priority_class: "default",
            priority: 0,
            now_ms: 1_000,
        })
        .await
        .unwrap()
        .map(|row| row.id)
}

async fn with_profile(store: &Store, name: &str) {
    let owner = Subject::User("ada@example.com".into());
    assert!(
        store
            .profiles()
            .create(name, &owner, &Quota::default(), 1)
            .await
            .unwrap()
    );
}

async fn a_workload_is_stored_queued_with_its_first_event(store: Store) {
    with_profile(&store, "team-a").await;
    let id = submit(&store, "team-a", "resnet").await.expect("stored");
    let row = store
        .workloads()
        .get("team-a", "resnet")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.id, id);
    assert_eq!(row.phase, Phase::Queued);
    assert_eq!(row.spec, spec("resnet"));
    assert!(row.placements.is_empty());
    let events = store.workloads().events(id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].reason, "submitted");
    assert_eq!(store.workloads().active().await.unwrap().len(), 1);
}

async fn names_are_unique_within_a_profile(store: Store) {
    with_profile(&store, "team-a").await;
    with_profile(&store, "team-b").await;
    assert!(submit(&store, "team-a", "resnet").await.is_some());
    assert!(submit(&store, "team-a", "resnet").await.is_none());
    assert!(submit(&store, "team-b", "resnet").await.is_some());
    assert_eq!(
        store.workloads().of_profile("team-a").await.unwrap().len(),
        1
    );
}

async fn transitions_stamp_times_and_record_events(store: Store) {
    with_profile(&store, "team-a").await;
    let id = submit(&store, "team-a", "resnet").await.unwrap();
    let placed = vec![ReplicaPlacement {
        group: "worker".into(),
        replica: 0,
        node: "local".into(),
        gpus: vec![GpuShare {
            index: 1,
            milli: 1000,
        }],
    }];
    let workloads = store.workloads();
    assert!(
        workloads
            .transition(id, Phase::Admitted, "placed", &placed, 2_000)
            .await
            .unwrap()
    );
    assert!(
        workloads
            .transition(id, Phase::Running, "started", &placed, 3_000)
            .await
            .unwrap()
    );
    assert!(
        workloads
            .transition(
                id,
                Phase::Failed,
                "replica worker-0 exited with code 3",
                &placed,
                4_000
            )
            .await
            .unwrap()
    );
    let row = workloads.by_id(id).await.unwrap().unwrap();
    assert_eq!(row.phase, Phase::Failed);
    assert_eq!(row.placements, placed);
    assert_eq!(
        (row.admitted_at_ms, row.started_at_ms, row.finished_at_ms),
        (Some(2_000), Some(3_000), Some(4_000))
    );
    assert!(workloads.active().await.unwrap().is_empty());
    let phases: Vec<Phase> = workloads
        .events(id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.phase)
        .collect();
    assert_eq!(
        phases,
        [
            Phase::Queued,
            Phase::Admitted,
            Phase::Running,
            Phase::Failed
        ]
    );

    // Requeued: the last run's times are cleared.
    assert!(
        workloads
            .transition(id, Phase::Queued, "requeued", &[], 5_000)
            .await
            .unwrap()
    );
    let row = workloads.by_id(id).await.unwrap().unwrap();
    assert_eq!((row.admitted_at_ms, row.finished_at_ms), (None, None));
    assert!(
        !workloads
            .transition(999, Phase::Running, "x", &[], 1)
            .await
            .unwrap()
    );
}

async fn deleting_the_profile_deletes_its_workloads(store: Store) {
    with_profile(&store, "team-a").await;
    let id = submit(&store, "team-a", "resnet").await.unwrap();
    assert_eq!(store.profiles().object_count("team-a").await.unwrap(), 1);
    assert!(store.profiles().delete("team-a").await.unwrap());
    assert!(store.workloads().by_id(id).await.unwrap().is_none());
    assert!(store.workloads().events(id).await.unwrap().is_empty());
}
