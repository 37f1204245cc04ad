//! Per-model figures on `/metrics`: requests by status, errors and a latency histogram,
//! labelled with the profile and the model.

use std::time::Duration;

use http::StatusCode;

const REQUESTS: &str = "capstan_model_requests_total";
const ERRORS: &str = "capstan_model_errors_total";
const DURATION: &str = "capstan_model_request_duration_seconds";

pub(super) struct ModelMetrics {
    profile: String,
    model: String,
}

impl ModelMetrics {
    pub fn of(profile: &str, model: &str) -> Self {
        ModelMetrics {
            profile: profile.to_owned(),
            model: model.to_owned(),
        }
    }

    pub fn record(self, status: StatusCode, took: Duration) {
        let code = status.as_u16().to_string();
        metrics::counter!(REQUESTS, "profile" => self.profile.clone(), "model" => self.model.clone(), "code" => code)
            .increment(1);
        if status.is_server_error() {
            metrics::counter!(ERRORS, "profile" => self.profile.clone(), "model" => self.model.clone())
                .increment(1);
        }
        metrics::histogram!(DURATION, "profile" => self.profile, "model" => self.model)
            .record(took.as_secs_f64());
    }
}
