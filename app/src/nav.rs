//! The dashboard's sections: the left navigation and the pages it leads to.

/// One entry of the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub path: &'static str,
    pub label: &'static str,
    /// What the Home page's card of the section says when it has nothing to list.
    pub empty_title: &'static str,
}

pub const SECTIONS: [Section; 10] = [
    Section {
        path: "/",
        label: "Home",
        empty_title: "",
    },
    Section {
        path: "/notebooks",
        label: "Notebooks",
        empty_title: "No notebooks",
    },
    Section {
        path: "/pipelines",
        label: "Pipelines",
        empty_title: "No pipelines",
    },
    Section {
        path: "/runs",
        label: "Runs",
        empty_title: "No runs",
    },
    Section {
        path: "/experiments",
        label: "Experiments",
        empty_title: "No experiments",
    },
    Section {
        path: "/models",
        label: "Models",
        empty_title: "No models",
    },
    Section {
        path: "/jobs",
        label: "Training jobs",
        empty_title: "No training jobs",
    },
    Section {
        path: "/gpus",
        label: "GPUs & queue",
        empty_title: "No GPUs",
    },
    Section {
        path: "/profiles",
        label: "Profiles",
        empty_title: "No profiles",
    },
    Section {
        path: "/settings",
        label: "Settings",
        empty_title: "Nothing to set here yet",
    },
];

/// A link to `path` that keeps the selected profile (`?ns=`), as Kubeflow's dashboard does.
pub fn href_with_profile(path: &str, profile: Option<&str>) -> String {
    match profile {
        Some(ns) if !ns.is_empty() => format!("{path}?ns={}", api::encode_query_value(ns)),
        _ => path.to_owned(),
    }
}

/// The page of one item of a section (`/models/iris?ns=team-a`), in its profile.
pub fn item_href(section: &str, profile: &str, name: &str) -> String {
    format!(
        "{section}/{}?ns={}",
        api::encode_query_value(name),
        api::encode_query_value(profile)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_selected_profile() {
        assert_eq!(
            href_with_profile("/runs", Some("team-a")),
            "/runs?ns=team-a"
        );
        assert_eq!(href_with_profile("/runs", None), "/runs");
        assert_eq!(href_with_profile("/runs", Some("")), "/runs");
    }

    #[test]
    fn profile_names_are_encoded_in_links() {
        assert_eq!(href_with_profile("/", Some("a b&c")), "/?ns=a%20b%26c");
    }

    #[test]
    fn every_section_but_home_names_its_empty_state() {
        for section in &SECTIONS[1..] {
            assert!(!section.empty_title.is_empty(), "{}", section.label);
        }
        assert_eq!(SECTIONS.len(), 10);
    }
}
