//! The validated token handed to handlers.

pub(crate) mod sources;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::claims::sources::ClientIdClaim;

/// The claims of a validated access token.
///
/// A `Claims` only exists for a token whose signature, issuer, audience and
/// lifetime were checked. It is cheap to clone (one reference count) and is an
/// actix-web extractor: a handler that takes `Claims` receives the caller's
/// validated token, or the request is refused with `401`.
///
/// Registered claims (RFC 7519 §4.1) and Scalekit's `client_id` and `oid` have
/// accessors; every other claim is reachable with [`Claims::get`] (typed) or
/// [`Claims::claim`] (raw JSON).
///
/// # Granted scopes
///
/// Scalekit puts the granted scopes in a `scopes` JSON array; RFC 9068 and
/// RFC 8693 issuers use a `scope` string of space-separated scopes. Those two
/// are read by default; each trusted issuer can name its own sources
/// ([`ScopeSource`](crate::ScopeSource): `scope`, `scopes`, `scp`, `roles`,
/// `permissions`; see [`Issuer::scope_sources`](crate::Issuer::scope_sources)).
///
/// When a token carries several of its issuer's sources, none wins: a scope
/// counts as granted only when **every source present** lists it (the
/// intersection). Adding a source to the configuration, or a claim to a
/// token, can therefore only narrow what is granted, never widen it: the
/// result is a subset of each present source, all of them signed by the
/// issuer, and if they disagree the narrower reading is the safe one. A
/// source absent from the token restricts nothing (a client-credentials
/// token of Microsoft Entra ID has `roles` and no `scp`). A configured
/// source of the wrong JSON type (a `scopes` that is not an array of
/// strings, a `scope` that is not a string) makes the token invalid.
///
/// Only scope tokens are granted (RFC 6749 §3.3: visible ASCII characters
/// other than `"` and `\`): in a `scope` string a single space separates
/// them, and a tab or a newline is not a separator but makes the item it
/// is in grant nothing; an array element that holds a space, or is empty,
/// grants nothing either (it is not split).
///
/// # Client id
///
/// [`client_id`](Self::client_id) reads the first of the issuer's
/// client-id claims the token has ([`ClientIdClaim`](crate::ClientIdClaim):
/// `client_id` by default; `azp` for Auth0 and Microsoft Entra ID v2.0,
/// `cid` for Okta, `appid` for Entra ID v1.0).
///
/// # Which issuer
///
/// An authenticator may trust several issuers.
/// [`trusted_issuer`](Self::trusted_issuer) is the configured entry that
/// accepted the token (its issuer, or its multi-tenant template), and
/// [`issuer_entry`](Self::issuer_entry) its place in
/// [`Authenticator::trusted_issuers`](crate::Authenticator::trusted_issuers);
/// [`iss`](Self::iss) is the token's own `iss`.
#[derive(Clone)]
pub struct Claims {
    inner: Arc<ClaimsData>,
}

#[derive(Debug)]
pub(crate) struct ClaimsData {
    pub(crate) iss: String,
    pub(crate) sub: Option<String>,
    pub(crate) aud: Vec<String>,
    pub(crate) exp: i64,
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
    pub(crate) jti: Option<String>,
    pub(crate) client_id: Option<String>,
    /// Where [`Claims::client_id`] reads the client id.
    pub(crate) client_id_from: Option<ClientIdClaim>,
    pub(crate) oid: Option<String>,
    pub(crate) scopes: Vec<String>,
    /// The trusted issuer entry that accepted the token: its index and its
    /// label.
    pub(crate) issuer_entry: usize,
    pub(crate) issuer_label: Arc<str>,
    /// The issuer's [scope prefix](crate::Issuer::scope_prefix), taken off
    /// the granted scopes and put back on the scopes a challenge asks for.
    pub(crate) scope_prefix: Option<Arc<str>>,
    /// The identity of the authenticator that verified the token (0 until
    /// one does): claims another authenticator kept in a request are not
    /// reused.
    pub(crate) verified_by: u64,
    pub(crate) other: Map<String, Value>,
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Claims are not secrets, but custom claims may be personal data:
        // only the names of the other claims are shown.
        let d = &self.inner;
        f.debug_struct("Claims")
            .field("iss", &d.iss)
            .field("sub", &d.sub)
            .field("aud", &d.aud)
            .field("exp", &d.exp)
            .field("client_id", &self.client_id())
            .field("oid", &d.oid)
            .field("scopes", &d.scopes)
            .field("other", &d.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A custom claim could not be read as the type asked for.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The token has no claim of that name.
    #[error("the token has no `{0}` claim")]
    Missing(String),
    /// The claim exists but does not deserialize into the type asked for.
    #[error("the `{name}` claim has an unexpected shape: {source}")]
    Invalid {
        /// The claim's name.
        name: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

impl Claims {
    pub(crate) fn from_data(data: ClaimsData) -> Self {
        Claims {
            inner: Arc::new(data),
        }
    }

    pub(crate) fn data(&self) -> &ClaimsData {
        &self.inner
    }

    /// A rough count of the heap bytes these claims hold, for cache weighing.
    pub(crate) fn approximate_size(&self) -> usize {
        let d = &self.inner;
        let strings = [&d.sub, &d.jti, &d.client_id, &d.oid]
            .iter()
            .map(|s| s.as_ref().map_or(0, String::len))
            .sum::<usize>();
        let lists = d
            .aud
            .iter()
            .chain(&d.scopes)
            .map(|s| s.len() + 24)
            .sum::<usize>();
        // Custom claims: their names plus a flat allowance per value.
        let other = d
            .other
            .iter()
            .map(|(k, v)| k.len() + 48 + value_size(v))
            .sum::<usize>();
        std::mem::size_of::<ClaimsData>() + d.iss.len() + strings + lists + other
    }

    /// `iss`: the issuer that signed the token, as the token writes it (one
    /// of the trusted issuers; see [`trusted_issuer`](Self::trusted_issuer)).
    pub fn iss(&self) -> &str {
        &self.inner.iss
    }

    /// `sub`: the subject. For Scalekit API clients, the client id.
    pub fn sub(&self) -> Option<&str> {
        self.inner.sub.as_deref()
    }

    /// `aud`: the audiences, whether the token wrote one string or an array.
    pub fn aud(&self) -> &[String] {
        &self.inner.aud
    }

    /// `exp`: expiry, in seconds since the Unix epoch.
    pub fn exp(&self) -> i64 {
        self.inner.exp
    }

    /// `nbf`: not before, in seconds since the Unix epoch.
    pub fn nbf(&self) -> Option<i64> {
        self.inner.nbf
    }

    /// `iat`: issued at, in seconds since the Unix epoch (a fractional
    /// `iat` rounded down: the second the token was issued in).
    pub fn iat(&self) -> Option<i64> {
        self.inner.iat
    }

    /// `jti`: the token's unique id.
    pub fn jti(&self) -> Option<&str> {
        self.inner.jti.as_deref()
    }

    /// The API client the token was issued to: the first of its issuer's
    /// client-id claims the token has (`client_id` by default: Scalekit,
    /// RFC 9068; `azp`, `cid` or `appid` for other providers).
    pub fn client_id(&self) -> Option<&str> {
        let d = &self.inner;
        match d.client_id_from? {
            ClientIdClaim::ClientId => d.client_id.as_deref(),
            other => d.other.get(other.claim()).and_then(Value::as_str),
        }
    }

    /// The configured issuer entry that accepted this token: its exact
    /// issuer, or its multi-tenant template (for example
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`). One of a
    /// bounded set, unlike [`iss`](Self::iss): fit for a metrics label.
    pub fn trusted_issuer(&self) -> &str {
        &self.inner.issuer_label
    }

    /// The [scope prefix](crate::Issuer::scope_prefix) of that entry, if
    /// it has one: [`scopes`](Self::scopes) are the granted scopes without
    /// it, and the `scope` of an `insufficient_scope` challenge has it
    /// back, since the issuer knows the scopes by their full names.
    pub fn scope_prefix(&self) -> Option<&str> {
        self.inner.scope_prefix.as_deref()
    }

    /// The index of that entry in
    /// [`Authenticator::trusted_issuers`](crate::Authenticator::trusted_issuers)
    /// (0 for the issuer given to [`Authenticator::builder`](crate::Authenticator::builder)).
    pub fn issuer_entry(&self) -> usize {
        self.inner.issuer_entry
    }

    /// `oid`: the organization the API client belongs to (Scalekit).
    pub fn oid(&self) -> Option<&str> {
        self.inner.oid.as_deref()
    }

    /// The granted scopes, normalised from the issuer's scope sources
    /// (`scopes` and/or `scope` by default; see [Granted scopes](#granted-scopes)).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// Whether `scope` was granted (exact, case-sensitive comparison).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.iter().any(|s| s == scope)
    }

    /// A claim other than the registered ones and `client_id`, `oid`, and
    /// `scope`, `scopes` when they are scope sources of the token's issuer,
    /// as raw JSON (`scp`, `roles`, `permissions`, `azp`, `tid`... are here,
    /// sources or not).
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.inner.other.get(name)
    }

    /// Every claim [`claim`](Self::claim) can read.
    pub fn other_claims(&self) -> &Map<String, Value> {
        &self.inner.other
    }

    /// Any claim by name as JSON, the registered ones and `client_id`,
    /// `oid`, `scope`, `scopes` included (rebuilt from their checked form:
    /// `aud` is always an array here, `scope` and `scopes` the granted
    /// scopes). What claim requirements read.
    pub fn claim_value(&self, name: &str) -> Option<Value> {
        let d = &self.inner;
        let string = |s: &Option<String>| s.as_ref().map(|s| Value::String(s.clone()));
        let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
        match name {
            "iss" => Some(Value::String(d.iss.clone())),
            "sub" => string(&d.sub),
            "aud" => Some(strings(&d.aud)),
            "exp" => Some(Value::from(d.exp)),
            "nbf" => d.nbf.map(Value::from),
            "iat" => d.iat.map(Value::from),
            "jti" => string(&d.jti),
            "client_id" => string(&d.client_id),
            "oid" => string(&d.oid),
            "scope" => Some(Value::String(d.scopes.join(" "))),
            "scopes" => Some(strings(&d.scopes)),
            other => d.other.get(other).cloned(),
        }
    }

    /// A custom claim, deserialized into `T`.
    ///
    /// ```
    /// # fn demo(claims: scopegate::Claims) -> Result<(), scopegate::error::ClaimError> {
    /// let repository: String = claims.get("github_repository")?;
    /// let environment: Option<String> = claims.get_opt("environment")?;
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, ClaimError> {
        self.get_opt(name)?
            .ok_or_else(|| ClaimError::Missing(name.to_owned()))
    }

    /// Like [`Claims::get`], but a missing claim is `Ok(None)`.
    pub fn get_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ClaimError> {
        self.inner
            .other
            .get(name)
            .map(|value| {
                T::deserialize(value).map_err(|source| ClaimError::Invalid {
                    name: name.to_owned(),
                    source,
                })
            })
            .transpose()
    }

    /// All custom claims at once, deserialized into a struct of your own.
    pub fn custom<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.inner.other.clone()))
    }
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(|v| 16 + value_size(v)).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + 48 + value_size(v)).sum(),
        _ => 0,
    }
}
