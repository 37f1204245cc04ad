//! The store's contract, run against SQLite and a real PostgreSQL alike.

use backend::local_accounts::{self, ADMIN_USER, AdminBootstrap};
use backend::store::{DatabaseKind, SessionRecord, Store};

testkit::on_both_databases!(
    migrations_are_idempotent,
    password_hashes_are_created_and_replaced,
    create_if_missing_never_overwrites,
    sessions_load_until_they_expire,
    session_ids_are_never_reused,
    expired_sessions_are_cleaned,
    admin_gets_a_generated_password_once,
    configured_admin_password_always_wins,
    sign_in_accepts_only_the_right_password,
    reset_password_replaces_the_old_one,
);

async fn migrations_are_idempotent(store: Store) {
    store
        .migrate()
        .await
        .expect("a second run applies nothing and fails nothing");
    store.ping().await.expect("the database answers");
}

async fn password_hashes_are_created_and_replaced(store: Store) {
    let users = store.users();
    assert_eq!(users.find("ada").await.unwrap(), None);
    users.set_password_hash("ada", "h1").await.unwrap();
    let first = users.find("ada").await.unwrap().expect("created");
    assert_eq!(first.password_hash, "h1");
    users.set_password_hash("ada", "h2").await.unwrap();
    let second = users.find("ada").await.unwrap().expect("still there");
    assert_eq!(second.password_hash, "h2");
    assert_eq!(second.created_at_ms, first.created_at_ms);
    assert!(second.updated_at_ms >= first.updated_at_ms);
}

async fn create_if_missing_never_overwrites(store: Store) {
    let users = store.users();
    assert!(users.create_if_missing("ada", "h1").await.unwrap());
    assert!(!users.create_if_missing("ada", "h2").await.unwrap());
    assert_eq!(
        users.find("ada").await.unwrap().unwrap().password_hash,
        "h1"
    );
}

fn session(id: &str, expires_at_ms: i64) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        data: vec![0, 159, 146, 150, 1],
        expires_at_ms,
    }
}

async fn sessions_load_until_they_expire(store: Store) {
    let sessions = store.sessions();
    sessions.save(&session("s1", 1_000)).await.unwrap();
    let loaded = sessions
        .load("s1", 999)
        .await
        .unwrap()
        .expect("not expired yet");
    assert_eq!(loaded, session("s1", 1_000));
    assert_eq!(sessions.load("s1", 1_000).await.unwrap(), None);
    sessions.save(&session("s1", 5_000)).await.unwrap();
    assert!(sessions.load("s1", 1_000).await.unwrap().is_some());
    sessions.delete("s1").await.unwrap();
    assert_eq!(sessions.load("s1", 0).await.unwrap(), None);
}

async fn session_ids_are_never_reused(store: Store) {
    let sessions = store.sessions();
    assert!(sessions.create(&session("same", 10)).await.unwrap());
    assert!(!sessions.create(&session("same", 20)).await.unwrap());
    assert_eq!(
        sessions
            .load("same", 0)
            .await
            .unwrap()
            .unwrap()
            .expires_at_ms,
        10
    );
}

async fn expired_sessions_are_cleaned(store: Store) {
    let sessions = store.sessions();
    sessions.save(&session("old", 100)).await.unwrap();
    sessions.save(&session("older", 50)).await.unwrap();
    sessions.save(&session("live", 10_000)).await.unwrap();
    assert_eq!(sessions.delete_expired(100).await.unwrap(), 2);
    assert!(sessions.load("live", 0).await.unwrap().is_some());
    assert_eq!(sessions.delete_expired(100).await.unwrap(), 0);
}

async fn admin_gets_a_generated_password_once(store: Store) {
    let first = local_accounts::bootstrap_admin(&store, None).await.unwrap();
    let AdminBootstrap::CreatedWithGeneratedPassword(password) = first else {
        panic!("the first start generates a password, got {first:?}");
    };
    assert_eq!(
        local_accounts::bootstrap_admin(&store, None).await.unwrap(),
        AdminBootstrap::Unchanged
    );
    let principal = local_accounts::sign_in(&store, ADMIN_USER, &password)
        .await
        .unwrap()
        .expect("the generated password signs in");
    assert!(principal.is_admin);
    assert_eq!(principal.user, ADMIN_USER);
}

async fn configured_admin_password_always_wins(store: Store) {
    local_accounts::bootstrap_admin(&store, None).await.unwrap();
    assert_eq!(
        local_accounts::bootstrap_admin(&store, Some("from-config"))
            .await
            .unwrap(),
        AdminBootstrap::PasswordFromConfiguration
    );
    assert!(
        local_accounts::sign_in(&store, ADMIN_USER, "from-config")
            .await
            .unwrap()
            .is_some()
    );
}

async fn sign_in_accepts_only_the_right_password(store: Store) {
    local_accounts::bootstrap_admin(&store, Some("s3cret"))
        .await
        .unwrap();
    for (user, password) in [
        (ADMIN_USER, "wrong"),
        (ADMIN_USER, ""),
        ("nobody", "s3cret"),
    ] {
        assert!(
            local_accounts::sign_in(&store, user, password)
                .await
                .unwrap()
                .is_none(),
            "{user}/{password} must be refused"
        );
    }
}

async fn reset_password_replaces_the_old_one(store: Store) {
    local_accounts::bootstrap_admin(&store, Some("before"))
        .await
        .unwrap();
    let after = local_accounts::reset_admin_password(&store).await.unwrap();
    assert!(
        local_accounts::sign_in(&store, ADMIN_USER, "before")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        local_accounts::sign_in(&store, ADMIN_USER, &after)
            .await
            .unwrap()
            .is_some()
    );
}

#[test]
fn database_urls_are_recognised_by_scheme() {
    assert_eq!(
        DatabaseKind::of_url("sqlite://x.db").unwrap(),
        DatabaseKind::Sqlite
    );
    assert_eq!(
        DatabaseKind::of_url("postgres://h/db").unwrap(),
        DatabaseKind::Postgres
    );
    assert_eq!(
        DatabaseKind::of_url("postgresql://h/db").unwrap(),
        DatabaseKind::Postgres
    );
    let err = DatabaseKind::of_url("mysql://h/db")
        .unwrap_err()
        .to_string();
    assert!(err.contains("mysql"), "{err}");
}
