//! The compact serialization of a JWS (RFC 7515 §7.1): splitting the token,
//! reading and checking its JOSE header, verifying its signature, decoding
//! its payload. What the claims must say is in `validation`.
//!
//! Hand-written rather than built on jsonwebtoken's `decode`, for two
//! reasons. It is stricter: the algorithm comes from the server's allow-list
//! and never from the token alone, `alg: none` in any case is refused,
//! `crit` is refused (RFC 7515 §4.1.11), `typ` must name an access token
//! (RFC 9068 §2.1), and `jwk`/`jku`/`x5u`/`x5c` are never read, so the key
//! always comes from the configured JWKS. And it is faster: the header is
//! read once into the few members used, the signature is verified with a key
//! parsed when the key set was fetched, and the payload is read in one pass
//! (`validation::RawClaims`); measured faster than jsonwebtoken on the same
//! token and key.
//!
//! The token is data from an attacker: every step bounds its work, names
//! what it rejected with a [`TokenError`], and never copies the token into
//! an error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scopegate_wire::text::printable;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::jose::error::{TokenError, TokenPart};
use crate::jose::jwk::{Algorithm, KeyMismatch, VerifyKey};

/// How many characters of an untrusted string (an `alg`, a `kid`) go into a
/// message.
pub(crate) const SHOWN_CHARS: usize = 32;

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
) -> Result<Compact<'a>, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::TooFewParts);
    };
    if parts.next().is_some() {
        return Err(TokenError::TooManyParts);
    }
    let signing_input = &token[..header.len() + 1 + payload.len()];
    let header_bytes = decode_part(header, TokenPart::Header)?;
    let header: JoseHeader =
        serde_json::from_slice(&header_bytes).map_err(|_| TokenError::InvalidHeader)?;
    let alg_name = header.alg.as_deref().ok_or(TokenError::NoAlgorithm)?;
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(TokenError::Unsigned);
    }
    let alg = alg_name
        .parse::<Algorithm>()
        .ok()
        .filter(|alg| allowed.contains(alg))
        .ok_or_else(|| TokenError::AlgorithmNotAccepted {
            alg: printable(alg_name, SHOWN_CHARS),
            accepted: allowed.to_vec(),
        })?;
    if header.crit.is_some() {
        // RFC 7515 §4.1.11: an extension we do not understand, marked
        // critical, makes the JWS invalid. scopegate understands none.
        return Err(TokenError::CriticalHeader);
    }
    match &header.typ {
        None => {}
        Some(Value::String(typ)) if is_access_token_type(typ) => {}
        Some(_) => return Err(TokenError::WrongType),
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

fn decode_part(part: &str, which: TokenPart) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::NotBase64Url(which))
}

impl Compact<'_> {
    /// Verifies the signature with `key`.
    pub(crate) fn verify(&self, key: &VerifyKey) -> Result<(), TokenError> {
        let signature = decode_part(self.signature, TokenPart::Signature)?;
        key.verify(self.alg, self.signing_input.as_bytes(), &signature)
            .map_err(|mismatch| match mismatch {
                KeyMismatch::Algorithm => TokenError::KeyNotForAlgorithm {
                    kid: printable(key.kid(), SHOWN_CHARS),
                    alg: self.alg,
                },
                KeyMismatch::Signature => TokenError::BadSignature,
            })
    }

    /// Decodes the payload, a JSON object, into `T` (the claims reader).
    pub(crate) fn payload<T: DeserializeOwned>(&self) -> Result<T, TokenError> {
        let bytes = decode_part(self.payload, TokenPart::Payload)?;
        serde_json::from_slice(&bytes).map_err(|_| TokenError::PayloadNotObject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn token(header: Value) -> String {
        format!("{}.{}.sig", enc(header), enc(json!({})))
    }

    #[test]
    fn headers_are_checked_before_any_key_is_used() {
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

    #[test]
    fn each_header_rule_has_its_reason() {
        let allowed = [Algorithm::RS256, Algorithm::PS256];
        let reason = |header: Value| parse_compact(&token(header), &allowed).err();
        assert_eq!(reason(json!({"alg": "none"})), Some(TokenError::Unsigned));
        assert_eq!(reason(json!({"alg": "NONE"})), Some(TokenError::Unsigned));
        assert_eq!(reason(json!({"kid": "k"})), Some(TokenError::NoAlgorithm));
        assert_eq!(
            reason(json!({"alg": "HS256"})),
            Some(TokenError::AlgorithmNotAccepted {
                alg: "HS256".into(),
                accepted: vec![Algorithm::RS256, Algorithm::PS256],
            })
        );
        assert!(matches!(
            reason(json!({"alg": "x".repeat(40)})),
            Some(TokenError::AlgorithmNotAccepted { alg, .. }) if alg == format!("{}...", "x".repeat(32))
        ));
        assert_eq!(
            reason(json!({"alg": "RS256", "crit": ["b64"]})),
            Some(TokenError::CriticalHeader)
        );
        assert_eq!(
            reason(json!({"alg": "RS256", "typ": 1})),
            Some(TokenError::WrongType)
        );
        assert_eq!(
            reason(json!({"alg": "RS256", "kid": 5})),
            Some(TokenError::InvalidHeader)
        );
        assert_eq!(reason(json!(["RS256"])), Some(TokenError::InvalidHeader));
        assert_eq!(
            parse_compact("a.b", &allowed).err(),
            Some(TokenError::TooFewParts)
        );
        assert_eq!(
            parse_compact("a.b.c.d.e", &allowed).err(),
            Some(TokenError::TooManyParts)
        );
        assert_eq!(
            parse_compact("a*.b.c", &allowed).err(),
            Some(TokenError::NotBase64Url(TokenPart::Header))
        );
        let compact = parse_compact("eyJhbGciOiJSUzI1NiJ9.e30.s*g", &allowed).unwrap();
        assert_eq!(compact.payload::<Value>().ok(), Some(json!({})));
        let bad_payload = format!("{}.W10.sig", enc(json!({"alg": "RS256"})));
        let compact = parse_compact(&bad_payload, &allowed).unwrap();
        assert_eq!(
            compact.payload::<serde_json::Map<String, Value>>().err(),
            Some(TokenError::PayloadNotObject)
        );
        let bad_payload = format!("{}.*.sig", enc(json!({"alg": "RS256"})));
        let compact = parse_compact(&bad_payload, &allowed).unwrap();
        assert_eq!(
            compact.payload::<Value>().err(),
            Some(TokenError::NotBase64Url(TokenPart::Payload))
        );
    }
}
