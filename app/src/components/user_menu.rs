use api::WhoAmI;
use leptos::prelude::*;

use crate::layout::user_label;

/// The user's name with a sign-out button. A `<details>` element: it opens by keyboard and
/// without JavaScript; the sign-out is a POST form.
#[component]
pub fn UserMenu(user: WhoAmI) -> impl IntoView {
    view! {
        <details class="user-menu">
            <summary>{user_label(&user)}</summary>
            <div class="user-menu-panel">
                <p>"Signed in with " {user.auth_method.clone()}</p>
                <form method="post" action="/auth/logout">
                    <button type="submit" class="button">"Sign out"</button>
                </form>
            </div>
        </details>
    }
}
