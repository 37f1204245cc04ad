mod empty_state;
mod user_menu;

pub use empty_state::EmptyState;
pub use user_menu::UserMenu;
