mod gpus;
mod home;
mod login;
mod not_found;
mod profiles;
mod section;
mod settings;

pub use gpus::GpusPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profiles::ProfilesPage;
pub use section::SectionPage;
pub use settings::SettingsPage;
