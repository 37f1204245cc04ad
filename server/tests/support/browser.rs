//! Just enough of a browser for sign-in tests and the auth benchmark (shared by path).

use std::collections::HashMap;

use openidconnect::reqwest::{self, Url};

/// Just enough of a browser: one cookie jar (every server here is 127.0.0.1), no automatic
/// redirects, so that each hop can be looked at.
pub struct Browser {
    http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

pub struct Answer {
    pub status: u16,
    pub location: Option<Url>,
    pub body: String,
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder, url: &Url) -> Answer {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let response = request
            .header("cookie", cookie.join("; "))
            .send()
            .await
            .expect("the server answers");
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let gone = value.is_empty() || attributes.to_ascii_lowercase().contains("max-age=0");
            if gone {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| url.join(l.to_str().unwrap()).unwrap());
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

    pub async fn get(&mut self, url: &Url) -> Answer {
        let request = self.http.get(url.clone());
        self.send(request, url).await
    }

    pub async fn post(&mut self, url: &Url, form: &[(&str, &str)]) -> Answer {
        let request = self
            .http
            .post(url.clone())
            .header("origin", url.origin().ascii_serialization())
            .form(form);
        self.send(request, url).await
    }

    /// Follows redirects from `url` while they stay off `stop_at`; answers the last URL and
    /// its answer.
    pub async fn follow(&mut self, mut url: Url, stop_at: &str) -> (Url, Answer) {
        for _ in 0..10 {
            let answer = self.get(&url).await;
            match &answer.location {
                Some(next) if !next.as_str().starts_with(stop_at) => url = next.clone(),
                _ => return (url, answer),
            }
        }
        panic!("too many redirects from {url}");
    }
}
