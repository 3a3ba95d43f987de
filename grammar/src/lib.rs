//! The scope grammar of scopegate, written once and used twice: by the
//! `#[require_scopes]` macro at compile time and by the runtime wherever
//! scopes arrive at run time (configuration, client registration).
//!
//! # The grammar
//!
//! A scope that a handler *requires* has the form `resource:action`:
//!
//! ```text
//! scope    = segment ":" segment
//! segment  = lower *( lower / digit / "_" / "-" / "." )    ; 1 to 64 characters
//! lower    = "a" .. "z"
//! digit    = "0" .. "9"
//! ```
//!
//! * exactly one `:` separates two non-empty segments;
//! * each segment starts with a lowercase ASCII letter and continues with
//!   lowercase ASCII letters, digits, `_`, `-` or `.`;
//! * each segment is at most [`MAX_SEGMENT_LEN`] characters long;
//! * no whitespace, no uppercase, no wildcard (`*`): a required scope is
//!   always one exact permission.
//!
//! Valid: `deploy:applications`, `read:deployments`, `billing.invoices:read`,
//! `audit-log:export_v2`.
//!
//! Scopes *granted* in a token are not held to this grammar: they are opaque
//! strings compared exactly, so a token may also carry `openid` or `email`.
//!
//! ```
//! use scopegate_grammar::{parse_scope, ScopeError};
//!
//! let scope = parse_scope("deploy:applications").unwrap();
//! assert_eq!(scope.resource(), "deploy");
//! assert_eq!(scope.action(), "applications");
//!
//! assert_eq!(parse_scope("deploy"), Err(ScopeError::MissingColon));
//! ```
//!
//! The [`catalog`] module parses a scope catalog: the scopes an API
//! defines, each with a description, which `#[require_scopes]` checks every
//! required scope against. The [`claims`] module knows the JSON types of
//! the registered claims a claim requirement may name.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;

pub mod alternatives;
pub mod catalog;
pub mod claims;

/// The longest a resource or an action may be, in characters.
pub const MAX_SEGMENT_LEN: usize = 64;

/// A valid example, quoted by every error message.
pub const EXAMPLE: &str = "deploy:applications";

/// A scope that follows the `resource:action` grammar, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope<'a> {
    text: &'a str,
    colon: usize,
}

impl<'a> Scope<'a> {
    /// The whole scope, as written.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The part before the `:`.
    pub fn resource(&self) -> &'a str {
        &self.text[..self.colon]
    }

    /// The part after the `:`.
    pub fn action(&self) -> &'a str {
        &self.text[self.colon + 1..]
    }
}

impl fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// Which half of a scope an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// The part before the `:`.
    Resource,
    /// The part after the `:`.
    Action,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Resource => "resource",
            Segment::Action => "action",
        })
    }
}

/// Why a string is not a valid `resource:action` scope.
///
/// `Display` gives a message that says what was expected and shows a valid
/// example; positions are byte offsets into the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// The scope is the empty string.
    Empty,
    /// There is no `:` between resource and action.
    MissingColon,
    /// There is more than one `:`; `at` is the offset of the second.
    ExtraColon {
        /// Byte offset of the second `:`.
        at: usize,
    },
    /// Nothing stands on one side of the `:`.
    EmptySegment(Segment),
    /// A whitespace character was found.
    Whitespace {
        /// Byte offset of the whitespace.
        at: usize,
    },
    /// An uppercase ASCII letter was found.
    Uppercase {
        /// Byte offset of the letter.
        at: usize,
        /// The letter.
        ch: char,
    },
    /// A character outside the grammar's set was found.
    InvalidChar {
        /// Byte offset of the character.
        at: usize,
        /// The character.
        ch: char,
    },
    /// A segment starts with something other than a lowercase letter.
    BadStart {
        /// The segment.
        segment: Segment,
        /// Its first character.
        ch: char,
    },
    /// A segment is longer than [`MAX_SEGMENT_LEN`].
    TooLong {
        /// The segment.
        segment: Segment,
        /// Its length in characters.
        len: usize,
    },
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Empty => write!(f, "a scope cannot be empty"),
            ScopeError::MissingColon => {
                write!(f, "a scope needs a `:` between resource and action")
            }
            ScopeError::ExtraColon { at } => write!(
                f,
                "a scope has exactly one `:`, found a second one at byte {at}"
            ),
            ScopeError::EmptySegment(segment) => {
                write!(f, "the {segment} of a scope cannot be empty")
            }
            ScopeError::Whitespace { at } => {
                write!(f, "a scope cannot contain whitespace (found at byte {at})")
            }
            ScopeError::Uppercase { at, ch } => write!(
                f,
                "scopes are lowercase: found `{ch}` at byte {at}, write `{}`",
                ch.to_ascii_lowercase()
            ),
            ScopeError::InvalidChar { at, ch } => write!(
                f,
                "`{}` (at byte {at}) is not allowed in a scope; use lowercase letters, digits, `_`, `-` or `.`",
                ch.escape_debug()
            ),
            ScopeError::BadStart { segment, ch } => write!(
                f,
                "the {segment} of a scope must start with a lowercase letter, not `{}`",
                ch.escape_debug()
            ),
            ScopeError::TooLong { segment, len } => write!(
                f,
                "the {segment} of a scope is at most {MAX_SEGMENT_LEN} characters, this one has {len}"
            ),
        }?;
        write!(f, "; expected `resource:action`, e.g. \"{EXAMPLE}\"")
    }
}

impl std::error::Error for ScopeError {}

/// Checks `text` against the grammar and returns it as a [`Scope`].
///
/// Errors are reported for the first offending character, scanning left to
/// right, so a message always points at something the writer can fix.
pub fn parse_scope(text: &str) -> Result<Scope<'_>, ScopeError> {
    if text.is_empty() {
        return Err(ScopeError::Empty);
    }
    let mut colon = None;
    for (at, ch) in text.char_indices() {
        match ch {
            ':' if colon.is_none() => colon = Some(at),
            ':' => return Err(ScopeError::ExtraColon { at }),
            'a'..='z' | '0'..='9' | '_' | '-' | '.' => {}
            c if c.is_whitespace() => return Err(ScopeError::Whitespace { at }),
            c if c.is_ascii_uppercase() => return Err(ScopeError::Uppercase { at, ch: c }),
            c => return Err(ScopeError::InvalidChar { at, ch: c }),
        }
    }
    let colon = colon.ok_or(ScopeError::MissingColon)?;
    check_segment(&text[..colon], Segment::Resource)?;
    check_segment(&text[colon + 1..], Segment::Action)?;
    Ok(Scope { text, colon })
}

/// Whether `text` follows the grammar.
pub fn is_valid_scope(text: &str) -> bool {
    parse_scope(text).is_ok()
}

fn check_segment(segment_text: &str, segment: Segment) -> Result<(), ScopeError> {
    let first = segment_text
        .chars()
        .next()
        .ok_or(ScopeError::EmptySegment(segment))?;
    if !first.is_ascii_lowercase() {
        return Err(ScopeError::BadStart { segment, ch: first });
    }
    // Every character is ASCII by now, so bytes are characters.
    if segment_text.len() > MAX_SEGMENT_LEN {
        return Err(ScopeError::TooLong {
            segment,
            len: segment_text.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_scalekits_example_scopes_and_the_documented_set() {
        for ok in [
            "deploy:applications",
            "read:deployments",
            "deployments:read",
            "applications:create",
            "billing.invoices:read",
            "audit-log:export_v2",
            "a:b",
        ] {
            let scope = parse_scope(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(scope.as_str(), ok);
        }
    }

    #[test]
    fn splits_resource_and_action() {
        let scope = parse_scope("read:deployments").unwrap();
        assert_eq!((scope.resource(), scope.action()), ("read", "deployments"));
    }

    #[test]
    fn rejects_each_rule_with_its_own_error() {
        use ScopeError::*;
        let cases: &[(&str, ScopeError)] = &[
            ("", Empty),
            ("deploy", MissingColon),
            ("a:b:c", ExtraColon { at: 3 }),
            (":b", EmptySegment(Segment::Resource)),
            ("a:", EmptySegment(Segment::Action)),
            ("a: b", Whitespace { at: 2 }),
            ("a:\tb", Whitespace { at: 2 }),
            ("Deploy:x", Uppercase { at: 0, ch: 'D' }),
            ("deploy:*", InvalidChar { at: 7, ch: '*' }),
            ("dé:x", InvalidChar { at: 1, ch: 'é' }),
            (
                "1deploy:x",
                BadStart {
                    segment: Segment::Resource,
                    ch: '1',
                },
            ),
            (
                "x:_y",
                BadStart {
                    segment: Segment::Action,
                    ch: '_',
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_scope(text).as_ref(), Err(want), "{text:?}");
        }
        let long = format!("{}:x", "a".repeat(MAX_SEGMENT_LEN + 1));
        assert_eq!(
            parse_scope(&long),
            Err(TooLong {
                segment: Segment::Resource,
                len: MAX_SEGMENT_LEN + 1
            })
        );
        assert!(parse_scope(&format!("{}:x", "a".repeat(MAX_SEGMENT_LEN))).is_ok());
    }

    #[test]
    fn every_message_names_the_shape_and_an_example() {
        for bad in ["", "x", "a:b:c", "A:b", "a:*", "a b:c", "1:b", ":b"] {
            let message = parse_scope(bad).unwrap_err().to_string();
            assert!(message.contains("resource:action"), "{message}");
            assert!(message.contains(EXAMPLE), "{message}");
        }
    }
}
