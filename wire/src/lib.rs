//! What the client side and the development issuer of
//! [scopegate](https://docs.rs/scopegate) share: the request and response
//! bodies of Scalekit's management API for API clients and organizations
//! ([`management`]), client secrets that never print ([`Secret`]), the URL
//! policy every outgoing connection follows ([`url_policy`]), what a
//! scope is ([`scope`]), the
//! helpers that keep untrusted text out of messages ([`text`]), and the
//! clock in JWT seconds ([`clock`]).
//!
//! One model of the wire format, used by `scopegate-client`'s admin client
//! to call the API and by `scopegate-dev`'s issuer to serve it, so the two
//! cannot drift apart. Depends on serde, url and thiserror only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod management;
pub mod scope;
mod secret;
pub mod serde_helpers;
pub mod text;
pub mod url_policy;

pub use secret::Secret;
