//! Requirements on a token's claims other than scopes: a claim equals a
//! value, includes a value, or is one of several values.
//!
//! The same type serves authenticator-wide requirements (every token must
//! have `token_use == "access"`) and per-handler ones written in
//! `#[require_scopes(..)]`, which builds them in a `const`: hence the
//! `Cow<'static, _>`s.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::claims::Claims;

/// A value a claim is compared with: a JSON string, integer or boolean.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClaimValue {
    /// A JSON string, compared exactly.
    Str(Cow<'static, str>),
    /// A JSON integer.
    Int(i64),
    /// A JSON boolean.
    Bool(bool),
}

impl ClaimValue {
    /// A string value, for `const` contexts.
    pub const fn str(value: &'static str) -> Self {
        ClaimValue::Str(Cow::Borrowed(value))
    }

    /// Whether the JSON `value` is this value (same type, same value).
    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (ClaimValue::Str(expected), Value::String(actual)) => expected == actual,
            (ClaimValue::Int(expected), Value::Number(actual)) => {
                actual.as_i64() == Some(*expected)
            }
            (ClaimValue::Bool(expected), Value::Bool(actual)) => expected == actual,
            _ => false,
        }
    }
}

impl fmt::Display for ClaimValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimValue::Str(s) => write!(f, "{s:?}"),
            ClaimValue::Int(n) => write!(f, "{n}"),
            ClaimValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<&'static str> for ClaimValue {
    fn from(value: &'static str) -> Self {
        ClaimValue::str(value)
    }
}

impl From<String> for ClaimValue {
    fn from(value: String) -> Self {
        ClaimValue::Str(Cow::Owned(value))
    }
}

impl From<i64> for ClaimValue {
    fn from(value: i64) -> Self {
        ClaimValue::Int(value)
    }
}

impl From<bool> for ClaimValue {
    fn from(value: bool) -> Self {
        ClaimValue::Bool(value)
    }
}

/// How a claim is tested.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClaimTest {
    /// The claim is exactly this value.
    Equals(ClaimValue),
    /// The claim is an array holding this value, or (for a string claim
    /// such as `scope`) a space-separated list holding it.
    Includes(ClaimValue),
    /// The claim is one of these values.
    OneOf(Cow<'static, [ClaimValue]>),
}

impl ClaimTest {
    /// [`ClaimTest::OneOf`] a static list, for `const` contexts.
    pub const fn one_of(values: &'static [ClaimValue]) -> Self {
        ClaimTest::OneOf(Cow::Borrowed(values))
    }
}

/// One requirement on one claim.
///
/// ```
/// use scopegate::{ClaimRequirement, ClaimTest, ClaimValue};
///
/// const ACCESS_TOKENS: ClaimRequirement =
///     ClaimRequirement::new("token_use", ClaimTest::Equals(ClaimValue::str("access")));
/// assert_eq!(ACCESS_TOKENS.to_string(), r#"token_use == "access""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimRequirement {
    /// The claim's name.
    pub claim: Cow<'static, str>,
    /// What its value must be.
    pub test: ClaimTest,
}

/// Why a claim requirement failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimMismatchKind {
    /// The token has no such claim.
    Missing,
    /// The claim has another value (or a value of another type).
    Different,
}

/// A claim requirement a token failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.requirement, *.kind))]
pub struct ClaimMismatch {
    /// The requirement.
    pub requirement: ClaimRequirement,
    /// Why it failed.
    pub kind: ClaimMismatchKind,
}

fn describe(requirement: &ClaimRequirement, kind: ClaimMismatchKind) -> String {
    match kind {
        ClaimMismatchKind::Missing => format!(
            "the token has no `{}` claim (required: {requirement})",
            requirement.claim
        ),
        ClaimMismatchKind::Different => {
            format!(
                "the token's `{}` claim does not satisfy {requirement}",
                requirement.claim
            )
        }
    }
}

impl ClaimMismatch {
    /// What a refused client is told: the claim, and whether it is missing
    /// or how it is tested, without the values required.
    ///
    /// ```
    /// use scopegate::{ClaimMismatch, ClaimMismatchKind, ClaimRequirement, ClaimTest, ClaimValue};
    ///
    /// let mismatch = ClaimMismatch {
    ///     requirement: ClaimRequirement::new("tid", ClaimTest::Equals(ClaimValue::str("acme"))),
    ///     kind: ClaimMismatchKind::Different,
    /// };
    /// assert_eq!(
    ///     mismatch.public_description(),
    ///     "the token's `tid` claim does not equal the value this endpoint requires"
    /// );
    /// assert!(mismatch.to_string().contains("acme"));
    /// ```
    pub fn public_description(&self) -> String {
        let claim = &self.requirement.claim;
        match (self.kind, &self.requirement.test) {
            (ClaimMismatchKind::Missing, _) => {
                format!("the token has no `{claim}` claim, which this endpoint requires")
            }
            (_, ClaimTest::Equals(_)) => {
                format!(
                    "the token's `{claim}` claim does not equal the value this endpoint requires"
                )
            }
            (_, ClaimTest::Includes(_)) => format!(
                "the token's `{claim}` claim does not include the value this endpoint requires"
            ),
            (_, ClaimTest::OneOf(_)) => {
                format!(
                    "the token's `{claim}` claim is not one of the values this endpoint accepts"
                )
            }
        }
    }
}

impl ClaimRequirement {
    /// A requirement on `claim`, for `const` contexts.
    pub const fn new(claim: &'static str, test: ClaimTest) -> Self {
        ClaimRequirement {
            claim: Cow::Borrowed(claim),
            test,
        }
    }

    /// Checks `claims`.
    pub fn check(&self, claims: &Claims) -> Result<(), ClaimMismatch> {
        let fail = |kind| {
            Err(ClaimMismatch {
                requirement: self.clone(),
                kind,
            })
        };
        let Some(value) = claims.claim_value(&self.claim) else {
            return fail(ClaimMismatchKind::Missing);
        };
        let ok = match &self.test {
            ClaimTest::Equals(expected) => expected.matches(&value),
            ClaimTest::Includes(expected) => match &value {
                Value::Array(items) => items.iter().any(|item| expected.matches(item)),
                Value::String(list) => match expected {
                    // Empty items (doubled, leading, trailing spaces) are
                    // not items: `includes ""` never matches a string.
                    ClaimValue::Str(expected) => list
                        .split(' ')
                        .any(|item| !item.is_empty() && item == expected),
                    _ => false,
                },
                _ => false,
            },
            ClaimTest::OneOf(values) => values.iter().any(|expected| expected.matches(&value)),
        };
        if ok {
            Ok(())
        } else {
            fail(ClaimMismatchKind::Different)
        }
    }
}

impl fmt::Display for ClaimRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let claim = &self.claim;
        match &self.test {
            ClaimTest::Equals(value) => write!(f, "{claim} == {value}"),
            ClaimTest::Includes(value) => write!(f, "{claim} includes {value}"),
            ClaimTest::OneOf(values) => {
                write!(f, "{claim} in [")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str("]")
            }
        }
    }
}
