mod action_error;
mod empty_state;
mod user_menu;

pub use action_error::ActionError;
pub use empty_state::EmptyState;
pub use user_menu::UserMenu;
