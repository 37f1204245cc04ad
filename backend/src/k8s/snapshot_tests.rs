//! The whole objects, reviewed once by eye and kept under `snapshots/`: any change to what
//! Capstan applies to a cluster shows up in review.

use super::fixtures;
use super::{K8sConfig, profile_objects, workload_objects};

#[test]
fn profile() {
    let objects = profile_objects(&K8sConfig::default(), &fixtures::profile()).unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn admitted_notebook() {
    let objects = workload_objects(&K8sConfig::default(), &fixtures::notebook()).unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn admitted_training_gang_of_two_groups() {
    let objects = workload_objects(&K8sConfig::default(), &fixtures::training_gang()).unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn queued_server_on_gpu_shares() {
    let objects = workload_objects(&K8sConfig::default(), &fixtures::shared_gpu_server()).unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn served_model_from_a_claim() {
    let objects = workload_objects(
        &K8sConfig::default(),
        &fixtures::served_model("pvc://models/iris/v1"),
    )
    .unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn served_model_from_s3() {
    let objects = workload_objects(
        &K8sConfig::default(),
        &fixtures::served_model("s3://models/iris/v1"),
    )
    .unwrap();
    insta::assert_yaml_snapshot!(objects);
}

#[test]
fn pytorch_job_attempt() {
    let objects = workload_objects(&K8sConfig::default(), &fixtures::pytorch_job()).unwrap();
    insta::assert_yaml_snapshot!(objects);
}
