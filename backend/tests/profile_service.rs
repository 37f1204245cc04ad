//! Authorization of profile operations: who may do what, and what outsiders learn.

use backend::authz::{AuthMethod, Principal};
use backend::profiles::service::{
    add_contributor, create_profile, remove_contributor, require, visible_profiles,
};
use backend::profiles::{ProfileError, Role};
use backend::store::{Quota, Store, Subject};

testkit::on_both_databases!(
    only_cluster_admins_create_profiles_with_valid_new_names,
    outsiders_cannot_tell_a_foreign_profile_from_a_missing_one,
    roles_decide_who_manages_contributors,
    visible_profiles_follow_bindings,
);

fn person(name: &str, groups: &[&str]) -> Principal {
    Principal {
        user: name.to_owned(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        is_admin: false,
        auth_method: AuthMethod::Local,
    }
}

fn admin() -> Principal {
    Principal::local_admin("admin")
}

/// Asserts that a request was refused because the caller's role is weaker than `needed`.
fn assert_lacks_role(err: &ProfileError, needed: &str) {
    assert!(
        matches!(err, ProfileError::Forbidden { needed: n, .. } if *n == needed),
        "{err:?}"
    );
}

fn user(name: &str) -> Subject {
    Subject::User(name.to_owned())
}

/// `who` asks to create profile `name` owned by the user `owner`, with no quota.
async fn try_create(
    store: &Store,
    who: &Principal,
    name: &str,
    owner: &str,
) -> Result<(), ProfileError> {
    create_profile(store, who, name, &user(owner), &Quota::default(), 1).await
}

async fn make(store: &Store, name: &str, owner: &str) {
    try_create(store, &admin(), name, owner)
        .await
        .expect("admins create profiles");
}

async fn only_cluster_admins_create_profiles_with_valid_new_names(store: Store) {
    let ada = person("ada", &[]);
    let refused = try_create(&store, &ada, "mine", "ada").await;
    assert!(
        matches!(refused, Err(ProfileError::AdminsOnly(_))),
        "{refused:?}"
    );
    let invalid = try_create(&store, &admin(), "Kube_Ops", "ada").await;
    assert!(
        matches!(invalid, Err(ProfileError::InvalidName(_))),
        "{invalid:?}"
    );
    assert!(
        store.profiles().names().await.unwrap().is_empty(),
        "nothing half-stored"
    );
    make(&store, "team-a", "ada").await;
    let again = try_create(&store, &admin(), "team-a", "bob").await;
    assert!(
        matches!(again, Err(ProfileError::AlreadyExists(_))),
        "{again:?}"
    );
}

async fn outsiders_cannot_tell_a_foreign_profile_from_a_missing_one(store: Store) {
    make(&store, "team-a", "ada").await;
    let bob = person("bob", &[]);
    for name in ["team-a", "no-such-profile"] {
        let err = require(&store, &bob, name, Role::View).await.unwrap_err();
        assert!(
            matches!(err, ProfileError::NotFound(ref n) if n == name),
            "{err:?}"
        );
    }
    assert_eq!(
        require(&store, &person("ada", &[]), "team-a", Role::Owner)
            .await
            .unwrap(),
        Role::Owner
    );
    assert_eq!(
        require(&store, &admin(), "team-a", Role::Admin)
            .await
            .unwrap(),
        Role::Owner
    );
}

async fn roles_decide_who_manages_contributors(store: Store) {
    make(&store, "team-a", "ada").await;
    let ada = person("ada", &[]);
    let (viewer, manager) = (person("vi", &[]), person("mo", &["leads"]));
    add_contributor(&store, &ada, "team-a", &user("vi"), Role::View, 2)
        .await
        .unwrap();
    add_contributor(
        &store,
        &ada,
        "team-a",
        &Subject::Group("leads".into()),
        Role::Admin,
        2,
    )
    .await
    .unwrap();

    let err = add_contributor(&store, &viewer, "team-a", &user("x"), Role::View, 3)
        .await
        .unwrap_err();
    assert_lacks_role(&err, "admin");
    add_contributor(&store, &manager, "team-a", &user("x"), Role::Edit, 3)
        .await
        .unwrap();
    let err = add_contributor(&store, &manager, "team-a", &user("y"), Role::Owner, 3)
        .await
        .unwrap_err();
    assert_lacks_role(&err, "owner");
    let err = add_contributor(&store, &ada, "team-a", &user("x"), Role::View, 4)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProfileError::DuplicateContributor(..)),
        "{err:?}"
    );

    let err = remove_contributor(&store, &manager, "team-a", &user("ada"))
        .await
        .unwrap_err();
    assert!(matches!(err, ProfileError::LastOwner(_)), "{err:?}");
    let err = remove_contributor(&store, &viewer, "team-a", &user("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ProfileError::Forbidden { .. }), "{err:?}");
    remove_contributor(&store, &manager, "team-a", &user("x"))
        .await
        .unwrap();
    let err = remove_contributor(&store, &manager, "team-a", &user("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProfileError::NoSuchContributor(..)),
        "{err:?}"
    );
}

async fn visible_profiles_follow_bindings(store: Store) {
    make(&store, "a", "ada").await;
    make(&store, "b", "bob").await;
    add_contributor(
        &store,
        &admin(),
        "b",
        &Subject::Group("ml".into()),
        Role::View,
        2,
    )
    .await
    .unwrap();
    assert_eq!(
        visible_profiles(&store, &person("ada", &["ml"]))
            .await
            .unwrap(),
        vec![("a".to_owned(), Role::Owner), ("b".to_owned(), Role::View)]
    );
    assert_eq!(
        visible_profiles(&store, &person("cy", &[])).await.unwrap(),
        vec![]
    );
    assert_eq!(visible_profiles(&store, &admin()).await.unwrap().len(), 2);
}
