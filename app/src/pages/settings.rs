//! Settings: the caller's personal API tokens (created, shown once, revoked).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ActionError;
use crate::pages::profiles::utc;
use crate::tenancy_fns::{CreateToken, RevokeToken, my_tokens};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || create.version().get() + revoke.version().get(),
        |_| my_tokens(),
    );
    let fresh = move || create.value().get().and_then(Result::ok);
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <section aria-labelledby="tokens-title" class="panel">
            <h2 id="tokens-title">"API tokens"</h2>
            <p>"A token acts as you, with your profiles and roles, for scripts and CLIs: send it as "
               <code>"Authorization: Bearer <token>"</code> "."</p>
            <ActionForm action=create>
                <label for="t-name">"Name"</label>
                <input id="t-name" name="name" required maxlength="100"/>
                <label for="t-days">"Expires in days (blank: never)"</label>
                <input id="t-days" name="expires_in_days" inputmode="numeric"/>
                <button type="submit" class="button">"Create token"</button>
            </ActionForm>
            <ActionError action=create/>
            {move || fresh().map(|made| view! {
                <div class="notice" role="status">
                    <p>"Copy this token now; it is not shown again:"</p>
                    <code data-testid="new-token">{made.secret}</code>
                </div>
            })}
            <ActionError action=revoke/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p>"You have no tokens."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="data">
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Created (UTC)"</th>
                                    <th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">"Revoke"</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr>
                                            <td>{t.name.clone()}</td>
                                            <td>{utc(t.created_at_ms)}</td>
                                            <td>{t.expires_at_ms.map(utc).unwrap_or_else(|| "never".into())}</td>
                                            <td>{t.last_used_at_ms.map(utc).unwrap_or_else(|| "never".into())}</td>
                                            <td>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=t.id/>
                                                    <button type="submit" class="button secondary" aria-label=format!("Revoke {}", t.name)>"Revoke"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
