//! The Profiles page: the caller's profiles, and for the selected one its quota and usage,
//! contributors (added, re-roled and removed by profile admins) and audit log.

use api::{Contributor, Quota, Usage};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ActionError;
use crate::layout::selected_profile;
use crate::tenancy_fns::{
    AddContributor, CreateProfile, ProfileView, RemoveContributor, SetContributorRole, SetQuota,
    load_profile, my_profiles,
};

const ROLES: [&str; 4] = ["view", "edit", "admin", "owner"];

#[component]
pub fn ProfilesPage() -> impl IntoView {
    let me = crate::layout::frame_data().me;
    let is_admin = me.as_ref().is_some_and(|m| m.is_admin);
    let profile = selected_profile();
    let create = ServerAction::<CreateProfile>::new();
    let add = ServerAction::<AddContributor>::new();
    let set_role = ServerAction::<SetContributorRole>::new();
    let remove = ServerAction::<RemoveContributor>::new();
    let quota = ServerAction::<SetQuota>::new();
    let list = Resource::new(move || create.version().get(), |_| my_profiles());
    let changes = move || {
        add.version().get()
            + set_role.version().get()
            + remove.version().get()
            + quota.version().get()
    };
    let page = Resource::new(
        move || (profile.get(), changes()),
        |(name, _)| async move {
            match name {
                Some(name) => load_profile(name).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let actions = ProfileActions {
        add,
        set_role,
        remove,
        quota,
    };
    view! {
        <Title text="Profiles"/>
        <h1>"Profiles"</h1>
        {is_admin.then(|| view! {
            <section aria-labelledby="create-title" class="panel">
                <h2 id="create-title">"Create a profile"</h2>
                <ActionForm action=create>
                    <label for="new-name">"Name"</label>
                    <input id="new-name" name="name" required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" maxlength="63"/>
                    <label for="new-owner">"Owner's email (blank: you)"</label>
                    <input id="new-owner" name="owner" type="email"/>
                    <button type="submit" class="button">"Create"</button>
                </ActionForm>
                <ActionError action=create/>
            </section>
        })}
        <section aria-labelledby="yours-title">
            <h2 id="yours-title">"Your profiles"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! {
                            <p>"You belong to no profile yet. Ask a cluster admin to add you to one."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="data">
                                <thead><tr><th scope="col">"Profile"</th><th scope="col">"Your role"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| {
                                        let href = format!("/profiles?ns={}", api::encode_query_value(&p.name));
                                        view! { <tr><td><a href=href>{p.name}</a></td><td>{p.role}</td></tr> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(view)) => view! { <ProfileDetailView view actions/> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct ProfileActions {
    add: ServerAction<AddContributor>,
    set_role: ServerAction<SetContributorRole>,
    remove: ServerAction<RemoveContributor>,
    quota: ServerAction<SetQuota>,
}

#[component]
fn ProfileDetailView(view: ProfileView, actions: ProfileActions) -> impl IntoView {
    let name = view.detail.name.clone();
    let manages = matches!(view.detail.role.as_str(), "owner" | "admin");
    view! {
        <section aria-labelledby="detail-title" class="panel">
            <h2 id="detail-title">{format!("Profile {name}")}</h2>
            <p>"Your role: " <strong>{view.detail.role.clone()}</strong></p>
            <QuotaBars quota=view.detail.quota.clone() usage=view.detail.usage.clone()/>
            {view.may_set_quota.then(|| view! { <QuotaForm profile=name.clone() quota=view.detail.quota.clone() action=actions.quota/> })}
            <Contributors profile=name.clone() rows=view.contributors manages actions/>
            {view.audit.map(|entries| view! {
                <h3>"Audit log"</h3>
                <table class="data">
                    <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"Did"</th><th scope="col">"To"</th><th scope="col">"Detail"</th></tr></thead>
                    <tbody>
                        {entries.into_iter().map(|e| view! {
                            <tr><td>{utc(e.at_ms)}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.object}</td><td>{e.detail}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

/// Usage against each limit, as a bar; a missing limit is said in words.
#[component]
fn QuotaBars(quota: Quota, usage: Usage) -> impl IntoView {
    let rows = crate::quota_rows::quota_rows(&quota, &usage);
    view! {
        <h3>"Quota and usage"</h3>
        <dl class="quota">
            {rows.into_iter().map(|(label, used, limit, unit)| {
                let used_text = format!("{}", used as f64 / unit);
                view! {
                    <dt>{label}</dt>
                    <dd>
                        {match limit {
                            Some(limit) => view! {
                                <meter min="0" max=limit as f64 value=used as f64 aria-label=label></meter>
                                " " {format!("{used_text} of {}", limit as f64 / unit)}
                            }.into_any(),
                            None => view! { {format!("{used_text} in use, no limit")} }.into_any(),
                        }}
                    </dd>
                }
            }).collect_view()}
        </dl>
    }
}

#[component]
fn QuotaForm(profile: String, quota: Quota, action: ServerAction<SetQuota>) -> impl IntoView {
    let shown =
        |v: Option<i64>, unit: f64| v.map(|v| (v as f64 / unit).to_string()).unwrap_or_default();
    view! {
        <ActionForm action>
            <input type="hidden" name="profile" value=profile/>
            <fieldset>
                <legend>"Quota (blank: no limit)"</legend>
                <label for="q-gpus">"GPUs"</label>
                <input id="q-gpus" name="gpus" inputmode="decimal" value=shown(quota.gpu_milli, 1000.0)/>
                <label for="q-cpus">"CPUs"</label>
                <input id="q-cpus" name="cpus" inputmode="decimal" value=shown(quota.cpu_milli, 1000.0)/>
                <label for="q-mem">"Memory (GiB)"</label>
                <input id="q-mem" name="memory_gib" inputmode="decimal" value=shown(quota.memory_mib, 1024.0)/>
                <label for="q-work">"Workloads"</label>
                <input id="q-work" name="workloads" inputmode="numeric" value=shown(quota.workloads, 1.0)/>
                <label for="q-borrow">"GPUs it may borrow from others' unused quota"</label>
                <input id="q-borrow" name="borrow_gpus" inputmode="decimal" value=shown(quota.borrow_gpu_milli, 1000.0)/>
                <button type="submit" class="button">"Save quota"</button>
            </fieldset>
        </ActionForm>
        <ActionError action/>
    }
}

#[component]
fn Contributors(
    profile: String,
    rows: Vec<Contributor>,
    manages: bool,
    actions: ProfileActions,
) -> impl IntoView {
    let add_profile = profile.clone();
    view! {
        <h3>"Contributors"</h3>
        <ActionError action=actions.set_role/>
        <ActionError action=actions.remove/>
        <table class="data">
            <thead><tr>
                <th scope="col">"Who"</th><th scope="col">"Kind"</th><th scope="col">"Role"</th>
                {manages.then(|| view! { <th scope="col">"Change"</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|c| {
                    let (kind, subject) = match (c.email, c.group) {
                        (Some(email), _) => ("email", email),
                        (None, Some(group)) => ("group", group),
                        (None, None) => ("email", String::new()),
                    };
                    let role = c.role.unwrap_or_default();
                    let profile = profile.clone();
                    view! {
                        <tr>
                            <td>{subject.clone()}</td>
                            <td>{if kind == "email" { "user" } else { "group" }}</td>
                            <td>{role.clone()}</td>
                            {manages.then(|| {
                                let label = format!("New role for {subject}");
                                let remove_label = format!("Remove {subject}");
                                let (profile_a, profile_b) = (profile.clone(), profile.clone());
                                let (subject_a, subject_b) = (subject.clone(), subject.clone());
                                let role = role.clone();
                                view! {
                                    <td class="row-actions">
                                        <ActionForm action=actions.set_role>
                                            <input type="hidden" name="profile" value=profile_a.clone()/>
                                            <input type="hidden" name="kind" value=kind/>
                                            <input type="hidden" name="subject" value=subject_a.clone()/>
                                            <select name="role" aria-label=label.clone()>
                                                {ROLES.iter().map(|r| view! { <option value=*r selected=*r == role>{*r}</option> }).collect_view()}
                                            </select>
                                            <button type="submit" class="button secondary">"Change role"</button>
                                        </ActionForm>
                                        <ActionForm action=actions.remove>
                                            <input type="hidden" name="profile" value=profile_b.clone()/>
                                            <input type="hidden" name="kind" value=kind/>
                                            <input type="hidden" name="subject" value=subject_b.clone()/>
                                            <button type="submit" class="button secondary" aria-label=remove_label.clone()>"Remove"</button>
                                        </ActionForm>
                                    </td>
                                }
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {manages.then(|| view! {
            <ActionForm action=actions.add>
                <input type="hidden" name="profile" value=add_profile/>
                <fieldset>
                    <legend>"Add a contributor"</legend>
                    <label for="c-kind">"By"</label>
                    <select id="c-kind" name="kind">
                        <option value="email">"email"</option>
                        <option value="group">"group"</option>
                    </select>
                    <label for="c-subject">"Email or group"</label>
                    <input id="c-subject" name="subject" required/>
                    <label for="c-role">"Role"</label>
                    <select id="c-role" name="role">
                        {ROLES.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button">"Add"</button>
                </fieldset>
            </ActionForm>
            <ActionError action=actions.add/>
        })}
    }
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` (UTC), the same on server and browser.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(1_796_083_200_000), "2026-12-01 00:00");
        assert_eq!(super::utc(951_782_400_000 + 3_660_000), "2000-02-29 01:01");
    }
}
