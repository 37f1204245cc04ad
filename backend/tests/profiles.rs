//! The profiles store's contract, on SQLite and a real PostgreSQL alike.

use backend::profiles::Role;
use backend::store::{BindingChange, Quota, Store, Subject};

testkit::on_both_databases!(
    a_profile_is_created_once_with_its_owner,
    roles_come_from_users_and_groups_and_the_strongest_wins,
    a_contributor_is_bound_once,
    the_last_owner_cannot_be_removed,
    deleting_a_profile_removes_its_bindings,
);

/// A profile with no quota, owned by `owner`.
async fn create(store: &Store, name: &str, owner: &str) {
    let created = store
        .profiles()
        .create(name, &user(owner), &Quota::default(), 1)
        .await;
    assert!(created.unwrap(), "{name} is new");
}

/// Binds a subject to a profile; answers whether the binding is new.
async fn bind(store: &Store, profile: &str, subject: Subject, role: Role) -> bool {
    store
        .profiles()
        .add_contributor(profile, &subject, role, 2)
        .await
        .unwrap()
}

fn user(name: &str) -> Subject {
    Subject::User(name.to_owned())
}

fn group(name: &str) -> Subject {
    Subject::Group(name.to_owned())
}

async fn a_profile_is_created_once_with_its_owner(store: Store) {
    let profiles = store.profiles();
    let quota = Quota {
        gpu_milli: Some(4000),
        workloads: Some(10),
        ..Quota::default()
    };
    assert!(
        profiles
            .create("team-a", &user("ada@example.com"), &quota, 7)
            .await
            .unwrap()
    );
    assert!(
        !profiles
            .create("team-a", &user("bob@example.com"), &Quota::default(), 8)
            .await
            .unwrap()
    );
    let row = profiles.get("team-a").await.unwrap().expect("created");
    assert_eq!(row.quota, quota);
    assert_eq!(row.created_at_ms, 7);
    let contributors = profiles.contributors("team-a").await.unwrap();
    assert_eq!(
        contributors.len(),
        1,
        "the refused second create added nobody"
    );
    assert_eq!(contributors[0].subject, user("ada@example.com"));
    assert_eq!(contributors[0].role, Role::Owner);
    assert_eq!(profiles.get("team-b").await.unwrap(), None);
}

async fn roles_come_from_users_and_groups_and_the_strongest_wins(store: Store) {
    let profiles = store.profiles();
    create(&store, "a", "ada").await;
    create(&store, "b", "bob").await;
    create(&store, "c", "cy").await;
    bind(&store, "b", group("ml"), Role::View).await;
    bind(&store, "b", user("ada"), Role::Edit).await;
    bind(&store, "c", group("ops"), Role::Admin).await;

    let groups = vec!["ml".to_owned(), "ops".to_owned()];
    let roles = profiles.roles_of("ada", &groups).await.unwrap();
    assert_eq!(
        roles,
        vec![
            ("a".into(), Role::Owner),
            ("b".into(), Role::Edit),
            ("c".into(), Role::Admin)
        ]
    );
    assert_eq!(profiles.roles_of("ada", &[]).await.unwrap().len(), 2);
    assert_eq!(profiles.roles_of("nobody", &[]).await.unwrap(), vec![]);
    // A group named like a user grants nothing to that user, and the reverse.
    assert_eq!(profiles.roles_of("ml", &[]).await.unwrap(), vec![]);
}

async fn a_contributor_is_bound_once(store: Store) {
    let profiles = store.profiles();
    create(&store, "a", "ada").await;
    assert!(bind(&store, "a", user("bob"), Role::View).await);
    assert!(!bind(&store, "a", user("bob"), Role::Admin).await);
    let bob = profiles
        .contributors("a")
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.subject == user("bob"))
        .unwrap();
    assert_eq!(bob.role, Role::View, "a duplicate binding changes nothing");
}

async fn the_last_owner_cannot_be_removed(store: Store) {
    let profiles = store.profiles();
    create(&store, "a", "ada").await;
    assert_eq!(
        profiles
            .remove_contributor("a", &user("ada"))
            .await
            .unwrap(),
        BindingChange::LastOwner
    );
    bind(&store, "a", user("bob"), Role::Owner).await;
    assert_eq!(
        profiles
            .remove_contributor("a", &user("ada"))
            .await
            .unwrap(),
        BindingChange::Done
    );
    assert_eq!(
        profiles
            .remove_contributor("a", &user("bob"))
            .await
            .unwrap(),
        BindingChange::LastOwner
    );
    assert_eq!(
        profiles.remove_contributor("a", &user("cy")).await.unwrap(),
        BindingChange::NotFound
    );
    assert_eq!(profiles.contributors("a").await.unwrap().len(), 1);
}

async fn deleting_a_profile_removes_its_bindings(store: Store) {
    let profiles = store.profiles();
    create(&store, "a", "ada").await;
    bind(&store, "a", group("ml"), Role::Edit).await;
    assert!(profiles.delete("a").await.unwrap());
    assert!(!profiles.delete("a").await.unwrap());
    assert_eq!(profiles.contributors("a").await.unwrap(), vec![]);
    assert_eq!(
        profiles.roles_of("ada", &["ml".to_owned()]).await.unwrap(),
        vec![]
    );
    // The name is free again.
    assert!(
        profiles
            .create("a", &user("bob"), &Quota::default(), 3)
            .await
            .unwrap()
    );
}
