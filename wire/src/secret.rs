//! `Secret`: a string that never shows itself in `Debug` output or logs.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret string: a client secret, or the `plain_secret` of a newly
/// registered client.
///
/// Its `Debug` output is `Secret(<redacted>)`, it has no `Display` and no
/// `Serialize`, so it cannot end up in a log line, an error message or a JSON
/// dump by accident. Read it with [`expose`](Secret::expose) where it must
/// go on the wire.
///
/// ```
/// use scopegate_wire::Secret;
///
/// let secret = Secret::new("test_ly8G57h0ErRJSObJI6dSh");
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
/// assert_eq!(secret.expose(), "test_ly8G57h0ErRJSObJI6dSh");
/// ```
#[derive(Clone, Default)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into_boxed_str())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_even_inside_other_types() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            secret: Secret,
        }
        let holder = Holder {
            secret: Secret::new("hunter2"),
        };
        let text = format!("{holder:?} {holder:#?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
    }
}
