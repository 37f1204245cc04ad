//! The signed-in frame: top bar (profile selector, user menu), left navigation, main area.

use api::{ProfileChoices, WhoAmI};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::components::UserMenu;
use crate::nav::{SECTIONS, href_with_profile};
use crate::server_fns::{profile_choices, signed_in_user};

/// What the frame knows from the server: who is signed in, and the profiles they may choose
/// with their role in each (the selector lists them, pages ask [`may_edit`]).
#[derive(Debug, Clone, Default)]
pub struct FrameData {
    pub me: Option<WhoAmI>,
    pub choices: ProfileChoices,
}

/// Reads [`FrameData`] once for the whole app, when it renders on the server and when it
/// hydrates: known synchronously on the server and carried to the browser in the page (no
/// Suspense, no round trip). Kept in the app's context, above the router: a page the router
/// renders later in the browser has no request to read it from.
pub fn provide_frame_data() {
    let me = SharedValue::new(signed_in_user).into_inner();
    let choices = SharedValue::new(profile_choices).into_inner();
    provide_context(FrameData { me, choices });
}

/// The app's [`FrameData`].
pub fn frame_data() -> FrameData {
    use_context::<FrameData>().unwrap_or_default()
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let me = frame_data().me;
    selected_profile();
    // Effects run only in the browser, once the page has hydrated: browser tests wait for this
    // before they click (until then a button submits its form the plain HTML way).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Capstan"</a>
            <ProfileSelector/>
            {match me {
                Some(user) => view! { <UserMenu user/> }.into_any(),
                None => view! { <a class="button" href="/login">"Sign in"</a> }.into_any(),
            }}
        </header>
        <div class="frame" data-hydrated=move || hydrated.get().to_string()>
            <SideNav/>
            <main id="main" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

/// The profile in the URL (`?ns=`), which every link keeps. Made once per page by the
/// layout and shared through context.
pub fn selected_profile() -> Memo<Option<String>> {
    if let Some(SelectedProfile(memo)) = use_context() {
        return memo;
    }
    let query = use_query_map();
    let memo = Memo::new(move |_| query.read().get("ns").filter(|ns| !ns.is_empty()));
    provide_context(SelectedProfile(memo));
    memo
}

/// Whether the signed-in user may change things in the selected profile (an editor or more),
/// as the frame's profile list says: pages show their change buttons to those only (the
/// server checks again).
pub fn may_edit() -> Signal<bool> {
    let profile = selected_profile();
    let choices = frame_data().choices;
    Signal::derive(move || {
        profile.with(|selected| {
            choices
                .0
                .iter()
                .any(|p| Some(&p.name) == selected.as_ref() && p.role != "view")
        })
    })
}

#[derive(Clone, Copy)]
struct SelectedProfile(Memo<Option<String>>);

#[component]
fn SideNav() -> impl IntoView {
    let location = use_location();
    let profile = selected_profile();
    view! {
        <nav class="sidenav" aria-label="Main">
            <ul>
                {SECTIONS
                    .iter()
                    .map(|section| {
                        let path = section.path;
                        let current = move || {
                            (location.pathname.get() == path).then_some("page")
                        };
                        view! {
                            <li>
                                <a
                                    href=move || href_with_profile(path, profile.get().as_deref())
                                    aria-current=current
                                >
                                    {section.label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Chooses the profile to work in, among those the user belongs to, each marked with the
/// user's role. A plain GET form, so it works without JavaScript. The list comes with the
/// page (no Suspense, no second request), like the signed-in user.
#[component]
fn ProfileSelector() -> impl IntoView {
    let location = use_location();
    let profile = selected_profile();
    let list = frame_data().choices.0;
    let options = move || {
        let selected = profile.get();
        if list.is_empty() {
            return view! { <option value="">"No profiles yet"</option> }.into_any();
        }
        let none_chosen = selected.is_none();
        view! {
            {none_chosen.then(|| view! { <option value="" selected>"Choose a profile"</option> })}
            {list.iter().map(|p| {
                let chosen = selected.as_deref() == Some(p.name.as_str());
                let label = format!("{} ({})", p.name, p.role);
                view! { <option value=p.name.clone() selected=chosen>{label}</option> }
            }).collect_view()}
        }
        .into_any()
    };
    view! {
        <form class="profile-selector" method="get" action=move || location.pathname.get()>
            <label for="ns">"Profile"</label>
            <select id="ns" name="ns">{options}</select>
            <button type="submit" class="button secondary">"Switch"</button>
        </form>
    }
}

/// The signed-in user's name for components below the layout.
pub fn user_label(user: &WhoAmI) -> String {
    if user.is_admin {
        format!("{} (admin)", user.user)
    } else {
        user.user.clone()
    }
}
