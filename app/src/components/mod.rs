mod action_button;
mod action_error;
mod chart_geometry;
mod dag_graph;
mod empty_state;
mod manifest_import;
mod model_charts;
mod tuning_charts;
mod user_menu;

pub use action_button::ActionButton;
pub use action_error::{ActionError, error_text, refusal_alert};
pub use dag_graph::DagGraph;
pub use empty_state::EmptyState;
pub use manifest_import::{ManifestImport, open_when_made};
pub use model_charts::ModelCharts;
pub use tuning_charts::{MetricHistory, ObjectiveChart, ParallelCoordinates};
pub use user_menu::UserMenu;
