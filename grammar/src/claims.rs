//! The JSON types of the claims scopegate reads itself, so that a
//! requirement on one of them (`claim(exp == "soon")`) can be refused where
//! it is written: by `#[require_scopes]` at compile time, or by the runtime
//! when a requirement is configured.
//!
//! | claim | type | source |
//! |---|---|---|
//! | `exp`, `nbf`, `iat` | integer (`NumericDate`) | RFC 7519 §4.1 |
//! | `iss`, `sub`, `jti` | string | RFC 7519 §4.1 |
//! | `client_id` | string | RFC 9068 §2.2 |
//! | `oid` | string | Scalekit's organization id |
//! | `aud` | list of strings | RFC 7519 §4.1.3 (one string or an array) |
//! | `scopes` | list of strings | Scalekit's scope array |
//! | `scope` | list of strings | RFC 9068 §2.2.3 (space-separated) |
//!
//! Any other claim is free-form: any JSON value.
//!
//! ```
//! use scopegate_grammar::claims::{ClaimKind, registered_claim};
//!
//! assert_eq!(registered_claim("exp"), Some(ClaimKind::Integer));
//! assert_eq!(registered_claim("aud"), Some(ClaimKind::StringList));
//! assert_eq!(registered_claim("gty"), None);
//! ```

use std::fmt;

/// The JSON type of a registered claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimKind {
    /// A JSON integer, e.g. a `NumericDate`.
    Integer,
    /// A JSON string.
    String,
    /// A list of strings: a requirement can only ask that it *includes* a
    /// string, as its order and length vary from token to token.
    StringList,
}

impl ClaimKind {
    /// What a value of this kind is, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            ClaimKind::Integer => "an integer",
            ClaimKind::String => "a string",
            ClaimKind::StringList => "a list of strings",
        }
    }
}

impl fmt::Display for ClaimKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The type of the claim `name` if scopegate knows it, `None` for any
/// other (free-form) claim.
pub fn registered_claim(name: &str) -> Option<ClaimKind> {
    match name {
        "exp" | "nbf" | "iat" => Some(ClaimKind::Integer),
        "iss" | "sub" | "jti" | "client_id" | "oid" => Some(ClaimKind::String),
        "aud" | "scopes" | "scope" => Some(ClaimKind::StringList),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_claims_have_their_types() {
        for name in ["exp", "nbf", "iat"] {
            assert_eq!(registered_claim(name), Some(ClaimKind::Integer), "{name}");
        }
        for name in ["iss", "sub", "jti", "client_id", "oid"] {
            assert_eq!(registered_claim(name), Some(ClaimKind::String), "{name}");
        }
        for name in ["aud", "scopes", "scope"] {
            assert_eq!(
                registered_claim(name),
                Some(ClaimKind::StringList),
                "{name}"
            );
        }
        // Names are exact: another case is another (free-form) claim.
        for name in ["EXP", "Oid", "tid", "gty", ""] {
            assert_eq!(registered_claim(name), None, "{name}");
        }
    }
}
