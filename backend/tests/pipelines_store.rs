//! The pipeline tables' contract, on SQLite and a real PostgreSQL alike: names unique among
//! what is not deleted, versions kept for their runs, the run list's filters, sorts, pages
//! and counts, task rows written twice, cached outputs, metrics, recurring runs.

use api::{RecurringRunSpec, RunOptions, RunState, TaskState, Trigger};
use backend::store::{NewRunRow, NewVersion, Quota, RunFilter, RunSort, Store, Subject, TaskRow};
use serde_json::json;

testkit::on_both_databases!(
    pipeline_names_are_free_again_once_deleted_and_runs_keep_their_version,
    the_run_list_filters_sorts_pages_and_counts,
    task_rows_are_rewritten_and_cached_outputs_found,
    recurring_runs_remember_when_they_fired,
);

async fn profile(store: &Store, name: &str) {
    store
        .profiles()
        .create(name, &Subject::User("admin".into()), &Quota::default(), 1)
        .await
        .unwrap();
}

fn version(name: &str) -> NewVersion<'_> {
    NewVersion {
        name,
        description: "",
        format: "kfp-ir",
        source: "doc",
        now_ms: 1,
    }
}

async fn one_run(store: &Store, version_id: i64, name: &str, at: i64) -> i64 {
    let options = RunOptions::default();
    store
        .runs()
        .insert(&NewRunRow {
            profile: "p",
            name,
            experiment_id: None,
            version_id,
            recurring_run_id: None,
            options: &options,
            created_by: "admin",
            now_ms: at,
        })
        .await
        .unwrap()
}

async fn pipeline_names_are_free_again_once_deleted_and_runs_keep_their_version(store: Store) {
    profile(&store, "p").await;
    let pipelines = store.pipelines();
    let (id, v1) = pipelines
        .create("p", "train", "", version("v1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pipelines
            .create("p", "train", "", version("v1"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        pipelines.add_version(id, version("v1")).await.unwrap(),
        None
    );
    let v2 = pipelines
        .add_version(id, version("v2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pipelines.latest_version(id).await.unwrap().unwrap().id, v2);
    let run = one_run(&store, v1, "r", 5).await;

    pipelines.delete(id, 9).await.unwrap();
    assert!(pipelines.get("p", "train").await.unwrap().is_none());
    assert!(pipelines.of_profile("p").await.unwrap().is_empty());
    // The run still knows what it ran.
    let row = store.runs().get(run).await.unwrap().unwrap();
    assert_eq!(
        (row.pipeline.as_str(), row.version.as_str()),
        ("train", "v1")
    );
    assert!(pipelines.version_by_id(v1).await.unwrap().unwrap().deleted);
    // The name is free again.
    assert!(
        pipelines
            .create("p", "train", "", version("v1"))
            .await
            .unwrap()
            .is_some()
    );
}

async fn the_run_list_filters_sorts_pages_and_counts(store: Store) {
    profile(&store, "p").await;
    let (_, v) = store
        .pipelines()
        .create("p", "pl", "", version("v1"))
        .await
        .unwrap()
        .unwrap();
    for i in 0..30 {
        let id = one_run(&store, v, &format!("Run_{i:02}"), 1000 + i).await;
        if i % 3 == 0 {
            store
                .runs()
                .set_state(id, RunState::Failed, "boom", Some(1), Some(2))
                .await
                .unwrap();
        }
    }
    one_run(&store, v, "100%_done", 5000).await;
    let runs = store.runs();
    let list = |filter: RunFilter| {
        let runs = &runs;
        async move { runs.list("p", &filter).await.unwrap() }
    };

    let (total, page) = list(RunFilter {
        limit: 10,
        ..Default::default()
    })
    .await;
    assert_eq!(total, 31);
    assert_eq!(page.len(), 10);
    assert_eq!(page[0].name, "100%_done", "newest first");
    let (total, page) = list(RunFilter {
        limit: 10,
        offset: 30,
        ..Default::default()
    })
    .await;
    assert_eq!((total, page.len()), (31, 1));
    let (total, page) = list(RunFilter {
        limit: 10,
        offset: 40,
        ..Default::default()
    })
    .await;
    assert_eq!((total, page.len()), (31, 0), "past the end still counts");

    let failed = RunFilter {
        state: Some(RunState::Failed),
        ..Default::default()
    };
    let (total, page) = list(failed).await;
    assert_eq!(total, 10);
    assert!(
        page.iter()
            .all(|r| r.state == RunState::Failed && r.reason == "boom")
    );

    let by_name = RunFilter {
        sort: RunSort::Name,
        descending: false,
        limit: 2,
        ..Default::default()
    };
    let (_, page) = list(by_name).await;
    assert_eq!(page[0].name, "100%_done");
    assert_eq!(page[1].name, "Run_00");

    // Any case; `%` and `_` are literal.
    let search = |q: &str| RunFilter {
        name_contains: Some(q.into()),
        ..Default::default()
    };
    assert_eq!(list(search("run_1")).await.0, 10);
    assert_eq!(list(search("%")).await.0, 1);
    assert_eq!(list(search("n_0")).await.0, 10);
    assert_eq!(list(search("nothing")).await, (0, vec![]));

    let archived_id = list(RunFilter {
        limit: 1,
        ..Default::default()
    })
    .await
    .1[0]
        .id;
    runs.set_archived(archived_id, Some(9)).await.unwrap();
    assert_eq!(list(RunFilter::default()).await.0, 30);
    let archived = list(RunFilter {
        archived: true,
        ..Default::default()
    })
    .await;
    assert_eq!(archived.0, 1);
    assert!(archived.1[0].archived);
}

async fn task_rows_are_rewritten_and_cached_outputs_found(store: Store) {
    profile(&store, "p").await;
    let (_, v) = store
        .pipelines()
        .create("p", "pl", "", version("v1"))
        .await
        .unwrap()
        .unwrap();
    let run = one_run(&store, v, "r", 1).await;
    let tasks = store.run_tasks();
    let mut row = TaskRow {
        node: "a/b[0]/c".into(),
        state: TaskState::Running,
        reason: String::new(),
        attempt: 0,
        workload_id: Some(7),
        cache_key: Some("k1".into()),
        inputs: Some(json!({"parameters": {"x": 1}})),
        outputs: None,
        started_at_ms: Some(1),
        finished_at_ms: None,
    };
    tasks.put(run, &row).await.unwrap();
    assert_eq!(
        tasks.cached_outputs("p", "k1").await.unwrap(),
        None,
        "not finished"
    );
    row.state = TaskState::Succeeded;
    row.outputs = Some(json!({"parameters": {"y": 2}}));
    row.finished_at_ms = Some(2);
    tasks.put(run, &row).await.unwrap();
    assert_eq!(tasks.of_run(run).await.unwrap(), vec![row.clone()]);
    assert_eq!(
        tasks.cached_outputs("p", "k1").await.unwrap(),
        Some(json!({"parameters": {"y": 2}}))
    );
    profile(&store, "other").await;
    assert_eq!(
        tasks.cached_outputs("other", "k1").await.unwrap(),
        None,
        "per profile"
    );

    tasks
        .put_metrics(
            run,
            "a/b[0]/c",
            &[("acc".into(), 0.5), ("loss".into(), 1.5)],
        )
        .await
        .unwrap();
    tasks
        .put_metrics(run, "a/b[0]/c", &[("acc".into(), 0.75)])
        .await
        .unwrap();
    assert_eq!(
        tasks.metrics(run).await.unwrap(),
        vec![("a/b[0]/c".to_owned(), "acc".to_owned(), 0.75)]
    );
    tasks.remove(run, &["a/b[0]/c".to_owned()]).await.unwrap();
    assert!(tasks.of_run(run).await.unwrap().is_empty());
}

async fn recurring_runs_remember_when_they_fired(store: Store) {
    profile(&store, "p").await;
    let (_, v) = store
        .pipelines()
        .create("p", "pl", "", version("v1"))
        .await
        .unwrap()
        .unwrap();
    let spec = RecurringRunSpec {
        name: "nightly".into(),
        pipeline: "pl".into(),
        version: Some("v1".into()),
        experiment: None,
        trigger: Trigger::Cron("0 0 * * *".into()),
        max_concurrency: 1,
        catch_up: false,
        start_at_ms: None,
        end_at_ms: None,
        run: RunOptions::default(),
    };
    let recurring = store.recurring_runs();
    let id = recurring
        .insert("p", &spec, None, v, "admin", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        recurring
            .insert("p", &spec, None, v, "admin", 1)
            .await
            .unwrap(),
        None
    );
    recurring.set_last_fired(id, 86_400_000).await.unwrap();
    let row = recurring.get("p", "nightly").await.unwrap().unwrap();
    assert_eq!(
        (row.spec.clone(), row.last_fired_ms, row.enabled),
        (spec, Some(86_400_000), true)
    );
    recurring.set_enabled(id, false).await.unwrap();
    assert!(recurring.enabled().await.unwrap().is_empty());
}
