//! The `WWW-Authenticate` challenge of a refusal as typed parameters
//! ([`Challenge`]): RFC 6750 §3's `error`, `error_description` and `scope`,
//! and RFC 9728 §5.1's `resource_metadata`.
//!
//! A challenge is built from values, then rendered once: a parameter is
//! added by setting a field, never by searching or patching the header's
//! text (which quotes text a token chose, such as its `kid` or `iss`).

use std::fmt;

/// A `Bearer` challenge (RFC 6750 §3), rendered by its [`Display`](fmt::Display) as
/// `Bearer error="..", error_description="..", scope="..",
/// resource_metadata=".."`, each parameter only when set, in that order.
///
/// Values are kept as given and made safe for a quoted string when
/// rendered: `"` becomes `'`, `\` becomes `/`, and anything outside
/// visible ASCII and the space becomes `?` (RFC 6750 §3 allows
/// %x20-21 / %x23-5B / %x5D-7E).
///
/// ```
/// use scopegate::{AuthError, error::Challenge};
///
/// let mut challenge = AuthError::MissingToken.bearer_challenge().unwrap();
/// assert_eq!(challenge.to_string(), "Bearer");
/// challenge.resource_metadata =
///     Some("https://api.example.com/.well-known/oauth-protected-resource".into());
/// assert_eq!(
///     challenge.to_string(),
///     "Bearer resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\""
/// );
///
/// let challenge = Challenge::bearer().error("invalid_token").description("the token \"expired\"");
/// assert_eq!(
///     challenge.to_string(),
///     "Bearer error=\"invalid_token\", error_description=\"the token 'expired'\""
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// The OAuth error code (`invalid_request`, `invalid_token`,
    /// `insufficient_scope`); `None` for a request that carried no token.
    pub error: Option<&'static str>,
    /// The human-readable `error_description`.
    pub error_description: Option<String>,
    /// The scopes that would be enough (space-separated), on
    /// `insufficient_scope` for a missing scope.
    pub scope: Option<String>,
    /// The URL of the resource's RFC 9728 metadata document.
    pub resource_metadata: Option<String>,
}

impl Challenge {
    /// A bare `Bearer` challenge, with no parameter.
    pub fn bearer() -> Self {
        Challenge::default()
    }

    /// The same challenge with an `error` code.
    #[must_use]
    pub fn error(mut self, code: &'static str) -> Self {
        self.error = Some(code);
        self
    }

    /// The same challenge with an `error_description`.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.error_description = Some(description.into());
        self
    }

    /// The same challenge with a `scope`.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The same challenge with a `resource_metadata` URL.
    #[must_use]
    pub fn resource_metadata(mut self, url: impl Into<String>) -> Self {
        self.resource_metadata = Some(url.into());
        self
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer")?;
        let params = [
            ("error", self.error),
            ("error_description", self.error_description.as_deref()),
            ("scope", self.scope.as_deref()),
            ("resource_metadata", self.resource_metadata.as_deref()),
        ];
        let mut separator = " ";
        for (name, value) in params {
            let Some(value) = value else { continue };
            write!(f, "{separator}{name}=\"")?;
            write_quoted_safe(f, value)?;
            f.write_str("\"")?;
            separator = ", ";
        }
        Ok(())
    }
}

/// Writes `text` with only the characters a quoted string may hold (see
/// [`Challenge`]).
fn write_quoted_safe(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    use fmt::Write;
    for c in text.chars() {
        f.write_char(match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })?;
    }
    Ok(())
}

/// Whether an auth-param named `name` stands among a challenge's
/// parameters (the text after its scheme), outside any quoted string:
/// `error_description="resource_metadata=x"` names no `resource_metadata`.
/// Names compare without regard to case (RFC 9110 §11.2).
pub(crate) fn names_param(params: &str, name: &str) -> bool {
    let bytes = params.as_bytes();
    let name = name.as_bytes();
    let (mut quoted, mut escaped, mut at_name) = (false, false, true);
    for (i, &b) in bytes.iter().enumerate() {
        if quoted {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                quoted = true;
                at_name = false;
            }
            b',' => at_name = true,
            b' ' | b'\t' => {}
            _ if at_name => {
                at_name = false;
                let rest = &bytes[i..];
                if rest.len() > name.len()
                    && rest[..name.len()].eq_ignore_ascii_case(name)
                    && rest[name.len()..].trim_ascii_start().first() == Some(&b'=')
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_render_in_order_and_only_when_set() {
        assert_eq!(Challenge::bearer().to_string(), "Bearer");
        assert_eq!(
            Challenge::bearer()
                .error("insufficient_scope")
                .description("d")
                .scope("a:b c:d")
                .resource_metadata("https://x/.well-known/oauth-protected-resource")
                .to_string(),
            "Bearer error=\"insufficient_scope\", error_description=\"d\", scope=\"a:b c:d\", \
             resource_metadata=\"https://x/.well-known/oauth-protected-resource\""
        );
        assert_eq!(
            Challenge::bearer().resource_metadata("u").to_string(),
            "Bearer resource_metadata=\"u\""
        );
    }

    #[test]
    fn values_are_made_safe_for_a_quoted_string() {
        assert_eq!(
            Challenge::bearer()
                .description("a \"b\" \\ c\né")
                .to_string(),
            "Bearer error_description=\"a 'b' / c??\""
        );
    }

    #[test]
    fn a_parameter_is_found_only_outside_quoted_strings() {
        assert!(names_param(" resource_metadata=\"u\"", "resource_metadata"));
        assert!(names_param(
            " error=\"x\", Resource_Metadata = \"u\"",
            "resource_metadata"
        ));
        assert!(!names_param(
            " error=\"invalid_token\", error_description=\"kid resource_metadata=http://evil\"",
            "resource_metadata"
        ));
        assert!(!names_param(
            " error_description=\"a \\\" , resource_metadata=x\"",
            "resource_metadata"
        ));
        assert!(!names_param(
            " resource_metadata_x=\"u\"",
            "resource_metadata"
        ));
        assert!(!names_param("", "resource_metadata"));
    }
}
