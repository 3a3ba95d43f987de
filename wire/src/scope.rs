//! What one scope is on the wire: a `scope-token` of RFC 6749 §3.3. The
//! client checks the scopes it asks for with it, the resource server the
//! scopes a token grants.

/// Whether `scope` is a `scope-token` of RFC 6749 §3.3: one or more of
/// `%x21 / %x23-5B / %x5D-7E`, that is visible ASCII but `"` and `\`.
/// It needs not follow `resource:action`: `openid` is a scope token.
///
/// ```
/// use scopegate_wire::scope::is_scope_token;
///
/// assert!(is_scope_token("deploy:applications"));
/// assert!(is_scope_token("https://api.acme.com/read"));
/// assert!(!is_scope_token("two words"));
/// assert!(!is_scope_token(""));
/// ```
pub fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_excluded_byte_is_refused() {
        for bad in ["a b", "a\"b", "a\\b", "a\tb", "é", "a\u{7f}"] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
        assert!(is_scope_token("!#[]~"));
    }
}
