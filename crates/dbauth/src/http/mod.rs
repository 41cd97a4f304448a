//! HTTP credentials (used by the ArangoDB client): basic auth, JWT parsing and HS256
//! generation, and a token holder that refreshes once for many waiting requests.

mod basic;
mod holder;
mod jwt;

pub use basic::{Auth, Encoding};
pub use holder::{Leeway, TokenHolder};
pub use jwt::{Claims, GenerateOptions, JwtToken, MAX_TOKEN_LEN};
