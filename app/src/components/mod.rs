mod action_button;
mod action_error;
mod dag_graph;
mod empty_state;
mod tuning_charts;
mod user_menu;

pub use action_button::ActionButton;
pub use action_error::{ActionError, error_text};
pub use dag_graph::DagGraph;
pub use empty_state::EmptyState;
pub use tuning_charts::{MetricHistory, ObjectiveChart, ParallelCoordinates};
pub use user_menu::UserMenu;
