//! Reading a compact JWS (RFC 7515 §7.1) and checking its claims
//! (RFC 7519 §7.2, RFC 8725, RFC 9068 §4).
//!
//! The token is data from an attacker: every step bounds its work, names
//! what it rejected, and never copies the token into an error message.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::claims::ClaimsData;
use crate::error::AuthError;
use crate::keys::{Algorithm, KeyMismatch, VerifyKey};

/// The three parts of a compact JWS, still encoded.
pub(crate) struct Compact<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) header: JoseHeader,
    pub(crate) alg: Algorithm,
}

/// The JOSE header members scopegate reads. `jwk`, `jku`, `x5u`, `x5c` are
/// deliberately not read: the key always comes from the configured JWKS.
#[derive(Deserialize)]
pub(crate) struct JoseHeader {
    alg: Option<String>,
    pub(crate) kid: Option<String>,
    typ: Option<Value>,
    crit: Option<Value>,
}

/// Splits `token` and checks its header against the allowed algorithms.
pub(crate) fn parse_compact<'a>(
    token: &'a str,
    allowed: &[Algorithm],
) -> Result<Compact<'a>, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::invalid_token(
            "the token is not a JWT: expected three dot-separated parts",
        ));
    };
    if parts.next().is_some() {
        return Err(AuthError::invalid_token(
            "the token has more than three parts; encrypted tokens (JWE) are not accepted",
        ));
    }
    let signing_input = &token[..header.len() + 1 + payload.len()];
    let header_bytes = decode_part(header, "header")?;
    let header: JoseHeader = serde_json::from_slice(&header_bytes)
        .map_err(|_| AuthError::invalid_token("the token header is not a valid JOSE header"))?;
    let alg_name = header
        .alg
        .as_deref()
        .ok_or_else(|| AuthError::invalid_token("the token header has no `alg`"))?;
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(AuthError::invalid_token(
            "unsigned tokens (`alg: none`) are never accepted",
        ));
    }
    let alg = alg_name
        .parse::<Algorithm>()
        .ok()
        .filter(|alg| allowed.contains(alg))
        .ok_or_else(|| {
            let accepted: Vec<_> = allowed.iter().map(|a| a.name()).collect();
            AuthError::invalid_token(format!(
                "tokens signed with `{}` are not accepted here (accepted: {})",
                printable(alg_name),
                accepted.join(", ")
            ))
        })?;
    if header.crit.is_some() {
        // RFC 7515 §4.1.11: an extension we do not understand, marked
        // critical, makes the JWS invalid. scopegate understands none.
        return Err(AuthError::invalid_token(
            "the token header marks extensions as critical (`crit`), which this server does not support",
        ));
    }
    match &header.typ {
        None => {}
        Some(Value::String(typ)) if is_access_token_type(typ) => {}
        Some(_) => {
            return Err(AuthError::invalid_token(
                "the token `typ` is not an access token type (expected `JWT` or `at+jwt`)",
            ));
        }
    }
    Ok(Compact {
        signing_input,
        payload,
        signature,
        header,
        alg,
    })
}

fn is_access_token_type(typ: &str) -> bool {
    ["JWT", "at+jwt", "application/at+jwt"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(typ))
}

/// Keeps an attacker-chosen string short and printable before it goes into a
/// message.
fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(32)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if text.chars().count() > 32 {
        out.push_str("...");
    }
    out
}

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, AuthError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| {
        AuthError::invalid_token(format!("the token {what} is not base64url without padding"))
    })
}

impl Compact<'_> {
    /// Verifies the signature with `key`.
    pub(crate) fn verify(&self, key: &VerifyKey) -> Result<(), AuthError> {
        let signature = decode_part(self.signature, "signature")?;
        key.verify(self.alg, self.signing_input.as_bytes(), &signature)
            .map_err(|mismatch| match mismatch {
                KeyMismatch::Algorithm => AuthError::invalid_token(format!(
                    "key `{}` is not published for `{}`",
                    printable(key.kid()),
                    self.alg
                )),
                KeyMismatch::Signature => {
                    AuthError::invalid_token("the token signature does not verify")
                }
            })
    }

    /// Decodes the payload, a JSON object.
    pub(crate) fn payload(&self) -> Result<RawClaims, AuthError> {
        let bytes = decode_part(self.payload, "payload")?;
        serde_json::from_slice(&bytes)
            .map_err(|_| AuthError::invalid_token("the token payload is not a JSON object"))
    }
}

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

/// What the claims are checked against.
pub(crate) struct ClaimRules<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audiences: &'a [String],
    pub(crate) leeway: i64,
    pub(crate) now: i64,
}

/// Checks the claims (RFC 7519 §7.2 steps 10 and on, RFC 9068 §4) and turns
/// them into [`ClaimsData`].
pub(crate) fn check_claims(
    mut raw: RawClaims,
    rules: &ClaimRules<'_>,
) -> Result<ClaimsData, AuthError> {
    let iss = take_string(raw.iss.take(), "iss")?
        .ok_or_else(|| AuthError::invalid_token("the token has no `iss` (issuer) claim"))?;
    if iss != rules.issuer {
        return Err(AuthError::invalid_token(format!(
            "the token was issued by `{}`, not by the issuer this server trusts (`{}`)",
            printable(&iss),
            rules.issuer
        )));
    }
    let exp = take_date(raw.exp.take(), "exp")?
        .ok_or_else(|| AuthError::invalid_token("the token has no `exp` (expiry) claim"))?;
    let nbf = take_date(raw.nbf.take(), "nbf")?;
    check_lifetime(exp, nbf, rules.leeway, rules.now)?;
    let iat = take_date(raw.iat.take(), "iat")?;
    if let Some(iat) = iat
        && rules.now.saturating_add(rules.leeway) < iat
    {
        return Err(AuthError::invalid_token(
            "the token claims to be issued in the future (`iat`)",
        ));
    }
    let aud = take_audience(raw.aud.take())?;
    if !rules.audiences.is_empty() {
        if aud.is_empty() {
            return Err(AuthError::invalid_token(
                "the token has no `aud` (audience) claim, and this server requires one",
            ));
        }
        if !aud.iter().any(|a| rules.audiences.contains(a)) {
            return Err(AuthError::invalid_token(format!(
                "the token is for another audience; this server accepts {}",
                rules.audiences.join(", ")
            )));
        }
    }
    let scopes = take_scopes(raw.scopes.take(), raw.scope.take())?;
    Ok(ClaimsData {
        iss,
        sub: take_string(raw.sub.take(), "sub")?,
        aud,
        exp,
        nbf,
        iat,
        jti: take_string(raw.jti.take(), "jti")?,
        client_id: take_string(raw.client_id.take(), "client_id")?,
        oid: take_string(raw.oid.take(), "oid")?,
        scopes,
        other: raw.other,
    })
}

/// `exp` and `nbf` against `now`, with `leeway` seconds of clock skew
/// (RFC 7519 §4.1.4, §4.1.5).
pub(crate) fn check_lifetime(
    exp: i64,
    nbf: Option<i64>,
    leeway: i64,
    now: i64,
) -> Result<(), AuthError> {
    if now >= exp.saturating_add(leeway) {
        return Err(AuthError::invalid_token(format!(
            "the token expired {} s ago",
            now.saturating_sub(exp)
        )));
    }
    if let Some(nbf) = nbf
        && now.saturating_add(leeway) < nbf
    {
        return Err(AuthError::invalid_token(format!(
            "the token is not valid for another {} s (`nbf`)",
            nbf.saturating_sub(now)
        )));
    }
    Ok(())
}

fn wrong_type(name: &str, expected: &str) -> AuthError {
    AuthError::invalid_token(format!("the `{name}` claim must be {expected}"))
}

fn take_string(value: Option<Value>, name: &str) -> Result<Option<String>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds, never a string.
fn take_date(value: Option<Value>, name: &str) -> Result<Option<i64>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                // Fractional seconds are allowed; `as` saturates.
                Ok(Some(f.floor() as i64))
            } else {
                Err(wrong_type(name, "a number of seconds"))
            }
        }
        Some(_) => Err(wrong_type(name, "a number of seconds (NumericDate)")),
    }
}

fn take_audience(value: Option<Value>) -> Result<Vec<String>, AuthError> {
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

fn take_scopes(scopes: Option<Value>, scope: Option<Value>) -> Result<Vec<String>, AuthError> {
    let array = match scopes {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(wrong_type("scopes", "an array of strings")),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(wrong_type("scopes", "an array of strings")),
    };
    let string = match scope {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(wrong_type("scope", "a space-separated string")),
    };
    Ok(match (array, string) {
        (Some(array), None) => array,
        (None, Some(string)) => string
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        (Some(array), Some(string)) => array
            .into_iter()
            .filter(|s| string.split(' ').any(|t| t == s))
            .collect(),
        (None, None) => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> ClaimRules<'static> {
        ClaimRules {
            issuer: "https://issuer.test",
            audiences: &[],
            leeway: 30,
            now: 1_000_000,
        }
    }

    fn claims(extra: Value) -> RawClaims {
        let mut base = json!({"iss": "https://issuer.test", "exp": 1_000_100});
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        serde_json::from_value(base).expect("an object")
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
    fn headers_are_checked_before_any_key_is_used() {
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let token = |h: Value| format!("{}.{}.sig", enc(h), enc(json!({})));
        let allowed = [Algorithm::RS256];
        for (header, needle) in [
            (json!({"alg": "none"}), "alg: none"),
            (json!({"alg": "nOnE"}), "alg: none"),
            (json!({"alg": "HS256", "kid": "k"}), "HS256"),
            (json!({"alg": "RS384", "kid": "k"}), "RS384"),
            (json!({"alg": "RS256", "kid": "k", "crit": ["exp"]}), "crit"),
            (json!({"alg": "RS256", "kid": "k", "typ": "id+jwt"}), "typ"),
            (json!({"kid": "k"}), "no `alg`"),
        ] {
            let error = parse_compact(&token(header.clone()), &allowed)
                .err()
                .expect("rejected");
            assert!(error.to_string().contains(needle), "{header}: {error}");
        }
        assert!(
            parse_compact(
                &token(json!({"alg": "RS256", "kid": "k", "typ": "at+jwt"})),
                &allowed
            )
            .is_ok()
        );
        assert!(parse_compact("a.b", &allowed).is_err());
        assert!(parse_compact("a.b.c.d.e", &allowed).is_err());
    }
}
