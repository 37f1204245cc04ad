//! Cross-site request forgery: a state-changing request must come from Capstan's own pages.
//! Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); scripts with API
//! tokens send neither and are judged by their token.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode};

use crate::state::AppState;

pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) || comes_from_here(request.headers(), &state.config.public_url()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        axum::Json(api::ApiError {
            error: "cross_site".into(),
            message: "this request came from another site; Capstan only accepts changes from its own pages".into(),
        }),
    )
        .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn comes_from_here(headers: &HeaderMap, public_url: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match header("origin") {
        None => true,
        Some(origin) => origin == public_url || same_host_origin(origin, header("host")),
    }
}

/// An `Origin` that names the host the request was sent to (behind a proxy that keeps Host).
fn same_host_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest == host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    const HERE: &str = "http://127.0.0.1:8080";

    #[test]
    fn own_pages_and_scripts_may_change_state() {
        assert!(comes_from_here(&headers(&[]), HERE));
        assert!(comes_from_here(
            &headers(&[("sec-fetch-site", "same-origin"), ("origin", HERE)]),
            HERE
        ));
        assert!(comes_from_here(
            &headers(&[
                ("origin", "http://capstan.local"),
                ("host", "capstan.local")
            ]),
            HERE
        ));
    }

    #[test]
    fn other_sites_may_not() {
        assert!(!comes_from_here(
            &headers(&[("sec-fetch-site", "cross-site")]),
            HERE
        ));
        assert!(!comes_from_here(
            &headers(&[("sec-fetch-site", "same-site")]),
            HERE
        ));
        assert!(!comes_from_here(
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080")
            ]),
            HERE
        ));
        assert!(!comes_from_here(&headers(&[("origin", "null")]), HERE));
    }
}
