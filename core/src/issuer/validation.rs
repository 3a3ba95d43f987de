//! The claims of a verified token, read and checked (RFC 7519 §4.1, §7.2,
//! RFC 8725, RFC 9068 §4): issuer, lifetime with leeway, audience, the types
//! of the registered claims, and the granted scopes.
//!
//! Hand-written rather than jsonwebtoken's `Validation` because the rules
//! are stricter and the reading is cheaper. Stricter: a NumericDate must be
//! a JSON number (never a string), `iss` and `exp` are required, every
//! configured scope source (`scope` and `scopes` by default; `scp`, `roles`,
//! `permissions`) is read and they are intersected when several are
//! present, and every claim of the wrong type is refused with a
//! [`TokenError`] naming it.
//! Cheaper: the payload is read in one pass into a slot per known claim
//! ([`RawClaims`]), which measured at half the cost of reading a `Map` and
//! taking the claims out of it.

use std::fmt;

use scopegate_wire::scope::is_scope_token;
use scopegate_wire::text::printable;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use std::sync::Arc;

use crate::claims::ClaimsData;
use crate::claims::sources::{ClientIdClaim, ScopeSource};
use crate::error::TokenError;
use crate::issuer::pattern::{IssuerMatch, IssuerPattern};
use crate::jose::jws::SHOWN_CHARS;

/// The payload's claims, read in one pass: those scopegate checks by name
/// each in its own slot, every other one in `other`. (Reading the whole
/// object into a `Map` and taking the known claims out of it cost twice as
/// much: a key string and two B-tree operations per claim.) As with a `Map`,
/// a repeated claim keeps its last value.
#[derive(Default)]
pub(crate) struct RawClaims {
    iss: Option<Value>,
    sub: Option<Value>,
    aud: Option<Value>,
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
    jti: Option<Value>,
    client_id: Option<Value>,
    oid: Option<Value>,
    scope: Option<Value>,
    scopes: Option<Value>,
    other: Map<String, Value>,
}

impl RawClaims {
    /// The `iss`, read before the signature is verified, only to choose
    /// which trusted issuer's keys to verify with: `Ok(None)` when absent.
    pub(crate) fn iss(&self) -> Result<Option<&str>, TokenError> {
        match &self.iss {
            None => Ok(None),
            Some(Value::String(iss)) => Ok(Some(iss)),
            Some(_) => Err(wrong_type("iss", "a string")),
        }
    }

    /// Takes the claim `name` out of its slot, or reads it from `other`.
    fn take_source(&mut self, source: ScopeSource) -> Option<Value> {
        match source {
            ScopeSource::Scope => self.scope.take(),
            ScopeSource::Scopes => self.scopes.take(),
            // Left among the other claims, where handlers read them.
            _ => self.other.get(source.claim()).cloned(),
        }
    }

    /// The claim `name`, from its slot or from `other`.
    fn get(&self, name: &str) -> Option<&Value> {
        let slot = match name {
            "iss" => &self.iss,
            "sub" => &self.sub,
            "aud" => &self.aud,
            "exp" => &self.exp,
            "nbf" => &self.nbf,
            "iat" => &self.iat,
            "jti" => &self.jti,
            "client_id" => &self.client_id,
            "oid" => &self.oid,
            "scope" => &self.scope,
            "scopes" => &self.scopes,
            _ => return self.other.get(name),
        };
        slot.as_ref()
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        Some(match name {
            "iss" => &mut self.iss,
            "sub" => &mut self.sub,
            "aud" => &mut self.aud,
            "exp" => &mut self.exp,
            "nbf" => &mut self.nbf,
            "iat" => &mut self.iat,
            "jti" => &mut self.jti,
            "client_id" => &mut self.client_id,
            "oid" => &mut self.oid,
            "scope" => &mut self.scope,
            "scopes" => &mut self.scopes,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for RawClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawClaimsVisitor)
    }
}

struct RawClaimsVisitor;

impl<'de> Visitor<'de> for RawClaimsVisitor {
    type Value = RawClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims, A::Error> {
        let mut claims = RawClaims::default();
        while let Some(ClaimName(name)) = map.next_key()? {
            let value: Value = map.next_value()?;
            match claims.slot(&name) {
                Some(slot) => *slot = Some(value),
                None => {
                    claims.other.insert(name.into_owned(), value);
                }
            }
        }
        Ok(claims)
    }
}

/// A claim name, borrowed from the payload when it has no escapes.
struct ClaimName<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = ClaimName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }

            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(ClaimName(name.into()))
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(ClaimName(name.to_owned().into()))
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<Self::Value, E> {
                Ok(ClaimName(name.into()))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// What the claims are checked against: one trusted issuer entry's rules.
pub(crate) struct ClaimRules<'a> {
    pub(crate) issuer: &'a IssuerPattern,
    pub(crate) audiences: &'a [String],
    pub(crate) scope_sources: &'a [ScopeSource],
    /// Only scopes starting with it are granted, without it
    /// ([`Issuer::scope_prefix`](crate::Issuer::scope_prefix)).
    pub(crate) scope_prefix: Option<&'a Arc<str>>,
    pub(crate) client_id_claims: &'a [ClientIdClaim],
    /// The entry's place among the trusted issuers, and its label.
    pub(crate) entry: usize,
    pub(crate) label: &'a Arc<str>,
    pub(crate) leeway: i64,
    pub(crate) now: i64,
}

impl<'a> ClaimRules<'a> {
    /// The rules of a single exact issuer with the default scope sources
    /// and client-id claim (for tests and the fuzz targets).
    pub(crate) fn basic(
        issuer: &'a IssuerPattern,
        label: &'a Arc<str>,
        audiences: &'a [String],
        leeway: i64,
        now: i64,
    ) -> Self {
        ClaimRules {
            issuer,
            audiences,
            scope_sources: &ScopeSource::DEFAULT,
            scope_prefix: None,
            client_id_claims: &ClientIdClaim::DEFAULT,
            entry: 0,
            label,
            leeway,
            now,
        }
    }
}

/// `iss` against the entry's pattern; for a multi-tenant issuer, its
/// tenant against the tenant claim.
fn check_issuer(raw: &RawClaims, iss: &str, rules: &ClaimRules<'_>) -> Result<(), TokenError> {
    match rules.issuer.matches(iss) {
        IssuerMatch::Yes(None) => Ok(()),
        IssuerMatch::Yes(Some(tenant)) => {
            let claim = rules.issuer.tenant_claim().unwrap_or("tid");
            match raw.get(claim) {
                Some(Value::String(value)) if value == tenant => Ok(()),
                Some(Value::String(_)) | None => Err(TokenError::IssuerTenantMismatch { claim }),
                Some(_) => Err(wrong_type(claim, "a string")),
            }
        }
        IssuerMatch::TenantNotAllowed(tenant) => Err(TokenError::TenantNotAllowed {
            tenant: printable(tenant, SHOWN_CHARS),
        }),
        IssuerMatch::No => Err(TokenError::WrongIssuer {
            issuer: printable(iss, SHOWN_CHARS),
            expected: rules.issuer.as_str().to_owned(),
        }),
    }
}

/// Checks the claims (RFC 7519 §7.2 steps 10 and on, RFC 9068 §4) and turns
/// them into [`ClaimsData`].
pub(crate) fn check_claims(
    mut raw: RawClaims,
    rules: &ClaimRules<'_>,
) -> Result<ClaimsData, TokenError> {
    let iss =
        take_string(raw.iss.take(), "iss")?.ok_or(TokenError::MissingClaim { claim: "iss" })?;
    check_issuer(&raw, &iss, rules)?;
    let exp = take_date(raw.exp.take(), "exp", Round::Down)?
        .ok_or(TokenError::MissingClaim { claim: "exp" })?;
    let nbf = take_date(raw.nbf.take(), "nbf", Round::Up)?;
    check_lifetime(exp, nbf, rules.leeway, rules.now)?;
    let iat_value = raw.iat.take();
    if let Some(latest) = take_date(iat_value.clone(), "iat", Round::Up)?
        && rules.now.saturating_add(rules.leeway) < latest
    {
        return Err(TokenError::IssuedInFuture);
    }
    // Kept rounded down: revocation compares `iat` with a cutoff, and a
    // token issued half a second before the cutoff was issued before it.
    let iat = take_date(iat_value, "iat", Round::Down)?;
    let aud = take_audience(raw.aud.take())?;
    if !rules.audiences.is_empty() {
        if aud.is_empty() {
            return Err(TokenError::AudienceMissing);
        }
        if !aud.iter().any(|a| rules.audiences.contains(a)) {
            return Err(TokenError::AudienceNotAccepted {
                accepted: rules.audiences.to_vec(),
            });
        }
    }
    let mut scopes = take_scopes(&mut raw, rules.scope_sources)?;
    if let Some(prefix) = rules.scope_prefix {
        strip_scope_prefix(&mut scopes, prefix);
    }
    let scope_prefix = rules.scope_prefix.map(Arc::clone);
    // `scope` and `scopes` when they are not sources: plain claims.
    for (name, slot) in [("scope", raw.scope.take()), ("scopes", raw.scopes.take())] {
        if let Some(value) = slot {
            raw.other.insert(name.to_owned(), value);
        }
    }
    let client_id = take_string(raw.client_id.take(), "client_id")?;
    let client_id_from = client_id_source(&raw, client_id.is_some(), rules.client_id_claims)?;
    Ok(ClaimsData {
        iss,
        sub: take_string(raw.sub.take(), "sub")?,
        aud,
        exp,
        nbf,
        iat,
        jti: take_string(raw.jti.take(), "jti")?,
        client_id,
        client_id_from,
        oid: take_string(raw.oid.take(), "oid")?,
        scopes,
        issuer_entry: rules.entry,
        issuer_label: Arc::clone(rules.label),
        scope_prefix,
        verified_by: 0,
        other: raw.other,
    })
}

/// The first configured client-id claim the token has; every configured
/// one must be a string when present.
fn client_id_source(
    raw: &RawClaims,
    has_client_id: bool,
    claims: &[ClientIdClaim],
) -> Result<Option<ClientIdClaim>, TokenError> {
    let mut found = None;
    for &claim in claims {
        let present = match claim {
            ClientIdClaim::ClientId => has_client_id,
            other => match raw.other.get(other.claim()) {
                None => false,
                Some(Value::String(_)) => true,
                Some(_) => return Err(wrong_type(other.claim(), "a string")),
            },
        };
        if present && found.is_none() {
            found = Some(claim);
        }
    }
    Ok(found)
}

/// `exp` and `nbf` against `now`, with `leeway` seconds of clock skew
/// (RFC 7519 §4.1.4, §4.1.5).
pub(crate) fn check_lifetime(
    exp: i64,
    nbf: Option<i64>,
    leeway: i64,
    now: i64,
) -> Result<(), TokenError> {
    if now >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired {
            ago_secs: now.saturating_sub(exp),
        });
    }
    if let Some(nbf) = nbf
        && now.saturating_add(leeway) < nbf
    {
        return Err(TokenError::NotYetValid {
            in_secs: nbf.saturating_sub(now),
        });
    }
    Ok(())
}

fn wrong_type(claim: &'static str, expected: &'static str) -> TokenError {
    TokenError::WrongClaimType { claim, expected }
}

fn take_string(value: Option<Value>, name: &'static str) -> Result<Option<String>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

/// Which way a fractional NumericDate goes: always toward refusing, so a
/// fraction never buys a token time (`exp` down; `nbf` up: an `nbf` of
/// `t + 0.7` is not yet valid at second `t`; `iat` up when checked against
/// the clock, down when kept, for revocation cutoffs).
#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds, never a string.
fn take_date(
    value: Option<Value>,
    name: &'static str,
    round: Round,
) -> Result<Option<i64>, TokenError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                // Fractional seconds are allowed; `as` saturates.
                Ok(Some(match round {
                    Round::Down => f.floor(),
                    Round::Up => f.ceil(),
                } as i64))
            } else {
                Err(wrong_type(name, "a number of seconds"))
            }
        }
        Some(_) => Err(wrong_type(name, "a number of seconds (NumericDate)")),
    }
}

fn take_audience(value: Option<Value>) -> Result<Vec<String>, TokenError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong_type("aud", "a string or an array of strings")),
            })
            .collect(),
        Some(_) => Err(wrong_type("aud", "a string or an array of strings")),
    }
}

/// The scopes one present source grants: a list, or a space-separated
/// string read in place.
enum Granted {
    List(Vec<String>),
    Spaced(String),
}

impl Granted {
    fn read(source: ScopeSource, value: Value) -> Result<Granted, TokenError> {
        let wrong = || wrong_type(source.claim(), source.expected());
        match (source, value) {
            (ScopeSource::Scope | ScopeSource::Scp, Value::String(s)) => Ok(Granted::Spaced(s)),
            (ScopeSource::Scope, _) => Err(wrong()),
            (_, Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(wrong()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Granted::List),
            _ => Err(wrong()),
        }
    }

    fn contains(&self, scope: &str) -> bool {
        match self {
            Granted::List(list) => list.iter().any(|s| s == scope),
            Granted::Spaced(string) => string.split(' ').any(|s| s == scope),
        }
    }

    /// The scopes granted, in order: only scope tokens (RFC 6749 §3.3), so
    /// a list element holding a space, a tab or any other character a scope
    /// cannot hold grants nothing, and is never split into scopes later
    /// (the `scope` claim handlers' claim requirements read is the granted
    /// scopes joined with spaces).
    fn into_vec(self) -> Vec<String> {
        match self {
            Granted::List(mut list) => {
                list.retain(|s| is_scope_token(s));
                list
            }
            Granted::Spaced(string) => string
                .split(' ')
                .filter(|s| is_scope_token(s))
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// Keeps the scopes that begin with `prefix` and hold more than it, with
/// the prefix taken off ([`Issuer::scope_prefix`](crate::Issuer::scope_prefix)).
fn strip_scope_prefix(scopes: &mut Vec<String>, prefix: &str) {
    scopes.retain_mut(|scope| match scope.strip_prefix(prefix) {
        Some(rest) if !rest.is_empty() => {
            *scope = rest.to_owned();
            true
        }
        _ => false,
    });
}

/// The granted scopes: those of the first configured source present that
/// every other present source lists too (the intersection, in the first
/// source's order). No source present: none granted.
fn take_scopes(raw: &mut RawClaims, sources: &[ScopeSource]) -> Result<Vec<String>, TokenError> {
    let mut present = Vec::with_capacity(sources.len());
    for &source in sources {
        if let Some(value) = raw.take_source(source) {
            present.push(Granted::read(source, value)?);
        }
    }
    let mut present = present.into_iter();
    let Some(first) = present.next() else {
        return Ok(Vec::new());
    };
    let others: Vec<Granted> = present.collect();
    let mut scopes = first.into_vec();
    if !others.is_empty() {
        scopes.retain(|scope| others.iter().all(|other| other.contains(scope)));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> ClaimRules<'static> {
        let issuer = Box::leak(Box::new(IssuerPattern::Exact("https://issuer.test".into())));
        let label = Box::leak(Box::new(Arc::from("https://issuer.test")));
        ClaimRules::basic(issuer, label, &[], 30, 1_000_000)
    }

    fn claims(extra: Value) -> RawClaims {
        let mut base = json!({"iss": "https://issuer.test", "exp": 1_000_100});
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        serde_json::from_value(base).expect("an object")
    }

    #[test]
    fn a_scope_prefix_grants_the_rest_of_the_scopes_that_begin_with_it() {
        let issuer = IssuerPattern::Exact("https://issuer.test".into());
        let label = Arc::from("https://issuer.test");
        let mut rules = ClaimRules::basic(&issuer, &label, &[], 30, 1_000_000);
        let prefix = Arc::from("api/");
        rules.scope_prefix = Some(&prefix);
        let raw = claims(json!({
            "scope": "api/a:b api/c:d api/ other/a:b e:f api/x:y",
            "scopes": ["api/a:b", "api/c:d", "api/", "e:f"],
        }));
        // Intersected first (`api/x:y` is in one source only), then the
        // prefix taken off; `api/` alone and `e:f` grant nothing.
        let data = check_claims(raw, &rules).unwrap();
        assert_eq!(data.scopes, ["a:b", "c:d"]);
    }

    #[test]
    fn dates_must_be_numbers() {
        for bad in [json!("1000100"), json!(true), json!(null), json!([1000100])] {
            let error = check_claims(claims(json!({"exp": bad})), &rules()).unwrap_err();
            assert!(error.to_string().contains("`exp`"), "{error}");
        }
        let error = check_claims(claims(json!({"nbf": "0"})), &rules()).unwrap_err();
        assert!(error.to_string().contains("`nbf`"));
        assert!(check_claims(claims(json!({"exp": 1_000_100.5})), &rules()).is_ok());
    }

    #[test]
    fn leeway_bounds_exp_and_nbf() {
        assert!(check_claims(claims(json!({"exp": 1_000_000 - 29})), &rules()).is_ok());
        assert!(check_claims(claims(json!({"exp": 1_000_000 - 30})), &rules()).is_err());
        assert!(check_claims(claims(json!({"nbf": 1_000_000 + 30})), &rules()).is_ok());
        assert!(check_claims(claims(json!({"nbf": 1_000_000 + 31})), &rules()).is_err());
    }

    #[test]
    fn fractional_dates_round_toward_refusal() {
        // Found by tests/differential.rs: `nbf` and `iat` were floored like
        // `exp`, so a fractional `nbf` counted up to a second early.
        assert!(check_claims(claims(json!({"nbf": 1_000_030.0})), &rules()).is_ok());
        assert_eq!(
            check_claims(claims(json!({"nbf": 1_000_030.2})), &rules()).err(),
            Some(TokenError::NotYetValid { in_secs: 31 })
        );
        assert_eq!(
            check_claims(claims(json!({"iat": 1_000_030.2})), &rules()).err(),
            Some(TokenError::IssuedInFuture)
        );
        // Kept rounded down, for revocation cutoffs (tests/revocation_rules.rs).
        let data = check_claims(claims(json!({"iat": 999_989.5})), &rules()).unwrap();
        assert_eq!(data.iat, Some(999_989));
        assert!(check_claims(claims(json!({"exp": 999_970.9})), &rules()).is_err());
        assert!(check_claims(claims(json!({"exp": 999_971.0})), &rules()).is_ok());
    }

    #[test]
    fn scope_and_scopes_are_normalised() {
        let data = check_claims(claims(json!({"scope": "a:b  c:d openid"})), &rules()).unwrap();
        assert_eq!(data.scopes, ["a:b", "c:d", "openid"]);
        let data = check_claims(
            claims(json!({"scopes": ["a:b", "c:d"], "scope": "c:d e:f"})),
            &rules(),
        )
        .unwrap();
        assert_eq!(data.scopes, ["c:d"]);
        assert!(check_claims(claims(json!({"scopes": "a:b"})), &rules()).is_err());
        assert!(check_claims(claims(json!({"scope": ["a:b"]})), &rules()).is_err());
        assert!(check_claims(claims(json!({"scopes": ["a:b", 1]})), &rules()).is_err());
    }

    /// `rules()` reading `sources` and `client_ids`.
    fn reading(
        sources: &'static [ScopeSource],
        client_ids: &'static [ClientIdClaim],
    ) -> ClaimRules<'static> {
        ClaimRules {
            scope_sources: sources,
            client_id_claims: client_ids,
            ..rules()
        }
    }

    #[test]
    fn every_provider_shape_of_scopes_is_read() {
        use ScopeSource::*;
        let scopes = |sources: &'static [ScopeSource], extra: Value| {
            check_claims(claims(extra), &reading(sources, &ClientIdClaim::DEFAULT))
                .map(|data| data.scopes)
        };
        assert_eq!(
            scopes(&[Scp], json!({"scp": "a:b c:d"})).unwrap(),
            ["a:b", "c:d"]
        );
        assert_eq!(scopes(&[Scp], json!({"scp": ["a:b"]})).unwrap(), ["a:b"]);
        assert_eq!(
            scopes(&[Roles], json!({"roles": ["a:b"]})).unwrap(),
            ["a:b"]
        );
        assert_eq!(
            scopes(&[Permissions], json!({"permissions": ["a:b"]})).unwrap(),
            ["a:b"]
        );
        // A claim that is not a configured source grants nothing...
        assert!(scopes(&[Scp], json!({"scope": "a:b"})).unwrap().is_empty());
        // ... and is left for handlers to read.
        let data = check_claims(
            claims(json!({"scope": "x:y", "scp": "a:b"})),
            &reading(&[Scp], &ClientIdClaim::DEFAULT),
        )
        .unwrap();
        assert_eq!(data.other["scope"], json!("x:y"));
        assert_eq!(data.other["scp"], json!("a:b"));
        // Several present sources: the intersection, in the first's order.
        assert_eq!(
            scopes(
                &[Scope, Permissions],
                json!({"scope": "c:d a:b e:f", "permissions": ["a:b", "c:d", "g:h"]})
            )
            .unwrap(),
            ["c:d", "a:b"]
        );
        assert!(
            scopes(&[Scp, Roles], json!({"scp": "a:b", "roles": []}))
                .unwrap()
                .is_empty()
        );
        // Wrong types name the claim.
        for (sources, extra, claim) in [
            (&[Roles][..], json!({"roles": "a:b"}), "roles"),
            (&[Scp][..], json!({"scp": 5}), "scp"),
            (&[Scp][..], json!({"scp": ["a:b", 1]}), "scp"),
            (
                &[Permissions][..],
                json!({"permissions": {"a": 1}}),
                "permissions",
            ),
        ] {
            match scopes(sources, extra) {
                Err(TokenError::WrongClaimType { claim: c, .. }) => assert_eq!(c, claim),
                other => panic!("{claim}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_client_id_comes_from_the_first_configured_claim_present() {
        use ClientIdClaim::*;
        let from = |ids: &'static [ClientIdClaim], extra: Value| {
            let data = check_claims(claims(extra), &reading(&ScopeSource::DEFAULT, ids))?;
            let claims = crate::claims::Claims::from_data(data);
            Ok::<_, TokenError>(claims.client_id().map(str::to_owned))
        };
        let token = json!({"client_id": "c", "azp": "a", "cid": "o", "appid": "v"});
        assert_eq!(
            from(&[ClientId], token.clone()).unwrap().as_deref(),
            Some("c")
        );
        assert_eq!(
            from(&[Azp, ClientId], token.clone()).unwrap().as_deref(),
            Some("a")
        );
        assert_eq!(from(&[Cid], token.clone()).unwrap().as_deref(), Some("o"));
        assert_eq!(from(&[Appid], token).unwrap().as_deref(), Some("v"));
        assert_eq!(
            from(&[Azp, Appid], json!({"appid": "v"}))
                .unwrap()
                .as_deref(),
            Some("v")
        );
        assert_eq!(from(&[Cid], json!({"client_id": "c"})).unwrap(), None);
        assert_eq!(
            from(&[Azp], json!({"azp": 7})).unwrap_err(),
            TokenError::WrongClaimType {
                claim: "azp",
                expected: "a string"
            }
        );
    }

    #[test]
    fn a_multi_tenant_issuer_checks_the_tenant_claim() {
        use crate::issuer::pattern::TenantIssuer;
        let template =
            TenantIssuer::new("https://login.test/{tenantid}/v2.0", Some("tid"), None).unwrap();
        let issuer = IssuerPattern::Tenant(template);
        let rules = ClaimRules {
            issuer: Box::leak(Box::new(issuer)),
            ..rules()
        };
        let token = |extra: Value| {
            let mut base = json!({"iss": "https://login.test/t1/v2.0", "exp": 1_000_100});
            if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
                base.extend(extra);
            }
            serde_json::from_value::<RawClaims>(base).unwrap()
        };
        assert!(check_claims(token(json!({"tid": "t1"})), &rules).is_ok());
        assert_eq!(
            check_claims(token(json!({"tid": "t2"})), &rules).err(),
            Some(TokenError::IssuerTenantMismatch { claim: "tid" })
        );
        assert_eq!(
            check_claims(token(json!({})), &rules).err(),
            Some(TokenError::IssuerTenantMismatch { claim: "tid" })
        );
        assert!(matches!(
            check_claims(token(json!({"tid": 1})), &rules).err(),
            Some(TokenError::WrongClaimType { claim: "tid", .. })
        ));
    }

    #[test]
    fn audience_is_required_when_configured() {
        let audiences = ["api.test".to_owned()];
        let rules = ClaimRules {
            audiences: &audiences,
            ..rules()
        };
        assert!(check_claims(claims(json!({})), &rules).is_err());
        assert!(check_claims(claims(json!({"aud": "other"})), &rules).is_err());
        assert!(check_claims(claims(json!({"aud": ["other", "api.test"]})), &rules).is_ok());
        assert!(check_claims(claims(json!({"aud": 5})), &rules).is_err());
    }

    #[test]
    fn the_payload_is_read_in_one_pass_like_a_map() {
        let payload = br#"{"iss": "https://issuer.test", "exp": 1000100, "sub": "a",
            "\u0073ub": "b", "env": "prod", "nested": {"x": [1, "y"]}, "env": "dev"}"#;
        let raw: RawClaims = serde_json::from_slice(payload).unwrap();
        let data = check_claims(raw, &rules()).unwrap();
        // An escaped name is the same name; a repeated claim keeps its last
        // value; unknown claims are kept whole.
        assert_eq!(data.sub.as_deref(), Some("b"));
        assert_eq!(data.other.len(), 2);
        assert_eq!(data.other["env"], json!("dev"));
        assert_eq!(data.other["nested"], json!({"x": [1, "y"]}));
        for not_an_object in [&b"[]"[..], b"\"iss\"", b"null", b"{\"iss\": }", b"{} x"] {
            assert!(serde_json::from_slice::<RawClaims>(not_an_object).is_err());
        }
    }

    #[test]
    fn each_claim_rule_has_its_reason() {
        let reason = |extra: Value| check_claims(claims(extra), &rules()).err();
        assert_eq!(
            reason(json!({"exp": 1_000_000 - 40})),
            Some(TokenError::Expired { ago_secs: 40 })
        );
        assert_eq!(
            reason(json!({"nbf": 1_000_000 + 45})),
            Some(TokenError::NotYetValid { in_secs: 45 })
        );
        assert_eq!(
            reason(json!({"iat": 1_000_000 + 31})),
            Some(TokenError::IssuedInFuture)
        );
        assert_eq!(
            reason(json!({"iss": "https://other.test"})),
            Some(TokenError::WrongIssuer {
                issuer: "https://other.test".into(),
                expected: "https://issuer.test".into(),
            })
        );
        assert_eq!(
            reason(json!({"iss": null})),
            Some(TokenError::WrongClaimType {
                claim: "iss",
                expected: "a string"
            })
        );
        assert_eq!(
            reason(json!({"exp": "soon"})),
            Some(TokenError::WrongClaimType {
                claim: "exp",
                expected: "a number of seconds (NumericDate)"
            })
        );
        assert_eq!(
            reason(json!({"scope": ["a:b"]})),
            Some(TokenError::WrongClaimType {
                claim: "scope",
                expected: "a space-separated string"
            })
        );
        let no_iss: RawClaims = serde_json::from_value(json!({"exp": 1_000_100})).unwrap();
        assert_eq!(
            check_claims(no_iss, &rules()).err(),
            Some(TokenError::MissingClaim { claim: "iss" })
        );
        let no_exp: RawClaims =
            serde_json::from_value(json!({"iss": "https://issuer.test"})).unwrap();
        let error = check_claims(no_exp, &rules()).unwrap_err();
        assert_eq!(error, TokenError::MissingClaim { claim: "exp" });
        assert_eq!(error.to_string(), "the token has no `exp` (expiry) claim");

        let audiences = ["api.test".to_owned(), "other.test".to_owned()];
        let rules = ClaimRules {
            audiences: &audiences,
            ..rules()
        };
        assert_eq!(
            check_claims(claims(json!({})), &rules).err(),
            Some(TokenError::AudienceMissing)
        );
        let error = check_claims(claims(json!({"aud": "x"})), &rules).unwrap_err();
        assert_eq!(
            error,
            TokenError::AudienceNotAccepted {
                accepted: audiences.to_vec()
            }
        );
        assert_eq!(
            error.to_string(),
            "the token is for another audience; this server accepts api.test, other.test"
        );
    }
}
