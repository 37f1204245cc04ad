mod home;
mod login;
mod not_found;
mod section;

pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use section::SectionPage;
