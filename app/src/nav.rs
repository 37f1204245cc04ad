//! The dashboard's sections: the left navigation and the pages it leads to.

/// One entry of the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub path: &'static str,
    pub label: &'static str,
    /// Shown when the section has nothing to list.
    pub empty_title: &'static str,
    pub empty_text: &'static str,
}

pub const SECTIONS: [Section; 10] = [
    Section {
        path: "/",
        label: "Home",
        empty_title: "",
        empty_text: "",
    },
    Section {
        path: "/notebooks",
        label: "Notebooks",
        empty_title: "No notebooks",
        empty_text: "JupyterLab servers of the selected profile are listed here.",
    },
    Section {
        path: "/pipelines",
        label: "Pipelines",
        empty_title: "No pipelines",
        empty_text: "Uploaded pipelines and their versions are listed here.",
    },
    Section {
        path: "/runs",
        label: "Runs",
        empty_title: "No runs",
        empty_text: "Pipeline runs are listed here, newest first.",
    },
    Section {
        path: "/experiments",
        label: "Experiments",
        empty_title: "No experiments",
        empty_text: "Experiments, named groups of pipeline runs, are listed here.",
    },
    Section {
        path: "/models",
        label: "Models",
        empty_title: "No models",
        empty_text: "Deployed models, their revisions and traffic are listed here.",
    },
    Section {
        path: "/jobs",
        label: "Training jobs",
        empty_title: "No training jobs",
        empty_text: "Distributed TFJob and PyTorchJob runs are listed here. \
                     Training jobs are not part of this build yet.",
    },
    Section {
        path: "/gpus",
        label: "GPUs & queue",
        empty_title: "No GPUs",
        empty_text: "No GPUs on this node — set `gpus` to discover or declare simulated ones.",
    },
    Section {
        path: "/profiles",
        label: "Profiles",
        empty_title: "No profiles",
        empty_text: "Profiles, their contributors and quotas are managed here. \
                     Profiles are not part of this build yet.",
    },
    Section {
        path: "/settings",
        label: "Settings",
        empty_title: "Nothing to set here yet",
        empty_text: "Capstan's settings come from its configuration file, CAPSTAN_* \
                     environment variables and flags; the server prints them at start.",
    },
];

/// A link to `path` that keeps the selected profile (`?ns=`), as Kubeflow's dashboard does.
pub fn href_with_profile(path: &str, profile: Option<&str>) -> String {
    match profile {
        Some(ns) if !ns.is_empty() => format!("{path}?ns={}", api::encode_query_value(ns)),
        _ => path.to_owned(),
    }
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
    fn every_section_but_home_explains_its_empty_state() {
        for section in &SECTIONS[1..] {
            assert!(!section.empty_title.is_empty(), "{}", section.label);
            assert!(!section.empty_text.is_empty(), "{}", section.label);
        }
        assert_eq!(SECTIONS.len(), 10);
    }
}
