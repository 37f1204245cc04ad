//! Types that cross the wire: request and response bodies of the REST API, server-function
//! results and the events streamed to browsers. Serde only, so that it compiles to wasm.

mod error;
mod events;
mod identity;
mod query;
mod version;

pub use error::ApiError;
pub use events::{Event, EventKind};
pub use identity::WhoAmI;
pub use query::encode_query_value;
pub use version::VersionInfo;
