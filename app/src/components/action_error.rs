use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// What a form's server function refused, said where the form is.
#[component]
pub fn ActionError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + std::fmt::Display + 'static,
{
    let message = move || {
        action
            .value()
            .get()
            .and_then(|result| result.err())
            .map(|e| error_text(&e))
    };
    view! {
        {move || message().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}

/// A server function's error as the user should read it: the server's message alone.
pub fn error_text(e: &impl std::fmt::Display) -> String {
    e.to_string()
        .trim_start_matches("error running server function: ")
        .to_owned()
}

/// A create form's refusal as an alert, `Refused: …` (the server names the place of the
/// error), marked with `testid` for the browser tests.
pub fn refusal_alert(error: Option<ServerFnError>, testid: &'static str) -> Option<impl IntoView> {
    error.map(|e| {
        view! {
            <p class="error" role="alert" data-testid=testid>{format!("Refused: {}", error_text(&e))}</p>
        }
    })
}
