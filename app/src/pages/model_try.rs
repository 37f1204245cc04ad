//! "Try it": a request to the model sent from the browser, through the model router, as a
//! client of the model would send it (the session stands for a token); its status and answer
//! are shown, the answer as pretty JSON when it is JSON.

use leptos::prelude::*;

use crate::pages::run_detail::pretty;
use crate::post_json::post_json;

/// The router's V2 inference address of a model.
pub fn infer_url(profile: &str, name: &str) -> String {
    format!("/serving/{profile}/{name}/v2/models/{name}/infer")
}

/// JSON pretty-printed; anything else as it came.
fn readable(text: &str) -> String {
    serde_json::from_str(text)
        .map(|v| pretty(&v))
        .unwrap_or_else(|_| text.to_owned())
}

/// The request's text lives in `request`, outside the page's reloads: typing is not lost when
/// the model changes.
#[component]
pub fn TryIt(url: Signal<Option<String>>, request: RwSignal<String>) -> impl IntoView {
    let answer = RwSignal::new(None::<Result<(u16, String), String>>);
    let sending = RwSignal::new(false);
    let send = move |_| {
        let Some(url) = url.get_untracked() else {
            return;
        };
        sending.set(true);
        let body = request.get_untracked();
        leptos::task::spawn_local(async move {
            answer.set(Some(post_json(url, body).await));
            sending.set(false);
        });
    };
    view! {
        <section aria-labelledby="try-title" class="panel" data-testid="try-it">
            <h2 id="try-title">"Try it"</h2>
            <p>"POST " <code>{move || url.get().unwrap_or_default()}</code></p>
            <div class="import">
                <label for="try-request">"Request body (JSON)"</label>
                <textarea id="try-request" rows="6" class="code" prop:value=request
                    on:input=move |ev| request.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" class="button" on:click=send disabled=move || sending.get()>"Send"</button>
            {move || answer.get().map(|a| match a {
                Ok((status, text)) => view! {
                    <p data-testid="try-status" data-status=status.to_string()>{format!("Status {status}")}</p>
                    <pre class="yaml" tabindex="0" aria-label="The model's answer" data-testid="try-answer">{readable(&text)}</pre>
                }.into_any(),
                Err(why) => view! { <p class="error" role="alert" data-testid="try-status">{why}</p> }.into_any(),
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_pretty_json_or_as_they_came() {
        assert_eq!(readable(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(readable("upstream down"), "upstream down");
        assert_eq!(
            infer_url("t", "iris"),
            "/serving/t/iris/v2/models/iris/infer"
        );
    }
}
