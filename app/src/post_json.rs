//! A JSON POST sent by the browser itself, as a user's own script would send it (with the
//! session cookie, same origin): the model page's "try it". Its status and body come back
//! whatever they are, 4xx included: that is what the user wants to see.

/// Posts `body` to `url`; the answer's status and text, or why there is none. On the server
/// (and before hydration) nothing is sent.
pub async fn post_json(url: String, body: String) -> Result<(u16, String), String> {
    #[cfg(feature = "hydrate")]
    {
        browser::post(&url, &body).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, body);
        Err("requests are sent from the browser".to_owned())
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestInit, Response};

    /// A failure as text: a JavaScript error prints as `JsValue(TypeError: …)`.
    fn why(e: JsValue) -> String {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }

    pub async fn post(url: &str, body: &str) -> Result<(u16, String), String> {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
        let request = Request::new_with_str_and_init(url, &init).map_err(why)?;
        request
            .headers()
            .set("content-type", "application/json")
            .map_err(why)?;
        let window = web_sys::window().ok_or("no window to send from")?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(why)?
            .dyn_into()
            .map_err(why)?;
        let text = JsFuture::from(response.text().map_err(why)?)
            .await
            .map_err(why)?
            .as_string()
            .unwrap_or_default();
        Ok((response.status(), text))
    }
}
