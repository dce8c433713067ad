//! Accounts and authority: sign-in, sessions, tokens, users and their role bindings.

pub mod api;
pub mod pages;
pub mod password;
pub mod routes;
pub mod service;
pub mod session;
pub mod throttle;

pub use service::*;
pub use session::{Authenticated, Caller};
