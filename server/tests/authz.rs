//! Authorization on every endpoint, as a table: each endpoint is called by a user of each
//! role, in their own profile and in a foreign one, and must answer exactly the status the
//! table says. Later issues add their endpoints here. Users sign in through the trusted
//! proxy header (the cheapest real sign-in); the store is SQLite, since the store contract
//! tests already run both databases.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use backend::authz::{AuthMethod, ClusterAdmins, Principal};
use backend::profiles::Role;
use backend::store::{Quota, Store, Subject};
use http::{Method, Request, StatusCode};
use server::config::{Sources, load};
use server::readiness::Readiness;
use tokio::sync::watch;
use tower::ServiceExt;

/// The callers, in the order of each row's expected statuses.
const USERS: [&str; 6] = [
    "ops@example.com", // cluster admin (CAPSTAN_ADMINS)
    "owner@example.com",
    "padmin@example.com",
    "editor@example.com",
    "viewer@example.com",
    "outsider@example.com",
];

/// `{p}` is the profile under test; `{token}` another user's token id; `{viewer}` a viewer
/// of the profile under test.
struct Row {
    method: Method,
    path: &'static str,
    body: &'static str,
    /// Statuses in the caller's own profile `team-a`, in the order of [`USERS`].
    own: [u16; 6],
    /// Statuses in `team-b`, which belongs to someone else.
    foreign: [u16; 6],
}

const TEAM_B_VIEWER: &str = "watcher@example.com";

const ALL_404: [u16; 6] = [404; 6];

/// A Kubeflow Notebook manifest with the built-in environment's image.
/// The smallest Capstan pipeline, as an upload.
const SEEDED_PIPELINE: &str = r#"{apiVersion: capstan.dev/v1, kind: Pipeline, name: seeded, tasks: [{name: t, command: ["true"]}]}"#;

const NEW_PIPELINE: &str = r#"{"name":"new-pl","source":"{apiVersion: capstan.dev/v1, kind: Pipeline, name: seeded, tasks: [{name: t, command: [\"true\"]}]}"}"#;

const NEW_VERSION: &str = r#"{"version":"v2","source":"{apiVersion: capstan.dev/v1, kind: Pipeline, name: seeded, tasks: [{name: t, command: [\"true\"]}]}"}"#;

/// A Capstan pipeline YAML document (flow style, URL-encoded), for the upload server function.
const UPLOADED_PIPELINE: &str = "%7BapiVersion%3A%20capstan.dev%2Fv1%2C%20kind%3A%20Pipeline%2C%20name%3A%20uploaded%2C%20tasks%3A%20%5B%7Bname%3A%20hello%2C%20command%3A%20%5Becho%2C%20hi%5D%7D%5D%7D";

/// A Katib Experiment manifest (JSON) whose trials echo their metric.
const NEW_TUNING: &str = r#"{"apiVersion":"kubeflow.org/v1beta1","kind":"Experiment","metadata":{"name":"new-tune"},"spec":{"objective":{"type":"maximize","objectiveMetricName":"accuracy"},"algorithm":{"algorithmName":"random"},"parameters":[{"name":"lr","parameterType":"double","feasibleSpace":{"min":"0.1","max":"0.2"}}],"trialTemplate":{"trialParameters":[{"name":"lr","reference":"lr"}],"command":["echo","accuracy=${trialParameters.lr}"]}}}"#;

/// An InferenceService whose predictor is a command (no model files to check).
const NEW_MODEL: &str = r#"{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"new-model"},"spec":{"predictor":{"containers":[{"name":"c","command":["true"]}]}}}"#;
const SEEDED_MODEL: &str = r#"{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"seeded-model"},"spec":{"predictor":{"canaryTrafficPercent":20,"containers":[{"name":"c","command":["false"]}]}}}"#;

/// A PyTorchJob of one master whose command ends at once.
const NEW_JOB: &str = r#"{"apiVersion":"kubeflow.org/v1","kind":"PyTorchJob","metadata":{"name":"new-job"},"spec":{"pytorchReplicaSpecs":{"Master":{"template":{"spec":{"containers":[{"name":"pytorch","command":["true"]}]}}}}}}"#;

/// Members read; editors and above change; outsiders learn nothing.
const VIEW: [u16; 6] = [200, 200, 200, 200, 200, 404];
const EDIT: [u16; 6] = [200, 200, 200, 200, 403, 404];
/// In someone else's profile only the cluster admin gets through.
const ADMIN_ONLY: [u16; 6] = [200, 404, 404, 404, 404, 404];

const IMPORTED_MANIFEST: &str = r#"{"manifest":"{\"apiVersion\":\"kubeflow.org/v1\",\"kind\":\"Notebook\",\"metadata\":{\"name\":\"imported\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"imported\",\"image\":\"ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0\"}]}}}}"}"#;

fn rows() -> Vec<Row> {
    let row = |method, path, body, own, foreign| Row {
        method,
        path,
        body,
        own,
        foreign,
    };
    vec![
        row(Method::GET, "/api/v1/whoami", "", [200; 6], [200; 6]),
        row(Method::GET, "/api/v1/events", "", [200; 6], [200; 6]),
        row(Method::GET, "/api/v1/profiles", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/api/v1/profiles",
            r#"{"name":"new-team"}"#,
            [201, 403, 403, 403, 403, 403],
            [201, 403, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::PATCH,
            "/api/v1/profiles/{p}",
            r#"{"quota":{"gpu_milli":2000}}"#,
            [200, 403, 403, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}?cascade=true",
            "",
            [204, 204, 403, 403, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // Not empty (a workload): refused to those who could delete it.
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}",
            "",
            [409, 409, 403, 403, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/contributors",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/contributors",
            r#"{"email":"new@example.com","role":"view"}"#,
            [201, 201, 201, 403, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/contributors",
            r#"{"email":"new@example.com","role":"owner"}"#,
            [201, 201, 403, 403, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::PATCH,
            "/api/v1/profiles/{p}/contributors",
            r#"{"email":"{viewer}","role":"edit"}"#,
            [204, 204, 204, 403, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/contributors",
            r#"{"email":"{viewer}"}"#,
            [204, 204, 204, 403, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/audit",
            "",
            [200, 200, 200, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/workloads",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/workloads",
            r#"{"name":"new-job","kind":"step","groups":[{"name":"main","command":["true"],"resources":{}}]}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/workloads/seeded",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/workloads/seeded/stop",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/workloads/seeded",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // A seeded workload never ran: members learn it has no log.
        row(
            Method::GET,
            "/api/v1/profiles/{p}/workloads/seeded/logs?group=main",
            "",
            [404; 6],
            ALL_404,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/workloads/seeded/logs/follow?group=main",
            "",
            [404; 6],
            ALL_404,
        ),
        // Notebooks. `seeded-nb` is stored, never started: stopping it is a conflict, and
        // the proxy has nothing to reach (503) for members, while others are refused (403).
        row(
            Method::GET,
            "/api/v1/notebooks/options",
            "",
            [200; 6],
            [200; 6],
        ),
        row(
            Method::POST,
            "/api/v1/notebooks/import",
            IMPORTED_MANIFEST,
            [200; 6],
            [200; 6],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/notebooks",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/notebooks",
            r#"{"name":"new-nb"}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/notebooks/seeded-nb",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/notebooks/seeded-nb/start",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/notebooks/seeded-nb/stop",
            "",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/notebooks/seeded-nb",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/notebooks/seeded-nb/logs",
            "",
            [404; 6],
            ALL_404,
        ),
        row(
            Method::GET,
            "/notebook/{p}/seeded-nb/api/status",
            "",
            [503, 503, 503, 503, 503, 403],
            [503, 403, 403, 403, 403, 403],
        ),
        row(
            Method::POST,
            "/notebook/{p}/seeded-nb/api/kernels",
            "",
            [503, 503, 503, 503, 503, 403],
            [503, 403, 403, 403, 403, 403],
        ),
        row(Method::GET, "/api/v1/cluster/nodes", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/api/v1/cluster/discover",
            "",
            [200, 403, 403, 403, 403, 403],
            [200, 403, 403, 403, 403, 403],
        ),
        row(Method::GET, "/api/v1/queue", "", [200; 6], [200; 6]),
        // Guessed names and ids of objects that are not the caller's.
        row(
            Method::GET,
            "/api/v1/profiles/no-such-team",
            "",
            ALL_404,
            ALL_404,
        ),
        row(
            Method::DELETE,
            "/api/v1/tokens/{token}",
            "",
            ALL_404,
            ALL_404,
        ),
        row(Method::GET, "/api/v1/tokens", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/api/v1/tokens",
            r#"{"name":"ci"}"#,
            [201; 6],
            [201; 6],
        ),
        // The UI's server functions: the same rules, the same statuses (200 for success).
        row(Method::POST, "/fn/my_profiles", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/fn/load_profile",
            "name={p}",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/create_profile",
            "name=new-team&owner=",
            [200, 403, 403, 403, 403, 403],
            [200, 403, 403, 403, 403, 403],
        ),
        row(
            Method::POST,
            "/fn/add_contributor",
            "profile={p}&kind=email&subject=new%40example.com&role=view",
            [200, 200, 200, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/set_contributor_role",
            "profile={p}&kind=email&subject={viewer}&role=edit",
            [200, 200, 200, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/remove_contributor",
            "profile={p}&kind=email&subject={viewer}",
            [200, 200, 200, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/set_quota",
            "profile={p}&gpus=1&cpus=&memory_gib=&workloads=",
            [200, 403, 403, 403, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(Method::POST, "/fn/cluster_view", "", [200; 6], [200; 6]),
        row(Method::POST, "/fn/queue_view", "", [200; 6], [200; 6]),
        row(Method::POST, "/fn/notebook_options", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/fn/list_notebooks",
            "profile={p}",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/notebook_page",
            "profile={p}&name=seeded-nb",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/create_notebook",
            "profile={p}&form[name]=form-nb&form[cpu]=0.5",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/notebook_action",
            "profile={p}&name=seeded-nb&action=start",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/notebook_action",
            "profile={p}&name=seeded-nb&action=stop",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/notebook_action",
            "profile={p}&name=seeded-nb&action=delete",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/notebook_action",
            "profile={p}&name=seeded-nb&action=explode",
            [400, 400, 400, 400, 400, 400],
            [400, 400, 400, 400, 400, 400],
        ),
        // Pipelines. Each profile has a pipeline `seeded-pl` (version v1), an experiment
        // `seeded-exp`, a finished run `{run}` and a recurring run `seeded-rr`; the engine's
        // loop does not run here, so a new run stays pending.
        row(
            Method::GET,
            "/api/v1/profiles/{p}/pipelines",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/pipelines",
            NEW_PIPELINE,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/pipelines/seeded-pl",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/pipelines/seeded-pl",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/pipelines/seeded-pl/versions",
            NEW_VERSION,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/pipelines/seeded-pl/versions/v1",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/pipelines/seeded-pl/versions/v1",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments",
            r#"{"name":"new-exp"}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments/seeded-exp/archive",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments/seeded-exp/unarchive",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/experiments/seeded-exp",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // Training jobs (issue 9).
        row(
            Method::GET,
            "/api/v1/profiles/{p}/jobs",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/jobs",
            NEW_JOB,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/jobs/seeded-job",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/jobs/seeded-job/logs?replica=master-0",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/jobs/seeded-job/suspend",
            "",
            EDIT,
            ADMIN_ONLY,
        ),
        // Not suspended: refused, but only to those who may ask.
        row(
            Method::POST,
            "/api/v1/profiles/{p}/jobs/seeded-job/resume",
            "",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/jobs/seeded-job",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // Served models (issue 8).
        row(
            Method::GET,
            "/api/v1/profiles/{p}/models",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/models",
            NEW_MODEL,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/models/seeded-model",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::PUT,
            "/api/v1/profiles/{p}/models/seeded-model",
            SEEDED_MODEL,
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/models/seeded-model",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/models/seeded-model/promote",
            "",
            EDIT,
            ADMIN_ONLY,
        ),
        // No earlier revision to go back to: refused, but only to those who may ask.
        row(
            Method::POST,
            "/api/v1/profiles/{p}/models/seeded-model/rollback",
            "",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/models/seeded-model/tokens",
            r#"{"label":"ci"}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/models/seeded-model/tokens/{mtoken}",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // The router: members reach the model (which has no revision taking traffic here:
        // 503), others learn nothing.
        row(
            Method::POST,
            "/serving/{p}/seeded-model/v2/models/seeded-model/infer",
            "{}",
            [503, 503, 503, 503, 503, 404],
            [503, 404, 404, 404, 404, 404],
        ),
        // Tuning experiments share the experiments' paths (issue 7).
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments",
            NEW_TUNING,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments/seeded-tune",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments/seeded-exp",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments/seeded-tune/trials",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments/seeded-tune/trials/seeded-tune-0/metrics",
            "",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/experiments/seeded-tune/trials/seeded-tune-0/logs",
            "",
            ALL_404,
            ALL_404,
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments/seeded-tune/resume",
            "",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/experiments/live-tune/stop",
            "",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/experiments/seeded-tune",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/runs?state=succeeded",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/runs",
            r#"{"pipeline":"seeded-pl","experiment":"seeded-exp"}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/runs/{run}",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/runs/{run}/cancel",
            "",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/runs/{run}/retry",
            "",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/runs/{run}/archive",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/runs/{run}/unarchive",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/runs/{run}",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/runs/{run}/logs?node=t",
            "",
            ALL_404,
            ALL_404,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/runs/{run}/logs/follow?node=t",
            "",
            ALL_404,
            ALL_404,
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/recurring-runs",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/recurring-runs",
            r#"{"name":"new-rr","pipeline":"seeded-pl","trigger":{"cron":"0 0 * * * *"}}"#,
            [201, 201, 201, 201, 403, 404],
            [201, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profiles/{p}/recurring-runs/seeded-rr",
            "",
            [200, 200, 200, 200, 200, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/recurring-runs/seeded-rr/disable",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/profiles/{p}/recurring-runs/seeded-rr/enable",
            "",
            [200, 200, 200, 200, 403, 404],
            [200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profiles/{p}/recurring-runs/seeded-rr",
            "",
            [204, 204, 204, 204, 403, 404],
            [204, 404, 404, 404, 404, 404],
        ),
        // The pages' server functions for pipelines, runs and experiments.
        row(
            Method::POST,
            "/fn/list_pipelines",
            "profile={p}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/upload_pipeline",
            "profile={p}&upload[source]={uploaded}",
            EDIT,
            ADMIN_ONLY,
        ),
        // A document that is no pipeline: refused with its problems, to those who may upload.
        row(
            Method::POST,
            "/fn/upload_pipeline",
            "profile={p}&upload[source]=kind%3A%20Nope",
            [400, 400, 400, 400, 403, 404],
            [400, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/upload_pipeline",
            "profile={p}&pipeline=seeded-pl&upload[source]={uploaded}",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/delete_pipeline",
            "profile={p}&name=seeded-pl&version=",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/delete_pipeline",
            "profile={p}&name=seeded-pl&version=v1",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/pipeline_page",
            "profile={p}&name=seeded-pl",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/create_run",
            "profile={p}&form[pipeline]=seeded-pl&form[caching]=true&form[parallelism]=2",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/create_recurring_run",
            "profile={p}&form[pipeline]=seeded-pl&form[name]=hourly&form[trigger]=interval&form[every]=3600",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/recurring_action",
            "profile={p}&name=seeded-rr&action=disable",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/recurring_action",
            "profile={p}&name=seeded-rr&action=delete",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/recurring_action",
            "profile={p}&name=seeded-rr&action=explode",
            [400; 6],
            [400; 6],
        ),
        row(
            Method::POST,
            "/fn/list_runs",
            "profile={p}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/list_runs",
            "profile={p}&query[state]=sideways",
            [400, 400, 400, 400, 400, 404],
            [400, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/run_page",
            "profile={p}&id={run}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/run_action",
            "profile={p}&id={run}&action=archive",
            EDIT,
            ADMIN_ONLY,
        ),
        // The seeded run has finished: it can be deleted, not canceled.
        row(
            Method::POST,
            "/fn/run_action",
            "profile={p}&id={run}&action=delete",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/run_action",
            "profile={p}&id={run}&action=cancel",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/run_action",
            "profile={p}&id={run}&action=explode",
            [400; 6],
            [400; 6],
        ),
        // No task of the run has run: members learn there is no log.
        row(
            Method::POST,
            "/fn/task_log",
            "profile={p}&id={run}&node=hello",
            [404; 6],
            ALL_404,
        ),
        row(
            Method::POST,
            "/fn/compare_runs",
            "profile={p}&ids={run}",
            VIEW,
            ADMIN_ONLY,
        ),
        // The models pages' server functions.
        row(
            Method::POST,
            "/fn/list_models",
            "profile={p}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/load_model",
            "profile={p}&name=seeded-model",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/import_model",
            "profile={p}&manifest=%7B%22apiVersion%22%3A%22serving.kserve.io%2Fv1beta1%22%2C%22kind%22%3A%22InferenceService%22%2C%22metadata%22%3A%7B%22name%22%3A%22new-model%22%7D%2C%22spec%22%3A%7B%22predictor%22%3A%7B%22containers%22%3A%5B%7B%22name%22%3A%22c%22%2C%22command%22%3A%5B%22true%22%5D%7D%5D%7D%7D%7D",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/model_action",
            "profile={p}&name=seeded-model&action=promote",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/create_model_token",
            "profile={p}&name=seeded-model&label=ci",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/delete_model_token",
            "profile={p}&name=seeded-model&id={mtoken}",
            EDIT,
            ADMIN_ONLY,
        ),
        // A workload that never ran has no log: not found, for members and others alike.
        row(
            Method::POST,
            "/fn/replica_log",
            "profile={p}&workload=seeded",
            ALL_404,
            ALL_404,
        ),
        // The training jobs pages' server functions.
        row(
            Method::POST,
            "/fn/list_jobs",
            "profile={p}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/job_detail",
            "profile={p}&name=seeded-job",
            VIEW,
            ADMIN_ONLY,
        ),
        // Its attempt has not started: members read an empty log.
        row(
            Method::POST,
            "/fn/job_logs",
            "profile={p}&name=seeded-job&replica=master-0",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/import_job",
            "profile={p}&manifest=%7B%22apiVersion%22%3A%22kubeflow.org%2Fv1%22%2C%22kind%22%3A%22PyTorchJob%22%2C%22metadata%22%3A%7B%22name%22%3A%22new-job%22%7D%2C%22spec%22%3A%7B%22pytorchReplicaSpecs%22%3A%7B%22Master%22%3A%7B%22template%22%3A%7B%22spec%22%3A%7B%22containers%22%3A%5B%7B%22name%22%3A%22pytorch%22%2C%22command%22%3A%5B%22true%22%5D%7D%5D%7D%7D%7D%7D%7D%7D",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/create_job_from_form",
            "profile={p}&form%5Bname%5D=new-job&form%5Bkind%5D=PyTorchJob&form%5Bcommand%5D=true",
            EDIT,
            ADMIN_ONLY,
        ),
        // A form that does not read is refused, but only to those who may create.
        row(
            Method::POST,
            "/fn/create_job_from_form",
            "profile={p}&form%5Bname%5D=new-job&form%5Bkind%5D=MXJob&form%5Bcommand%5D=true",
            [400, 400, 400, 400, 403, 404],
            [400, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/suspend_job",
            "profile={p}&name=seeded-job",
            EDIT,
            ADMIN_ONLY,
        ),
        // Not suspended: refused, but only to those who may ask.
        row(
            Method::POST,
            "/fn/resume_job",
            "profile={p}&name=seeded-job",
            [409, 409, 409, 409, 403, 404],
            [409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            "/fn/delete_job",
            "profile={p}&name=seeded-job",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/list_experiments",
            "profile={p}",
            VIEW,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/create_experiment",
            "profile={p}&name=new-exp&description=",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/experiment_action",
            "profile={p}&name=seeded-exp&action=archive",
            EDIT,
            ADMIN_ONLY,
        ),
        row(
            Method::POST,
            "/fn/experiment_action",
            "profile={p}&name=seeded-exp&action=delete",
            EDIT,
            ADMIN_ONLY,
        ),
        row(Method::POST, "/fn/my_tokens", "", [200; 6], [200; 6]),
        row(
            Method::POST,
            "/fn/create_token",
            "name=ci&expires_in_days=",
            [200; 6],
            [200; 6],
        ),
        row(
            Method::POST,
            "/fn/revoke_token",
            "id={token}",
            ALL_404,
            ALL_404,
        ),
    ]
}

struct World {
    app: Router,
    foreign_token: String,
    /// The finished run seeded in each profile.
    runs: std::collections::HashMap<&'static str, i64>,
    /// The model token seeded in each profile.
    model_tokens: std::collections::HashMap<&'static str, i64>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let store = Store::connect_lazy(&url).unwrap();
    store.migrate().await.unwrap();
    let config = load(&Sources {
        flags: vec![
            ("admins".into(), USERS[0].into()),
            ("trusted_proxies".into(), "127.0.0.1".into()),
            ("data_dir".into(), dir.path().display().to_string()),
            ("gpus".into(), "none".into()),
        ],
        ..Sources::default()
    })
    .unwrap();
    let admin = Principal::local_admin("admin");
    let team_a = [
        (USERS[1], Role::Owner),
        (USERS[2], Role::Admin),
        (USERS[3], Role::Edit),
        (USERS[4], Role::View),
    ];
    let (owner, rest) = team_a.split_first().unwrap();
    let user = |u: &str| Subject::User(u.to_owned());
    use backend::profiles::service::{add_contributor, create_profile};
    create_profile(
        &store,
        &admin,
        "team-a",
        &user(owner.0),
        &Quota::default(),
        1,
    )
    .await
    .unwrap();
    for (u, role) in rest {
        add_contributor(&store, &admin, "team-a", &user(u), *role, 1)
            .await
            .unwrap();
    }
    let zed = "zed@example.com";
    create_profile(&store, &admin, "team-b", &user(zed), &Quota::default(), 1)
        .await
        .unwrap();
    add_contributor(
        &store,
        &admin,
        "team-b",
        &user(TEAM_B_VIEWER),
        Role::View,
        1,
    )
    .await
    .unwrap();
    let zed_principal =
        Principal::external(zed, vec![], AuthMethod::Oidc, &ClusterAdmins::default());
    let foreign_token = backend::tokens::create(&store, &zed_principal, "zed's", None, 1)
        .await
        .unwrap()
        .row
        .id;
    let mut runs = std::collections::HashMap::new();
    let mut model_tokens = std::collections::HashMap::new();
    for profile in ["team-a", "team-b"] {
        seed_workload(&store, profile).await;
        seed_notebook(&store, profile).await;
        runs.insert(profile, seed_pipeline(&store, profile).await);
        seed_tuning(&store, profile).await;
        seed_job(&store, profile).await;
    }
    let mut models = Vec::new();
    for profile in ["team-a", "team-b"] {
        let (id, token) = seed_model(&store, profile).await;
        model_tokens.insert(profile, token);
        models.push((profile, id));
    }
    let readiness = Arc::new(Readiness::default());
    readiness.mark_ready();
    let (_stop, shutdown) = watch::channel(false);
    let state = server::serve::app_state(config, store, readiness, shutdown, None);
    // The controller does not run here: the router's table gets the models by hand, with no
    // revision taking traffic.
    for (profile, id) in models {
        state.serving.routes().put_service(
            profile,
            "seeded-model",
            backend::serving::routes::ServiceRoute::new(
                id,
                std::time::Duration::from_secs(1),
                vec![],
            ),
        );
    }
    let app = server::router::build(state);
    World {
        app,
        foreign_token,
        runs,
        model_tokens,
        _dir: dir,
    }
}

/// A queued workload named `seeded`, stored directly (the engine's loop does not run here).
async fn seed_workload(store: &Store, profile: &str) {
    let spec: api::WorkloadSpec = serde_json::from_str(
        r#"{"name":"seeded","kind":"step","groups":[{"name":"main","command":["true"],"resources":{}}]}"#,
    )
    .unwrap();
    store
        .workloads()
        .insert(&backend::store::NewWorkload {
            profile,
            spec: &spec,
            priority_class: "default",
            priority: 100,
            now_ms: 1,
        })
        .await
        .unwrap()
        .unwrap();
}

/// A notebook named `seeded-nb` that never ran.
async fn seed_notebook(store: &Store, profile: &str) {
    let config =
        backend::notebooks::SpawnerConfig::parse(backend::notebooks::DEFAULT_SPAWNER_CONFIG)
            .unwrap();
    let spec = backend::notebooks::resolve(
        &config,
        &api::NotebookSpec {
            name: "seeded-nb".into(),
            ..api::NotebookSpec::default()
        },
    )
    .unwrap();
    store
        .notebooks()
        .insert(profile, &spec, "token", 1)
        .await
        .unwrap()
        .unwrap();
}

/// A pipeline `seeded-pl` with a version `v1`, an experiment `seeded-exp`, a finished run
/// (answered) and a recurring run `seeded-rr`.
async fn seed_pipeline(store: &Store, profile: &str) -> i64 {
    use backend::store::{NewRunRow, NewVersion};
    let version = NewVersion {
        name: "v1",
        description: "",
        format: "capstan",
        source: SEEDED_PIPELINE,
        now_ms: 1,
    };
    let (_, version_id) = store
        .pipelines()
        .create(profile, "seeded-pl", "", version)
        .await
        .unwrap()
        .unwrap();
    store
        .experiments()
        .insert(profile, "seeded-exp", "", 1)
        .await
        .unwrap()
        .unwrap();
    let options = api::RunOptions::default();
    let run = store
        .runs()
        .insert(&NewRunRow {
            profile,
            name: "seeded-run",
            experiment_id: None,
            version_id,
            recurring_run_id: None,
            options: &options,
            created_by: "someone",
            now_ms: 1,
        })
        .await
        .unwrap();
    store
        .runs()
        .set_state(run, api::RunState::Succeeded, "", Some(1), Some(2))
        .await
        .unwrap();
    let recurring: api::RecurringRunSpec = serde_json::from_str(
        r#"{"name":"seeded-rr","pipeline":"seeded-pl","trigger":{"interval_seconds":3600}}"#,
    )
    .unwrap();
    store
        .recurring_runs()
        .insert(profile, &recurring, None, version_id, "someone", 1)
        .await
        .unwrap()
        .unwrap();
    run
}

/// A stopped tuning experiment `seeded-tune` with a trial `seeded-tune-0` that reported a
/// metric, and a running one `live-tune` (no trial yet: the engine's loop does not run here).
/// A created PyTorchJob `seeded-job`, stored directly; the training controller submits its
/// first attempt when the state is built.
async fn seed_job(store: &Store, profile: &str) {
    let manifest = NEW_JOB.replace("new-job", "seeded-job");
    let rules = backend::training::spec::SpecRules {
        cluster: false,
        max_node_gpus: 0,
    };
    let spec = backend::training::spec::parse(&manifest, &rules).unwrap();
    let row = backend::store::JobRow {
        id: 0,
        profile: profile.into(),
        name: spec.name.clone(),
        kind: "PyTorchJob".into(),
        manifest,
        spec_json: serde_json::to_string(&spec).unwrap(),
        state: api::JobState::Created,
        attempt: 0,
        restarts: 0,
        workload_id: None,
        restart_at_ms: None,
        created_by: "someone".into(),
        created_at_ms: 1,
        started_at_ms: None,
        finished_at_ms: None,
    };
    store.training().insert(&row, &[]).await.unwrap().unwrap();
}

async fn seed_tuning(store: &Store, profile: &str) {
    let tuning = store.tuning();
    for (name, state) in [
        ("seeded-tune", api::TuningState::Stopped),
        ("live-tune", api::TuningState::Running),
    ] {
        let manifest = NEW_TUNING.replace("new-tune", name);
        let id = tuning
            .insert(profile, name, &manifest, 1, "someone", 1)
            .await
            .unwrap()
            .unwrap();
        tuning.set_state(id, None, state, None, None).await.unwrap();
        if state == api::TuningState::Stopped {
            let trial = tuning
                .insert_trial(id, 0, "seeded-tune-0", &["0.15".into()], 1)
                .await
                .unwrap()
                .unwrap();
            let report = backend::store::MetricRow {
                trial_id: trial,
                name: "accuracy".into(),
                step: 0,
                value: 0.15,
                at_ms: 1,
            };
            tuning.add_metrics(&[report]).await.unwrap();
        }
    }
}

/// A model `seeded-model` (one revision, a 20% canary percent, never ready) with a token;
/// answers its id and the token's.
async fn seed_model(store: &Store, profile: &str) -> (i64, i64) {
    let rules = backend::serving::StorageRules::default();
    let spec = backend::serving::spec::parse(SEEDED_MODEL, &rules).unwrap();
    let revision = serde_json::to_string(&spec.revision).unwrap();
    let serving = store.serving();
    let update = backend::store::SpecUpdate {
        manifest: SEEDED_MODEL,
        canary_percent: spec.canary_percent,
        new_revision: Some(&revision),
        now_ms: 1,
    };
    let id = serving
        .insert(profile, "seeded-model", &update, "someone")
        .await
        .unwrap()
        .unwrap();
    let token = serving
        .insert_token(id, &format!("hash-{profile}"), "seeded", "someone", 1)
        .await
        .unwrap();
    (id, token)
}

async fn call(world: &World, row: &Row, profile: &str, user: Option<&str>) -> StatusCode {
    let run = world.runs.get(profile).copied().unwrap_or(0).to_string();
    let model_token = world.model_tokens.get(profile).copied().unwrap_or(0);
    let path = row
        .path
        .replace("{p}", profile)
        .replace("{mtoken}", &model_token.to_string())
        .replace("{run}", &run)
        .replace("{token}", &world.foreign_token);
    let mut request = Request::builder().method(row.method.clone()).uri(path);
    if let Some(user) = user {
        request = request.header("kubeflow-userid", user);
    }
    if row.path.starts_with("/fn/") {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    } else if !row.body.is_empty() {
        request = request.header("content-type", "application/json");
    }
    let viewer = if profile == "team-a" {
        USERS[4]
    } else {
        TEAM_B_VIEWER
    };
    let request = request
        .body(Body::from(
            row.body
                .replace("{p}", profile)
                .replace("{viewer}", viewer)
                .replace("{run}", &run)
                .replace("{token}", &world.foreign_token)
                .replace("{mtoken}", &model_token.to_string())
                .replace("{uploaded}", UPLOADED_PIPELINE),
        ))
        .unwrap();
    world
        .app
        .clone()
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))))
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_each_role_exactly() {
    let mut wrong = Vec::new();
    for row in rows() {
        for (profile, expected) in [("team-a", row.own), ("team-b", row.foreign)] {
            for (user, want) in USERS.iter().zip(expected) {
                // A fresh world per call: a delete must not change what the next call sees.
                let world = world().await;
                let got = call(&world, &row, profile, Some(user)).await;
                if got.as_u16() != want {
                    wrong.push(format!(
                        "{} {} in {profile} as {user}: got {got}, want {want}",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_signed_in_gets_401_from_every_endpoint() {
    let world = world().await;
    for row in rows() {
        let got = call(&world, &row, "team-a", None).await;
        // Notebooks are opened in a browser tab: it is sent to sign in first.
        let want = if row.path.starts_with("/notebook/") {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(got, want, "{} {}", row.method, row.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_header_is_ignored_from_an_untrusted_address() {
    let world = world().await;
    let app = world
        .app
        .clone()
        .layer(MockConnectInfo(SocketAddr::from(([10, 1, 2, 3], 40000))));
    let request = Request::get("/api/v1/whoami")
        .header("kubeflow-userid", USERS[0])
        .body(Body::empty())
        .unwrap();
    let status = app.oneshot(request).await.unwrap().status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
