//! `cargo xtask bench auth` runs this: the sign-in round trip through the test OpenID
//! provider, the cost of one authorization check, and listing a user's profiles among 1,000
//! profiles with 10,000 contributor bindings. Prints figures, then one JSON line.

use std::time::{Duration, Instant};

use backend::authz::{AuthMethod, ClusterAdmins, Principal};
use backend::profiles::Role;
use backend::profiles::service::{require, visible_profiles};
use backend::store::{Quota, Store, Subject};

#[path = "../tests/support/browser.rs"]
mod browser;
#[path = "../tests/support/provider_world.rs"]
mod provider_world;

const PROFILES: usize = 1_000;
const BINDINGS_PER_PROFILE: usize = 10;
const SIGN_INS: usize = 30;
const CHECKS: u32 = 5_000;
const LISTINGS: usize = 300;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let signin_ms = sign_in_round_trips().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let store = Store::connect_lazy(&url).expect("a SQLite store");
    store.migrate().await.expect("migrations");
    let seeded = Instant::now();
    seed(&store).await;
    println!(
        "seeded {PROFILES} profiles with {} contributor bindings in {:.1} s",
        PROFILES * BINDINGS_PER_PROFILE,
        seeded.elapsed().as_secs_f64()
    );
    // A user with a direct role in some profiles and a group role in others.
    let user = Principal::external(
        "user42@example.com",
        vec!["group3".to_owned()],
        AuthMethod::Oidc,
        &ClusterAdmins::default(),
    );
    let mine = visible_profiles(&store, &user).await.expect("listing");
    let target = mine.last().expect("the user belongs to profiles").0.clone();
    println!("the user belongs to {} profiles", mine.len());

    let started = Instant::now();
    for _ in 0..CHECKS {
        require(&store, &user, &target, Role::View)
            .await
            .expect("allowed");
    }
    let authz_check_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(CHECKS);

    let mut listings = Vec::with_capacity(LISTINGS);
    for _ in 0..LISTINGS {
        let started = Instant::now();
        visible_profiles(&store, &user).await.expect("listing");
        listings.push(started.elapsed());
    }
    let profiles_list_ms = median_ms(&mut listings);

    println!("sign-in round trip (median of {SIGN_INS}): {signin_ms:.1} ms");
    println!("authorization check (mean of {CHECKS}): {authz_check_us:.1} µs");
    println!("profiles of a user (median of {LISTINGS}): {profiles_list_ms:.2} ms");
    println!(
        "{{\"signin_ms\":{signin_ms:.1},\"authz_check_us\":{authz_check_us:.1},\"profiles_list_ms\":{profiles_list_ms:.2}}}"
    );
}

/// Each: Capstan's /auth/login, the provider's login form, the callback, the signed-in page.
async fn sign_in_round_trips() -> f64 {
    let world = provider_world::world(&[]).await;
    println!(
        "signing in through the test provider at {}",
        world.provider.issuer
    );
    let mut times = Vec::with_capacity(SIGN_INS);
    for _ in 0..SIGN_INS {
        let mut browser = browser::Browser::new();
        let started = Instant::now();
        let callback = provider_world::to_callback(
            &mut browser,
            &world,
            "alice@example.com",
            "alice-password",
        )
        .await;
        let answer = browser.get(&callback).await;
        assert_eq!(answer.status, 303, "sign-in failed: {}", answer.body);
        times.push(started.elapsed());
    }
    median_ms(&mut times)
}

async fn seed(store: &Store) {
    let roles = [Role::View, Role::Edit, Role::Admin];
    for i in 0..PROFILES {
        let name = format!("p-{i:04}");
        let owner = Subject::User(format!("user{i}@example.com"));
        store
            .profiles()
            .create(&name, &owner, &Quota::default(), 0)
            .await
            .expect("profile");
        for j in 1..BINDINGS_PER_PROFILE {
            let subject = if j == BINDINGS_PER_PROFILE - 1 {
                Subject::Group(format!("group{}", i % 50))
            } else {
                Subject::User(format!("user{}@example.com", (i * 7 + j * 131) % PROFILES))
            };
            store
                .profiles()
                .add_contributor(&name, &subject, roles[j % 3], 0)
                .await
                .expect("binding");
        }
    }
}

fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}
