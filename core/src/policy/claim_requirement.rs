//! Requirements on a token's claims other than scopes: a claim equals a
//! value, includes a value, or is one of several values.
//!
//! The same type serves requirements on every token of an issuer or of the
//! authenticator (`Issuer::require`, `AuthenticatorBuilder::require`:
//! every token must have `gty == "client-credentials"`), per-handler ones
//! written in `#[require_scopes(..)]`, which builds them in a `const`
//! (hence the `Cow<'static, _>`s), and the checks a provider preset makes
//! of its access tokens (Amazon Cognito's `token_use == "access"`). A
//! failed requirement is `403 insufficient_scope`; a failed preset check
//! is `401 invalid_token`, as the token is not an access token at all.

use std::borrow::Cow;
use std::fmt;

use scopegate_grammar::claims::{ClaimKind, registered_claim};
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
/// use scopegate::policy::{ClaimRequirement, ClaimTest, ClaimValue};
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
    /// use scopegate::{error::{ClaimMismatch, ClaimMismatchKind}, policy::{ClaimRequirement, ClaimTest, ClaimValue}};
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

/// Why a claim requirement can never be met as written: what
/// [`ClaimRequirement::validate`] finds, and `#[require_scopes]` refuses at
/// compile time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimRequirementError {
    /// The claim's name is empty.
    #[error("a claim requirement names no claim")]
    EmptyName,
    /// `in [..]` with no value: no token could meet it.
    #[error("the requirement on `{claim}` accepts no value (an empty `in []`)")]
    NoValues {
        /// The claim.
        claim: String,
    },
    /// A value of another type than the registered claim's.
    #[error("`{claim}` is {expected}, so it can never equal {value}")]
    WrongType {
        /// The claim.
        claim: String,
        /// Its type.
        expected: ClaimKind,
        /// The value given.
        value: ClaimValue,
    },
    /// `==` or `in` on a claim that is a list (`aud`, `scope`, `scopes`).
    #[error("`{claim}` is a list of strings: require that it includes a value")]
    ListNeedsIncludes {
        /// The claim.
        claim: String,
    },
    /// `includes` on a registered claim that is not a list.
    #[error("`{claim}` is {expected}, not a list: require that it equals a value")]
    IncludesOnScalar {
        /// The claim.
        claim: String,
        /// Its type.
        expected: ClaimKind,
    },
}

impl ClaimRequirement {
    /// Checks that this requirement can be met at all: a claim name, at
    /// least one value, and, for the claims scopegate reads itself (`exp`,
    /// `iss`, `aud`, ... see [`registered_claim`]), values of their type and
    /// a test that fits (`includes` for the lists).
    ///
    /// ```
    /// use scopegate::policy::{ClaimRequirement, ClaimTest, ClaimValue};
    ///
    /// let soon = ClaimRequirement::new("exp", ClaimTest::Equals(ClaimValue::str("soon")));
    /// assert!(soon.validate().is_err());
    /// let access = ClaimRequirement::new("token_use", ClaimTest::Equals(ClaimValue::str("access")));
    /// assert!(access.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), ClaimRequirementError> {
        let claim = || self.claim.to_string();
        if self.claim.is_empty() {
            return Err(ClaimRequirementError::EmptyName);
        }
        if let ClaimTest::OneOf(values) = &self.test
            && values.is_empty()
        {
            return Err(ClaimRequirementError::NoValues { claim: claim() });
        }
        let Some(kind) = registered_claim(&self.claim) else {
            return Ok(());
        };
        let values: &[ClaimValue] = match &self.test {
            ClaimTest::Includes(value) if kind == ClaimKind::StringList => {
                std::slice::from_ref(value)
            }
            ClaimTest::Includes(_) => {
                return Err(ClaimRequirementError::IncludesOnScalar {
                    claim: claim(),
                    expected: kind,
                });
            }
            _ if kind == ClaimKind::StringList => {
                return Err(ClaimRequirementError::ListNeedsIncludes { claim: claim() });
            }
            ClaimTest::Equals(value) => std::slice::from_ref(value),
            ClaimTest::OneOf(values) => values,
        };
        let fits = |value: &ClaimValue| match kind {
            ClaimKind::Integer => matches!(value, ClaimValue::Int(_)),
            ClaimKind::String | ClaimKind::StringList => matches!(value, ClaimValue::Str(_)),
        };
        match values.iter().find(|value| !fits(value)) {
            Some(value) => Err(ClaimRequirementError::WrongType {
                claim: claim(),
                expected: kind,
                value: value.clone(),
            }),
            None => Ok(()),
        }
    }

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

/// A claim's or a path parameter's name as `#[require_scopes]` takes it:
/// bare when it is an identifier (`gty`), else in double quotes
/// (`"https://acme.example/verified"`), so that it reads back as written.
pub(crate) struct AsWritten<'a>(pub(crate) &'a str);

impl fmt::Display for AsWritten<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        let identifier = self.0 != "_"
            && chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if identifier {
            f.write_str(self.0)
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

impl fmt::Display for ClaimRequirement {
    /// The requirement as the attribute writes it, inside `claim(..)`:
    /// `gty == "client_credentials"`, `"https://acme.example/verified" == true`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let claim = AsWritten(&self.claim);
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

#[cfg(test)]
mod validate_tests {
    use super::*;

    fn req(claim: &'static str, test: ClaimTest) -> ClaimRequirement {
        ClaimRequirement::new(claim, test)
    }

    #[test]
    fn requirements_that_can_never_be_met_are_refused() {
        use ClaimRequirementError as E;
        let cases = [
            (req("", ClaimTest::Equals(1.into())), "EmptyName"),
            (req("tid", ClaimTest::one_of(&[])), "NoValues"),
            (req("exp", ClaimTest::Equals("soon".into())), "WrongType"),
            (req("iss", ClaimTest::Equals(7.into())), "WrongType"),
            (
                req("aud", ClaimTest::Equals("api".into())),
                "ListNeedsIncludes",
            ),
            (req("scope", ClaimTest::Includes(true.into())), "WrongType"),
            (
                req("sub", ClaimTest::Includes("x".into())),
                "IncludesOnScalar",
            ),
        ];
        for (requirement, expected) in cases {
            let error = requirement.validate().expect_err(expected);
            let name = match error {
                E::EmptyName => "EmptyName",
                E::NoValues { .. } => "NoValues",
                E::WrongType { .. } => "WrongType",
                E::ListNeedsIncludes { .. } => "ListNeedsIncludes",
                E::IncludesOnScalar { .. } => "IncludesOnScalar",
            };
            assert_eq!(name, expected, "{requirement}");
        }
        for fine in [
            req("token_use", ClaimTest::Equals("access".into())),
            req("gty", ClaimTest::Equals(1.into())),
            req("aud", ClaimTest::Includes("api".into())),
            req("iat", ClaimTest::Equals(1_767_225_600.into())),
            req(
                "client_id",
                ClaimTest::OneOf(vec![ClaimValue::str("a")].into()),
            ),
        ] {
            assert_eq!(fine.validate(), Ok(()), "{fine}");
        }
    }
}
