//! Recurring runs: due times become runs, at most `max_concurrency` unfinished at once, the
//! missed ones replayed only with catch-up, nothing when disabled, and a second Capstan over
//! the same store does not fire a time twice. Each run's one task sleeps 5 s, so the runs
//! stay unfinished during the test (what the concurrency limit counts).

mod pipeline_harness;

use api::{RecurringRunSpec, RunListQuery, RunOptions, Trigger};
use backend::clock::now_ms;
use backend::store::Store;

use pipeline_harness::{PROFILE, admin, capstan, with_profile};

const PIPELINE: &str = r#"
apiVersion: capstan.dev/v1
kind: Pipeline
name: tick
tasks:
  - name: t
    command: [sleep, "5"]
"#;

fn every_second(name: &str, seconds_ago: i64, catch_up: bool, max: u32) -> RecurringRunSpec {
    RecurringRunSpec {
        name: name.into(),
        pipeline: "tick".into(),
        version: None,
        experiment: None,
        trigger: Trigger::IntervalSeconds(1),
        max_concurrency: max,
        catch_up,
        start_at_ms: Some(now_ms() - seconds_ago * 1000),
        end_at_ms: None,
        run: RunOptions::default(),
    }
}

async fn runs_of(c: &pipeline_harness::Capstan, recurring: &str) -> u64 {
    let query = RunListQuery {
        recurring_run: Some(recurring.into()),
        ..Default::default()
    };
    c.service
        .list_runs(&admin(), PROFILE, &query)
        .await
        .unwrap()
        .total
}

testkit::on_both_databases!(due_times_become_runs_within_the_limits);

async fn due_times_become_runs_within_the_limits(store: Store) {
    with_profile(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let c = capstan(&store, dir.path());
    c.upload("tick", PIPELINE).await;
    let service = &c.service;
    // Started 30 s ago, no catch-up: one run for the latest time, not 30.
    service
        .create_recurring_run(&admin(), PROFILE, &every_second("latest", 30, false, 1))
        .await
        .unwrap();
    // Catch-up: every missed second, up to the concurrency limit of 10.
    service
        .create_recurring_run(&admin(), PROFILE, &every_second("replay", 30, true, 10))
        .await
        .unwrap();
    // Disabled: nothing.
    service
        .create_recurring_run(&admin(), PROFILE, &every_second("off", 30, false, 5))
        .await
        .unwrap();
    service
        .enable_recurring_run(&admin(), PROFILE, "off", false)
        .await
        .unwrap();

    service.fire_due().await.unwrap();
    assert_eq!(runs_of(&c, "latest").await, 1);
    assert_eq!(
        runs_of(&c, "replay").await,
        10,
        "missed times, up to the limit"
    );
    assert_eq!(runs_of(&c, "off").await, 0);

    // Its one run has not finished: the next second is due but waits for it.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    service.fire_due().await.unwrap();
    assert_eq!(runs_of(&c, "latest").await, 1, "max_concurrency 1");

    let view = service
        .get_recurring_run(&admin(), PROFILE, "latest")
        .await
        .unwrap();
    assert!(view.last_fired_ms.is_some());
    assert_eq!(view.schedule, "every second");
    c.shut_down().await;

    // Another Capstan over the same store fires nothing twice.
    let again = capstan(&store, dir.path());
    again.service.fire_due().await.unwrap();
    assert_eq!(runs_of(&again, "latest").await, 1);
    assert_eq!(runs_of(&again, "replay").await, 10);
    again.shut_down().await;
}
