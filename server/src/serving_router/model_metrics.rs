//! Per-model figures on `/metrics`: requests by status, errors and a latency histogram,
//! labelled with the profile and the model. The handles are made once per model and status
//! and kept, so that a request costs a map lookup, not label strings.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use http::StatusCode;
use metrics::{Counter, Histogram};

const REQUESTS: &str = "capstan_model_requests_total";
const ERRORS: &str = "capstan_model_errors_total";
const DURATION: &str = "capstan_model_request_duration_seconds";

pub(super) struct ModelMetrics {
    profile: String,
    model: String,
    duration: Histogram,
    errors: Counter,
    by_status: RwLock<HashMap<u16, Counter>>,
}

impl ModelMetrics {
    /// The model's handles (by its service id: a deleted and remade model starts anew).
    pub fn of(service_id: i64, profile: &str, model: &str) -> Arc<ModelMetrics> {
        static ALL: OnceLock<RwLock<HashMap<i64, Arc<ModelMetrics>>>> = OnceLock::new();
        let all = ALL.get_or_init(RwLock::default);
        if let Some(m) = all.read().ok().and_then(|m| m.get(&service_id).cloned()) {
            return m;
        }
        let made = Arc::new(ModelMetrics {
            duration: metrics::histogram!(DURATION, "profile" => profile.to_owned(), "model" => model.to_owned()),
            errors: metrics::counter!(ERRORS, "profile" => profile.to_owned(), "model" => model.to_owned()),
            profile: profile.to_owned(),
            model: model.to_owned(),
            by_status: RwLock::default(),
        });
        match all.write() {
            Ok(mut map) => Arc::clone(map.entry(service_id).or_insert(made)),
            Err(_) => made,
        }
    }

    pub fn record(&self, status: StatusCode, took: Duration) {
        self.counter(status).increment(1);
        if status.is_server_error() {
            self.errors.increment(1);
        }
        self.duration.record(took.as_secs_f64());
    }

    fn counter(&self, status: StatusCode) -> Counter {
        let code = status.as_u16();
        if let Some(c) = self
            .by_status
            .read()
            .ok()
            .and_then(|m| m.get(&code).cloned())
        {
            return c;
        }
        let counter = metrics::counter!(REQUESTS, "profile" => self.profile.clone(), "model" => self.model.clone(), "code" => code.to_string());
        if let Ok(mut map) = self.by_status.write() {
            map.insert(code, counter.clone());
        }
        counter
    }
}
