//! JSON Web Keys (RFC 7517, RFC 7518 §3, §6.3): the signing algorithms, and a
//! JWKS document turned, once, into keys ready to verify signatures.
//!
//! Hand-written rather than taken from jsonwebtoken's `jwk` module because
//! the rules are stricter than parsing: only signature keys with a `kid`,
//! usable with an allowed algorithm (RSA keys of 2048 to 8192 bits; EC keys
//! on P-256 or P-384 with coordinates of the curve's exact length; OKP keys
//! on Ed25519, RFC 8037), a JWK `alg` that agrees with the key's type, and
//! every key parsed into aws-lc-rs once per algorithm when the set is
//! fetched, so a verification never parses key material. A key that breaks
//! a rule, or whose type or curve is not supported or not allowed, is
//! skipped (and logged without key material), not fatal to the set.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// A JWS signature algorithm scopegate can verify (RFC 7518 §3, RFC 8037).
///
/// `RS256` is the default and the only algorithm accepted unless
/// [`AuthenticatorBuilder::algorithms`](crate::AuthenticatorBuilder::algorithms)
/// allows others: it is what Scalekit signs access tokens with. Each
/// algorithm is tied to one key type, and a key is only used with the
/// algorithms of its type:
///
/// | algorithm | JWK | signature |
/// |---|---|---|
/// | `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512` | `kty: "RSA"`, 2048 to 8192 bits | the RSA signature, modulus-sized |
/// | `ES256` | `kty: "EC"`, `crv: "P-256"`, 32-byte `x` and `y` | `R‖S`, 64 bytes |
/// | `ES384` | `kty: "EC"`, `crv: "P-384"`, 48-byte `x` and `y` | `R‖S`, 96 bytes |
/// | `EdDSA` | `kty: "OKP"`, `crv: "Ed25519"`, 32-byte `x` | 64 bytes |
///
/// An ECDSA signature in DER (as some libraries produce) is refused: JWS
/// signatures are the fixed-length `R‖S` form (RFC 7518 §3.4). Ed448 is
/// not supported.
///
/// ```
/// use scopegate::{Algorithm, Authenticator};
///
/// let builder = Authenticator::builder("https://issuer.example")
///     .algorithms([Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA]);
/// assert_eq!("ES384".parse::<Algorithm>(), Ok(Algorithm::ES384));
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the default, and Scalekit's.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// EdDSA on Ed25519 (RFC 8037).
    EdDSA,
}

/// The key a JWK holds, as far as the algorithms care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl Algorithm {
    /// Every algorithm scopegate can verify.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The name used in the `alg` header and in JWKs.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The key this algorithm verifies with.
    fn key_kind(self) -> KeyKind {
        match self {
            Algorithm::ES256 => KeyKind::P256,
            Algorithm::ES384 => KeyKind::P384,
            Algorithm::EdDSA => KeyKind::Ed25519,
            _ => KeyKind::Rsa,
        }
    }

    /// The exact signature length, for the algorithms that have one.
    fn signature_len(self) -> Option<usize> {
        match self {
            Algorithm::ES256 | Algorithm::EdDSA => Some(64),
            Algorithm::ES384 => Some(96),
            _ => None,
        }
    }

    fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            Algorithm::EdDSA => &signature::ED25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of [`Algorithm::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a supported algorithm (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)"
)]
pub struct UnsupportedAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnsupportedAlgorithm;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        // Exact, case-sensitive match (RFC 7515 §4.1.1): "rs256" or "none"
        // never name an algorithm.
        Algorithm::ALL
            .into_iter()
            .find(|alg| alg.name() == name)
            .ok_or_else(|| UnsupportedAlgorithm(name.to_owned()))
    }
}

/// One public key from the JWKS, parsed once for every algorithm it may be
/// used with.
pub(crate) struct VerifyKey {
    kid: Arc<str>,
    /// Identifies the key material: the RSAPublicKey DER of an RSA key, the
    /// uncompressed point of an EC key, the public key of an OKP key.
    der: Box<[u8]>,
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
    /// Set once the issuer stops publishing this key: tokens it verified
    /// (and that the verified-token cache remembers) stop counting.
    retired: AtomicBool,
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let algs: Vec<_> = self.parsed.iter().map(|(alg, _)| alg.name()).collect();
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("algorithms", &algs)
            .finish()
    }
}

impl VerifyKey {
    /// The key id.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// Marks the key as no longer published by the issuer.
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }

    /// Whether the issuer stopped publishing the key.
    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// Whether `other` holds the same key material under the same id.
    pub(crate) fn same_as(&self, other: &VerifyKey) -> bool {
        self.kid == other.kid && self.der == other.der
    }

    /// Verifies `signature` over `message` with `alg`. Fails when the key may
    /// not be used with `alg` or the signature does not match.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyMismatch> {
        let (_, key) = self
            .parsed
            .iter()
            .find(|(a, _)| *a == alg)
            .ok_or(KeyMismatch::Algorithm)?;
        if alg
            .signature_len()
            .is_some_and(|len| len != signature.len())
        {
            // Not `R‖S` (a DER-encoded ECDSA signature, say).
            return Err(KeyMismatch::Signature);
        }
        key.verify_sig(message, signature)
            .map_err(|_| KeyMismatch::Signature)
    }
}

/// Why [`VerifyKey::verify`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyMismatch {
    /// The key is not published for this algorithm.
    Algorithm,
    /// The signature does not verify.
    Signature,
}

/// A parsed key set: key id to key.
pub(crate) type KeySet = HashMap<Arc<str>, Arc<VerifyKey>>;

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<serde_json::Value>,
}

/// The JWK members read, of every supported key type.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// Why a JWKS document could not be used at all.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum JwkError {
    /// The document is not a JSON object with a `keys` array.
    #[error("the JWKS is not a JSON object with a `keys` array: {0}")]
    Malformed(#[source] Arc<serde_json::Error>),
    /// No key in the document can verify tokens under the allowed algorithms.
    #[error("the JWKS holds no usable signing key ({0} keys skipped)")]
    NoUsableKey(usize),
}

/// Parses a JWKS document, keeping the signature keys usable with one of
/// `allowed`. Keys without `kid`, for encryption, of a type or curve not
/// supported or not allowed, whose `alg` is not allowed or not of the key's
/// type, RSA keys shorter than 2048 bits, EC or OKP keys of the wrong
/// length, or whose `kid` repeats are skipped (and logged without key
/// material).
pub(crate) fn parse_jwks(body: &[u8], allowed: &[Algorithm]) -> Result<KeySet, JwkError> {
    let document: JwksDocument =
        serde_json::from_slice(body).map_err(|e| JwkError::Malformed(Arc::new(e)))?;
    let mut set = KeySet::new();
    let mut skipped = 0;
    for value in document.keys {
        match parse_key(value, allowed) {
            Ok(key) => {
                if set.contains_key(&key.kid) {
                    tracing::warn!(kid = %key.kid, "JWKS repeats a key id; the key set keeps the first");
                    skipped += 1;
                } else {
                    set.insert(key.kid.clone(), Arc::new(key));
                }
            }
            Err(reason) => {
                tracing::debug!(reason, "skipping a JWKS key");
                skipped += 1;
            }
        }
    }
    if set.is_empty() {
        return Err(JwkError::NoUsableKey(skipped));
    }
    Ok(set)
}

fn parse_key(value: serde_json::Value, allowed: &[Algorithm]) -> Result<VerifyKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a well-formed JWK")?;
    let kind = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("RSA", _) => KeyKind::Rsa,
        ("EC", Some("P-256")) => KeyKind::P256,
        ("EC", Some("P-384")) => KeyKind::P384,
        ("EC", _) => return Err("EC key on an unsupported curve"),
        ("OKP", Some("Ed25519")) => KeyKind::Ed25519,
        ("OKP", _) => return Err("OKP key on an unsupported curve"),
        _ => return Err("unsupported key type"),
    };
    if jwk.usage.as_deref().is_some_and(|u| u != "sig") {
        return Err("not a signature key");
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return Err("key_ops does not allow verify");
    }
    let kid: Arc<str> = jwk
        .kid
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or("no kid")?
        .into();
    let algs: Vec<Algorithm> = match jwk.alg.as_deref() {
        Some(name) => {
            let alg = Algorithm::from_str(name).map_err(|_| "unsupported alg")?;
            if alg.key_kind() != kind {
                return Err("the JWK's alg is not for its key type");
            }
            if !allowed.contains(&alg) {
                return Err("alg not allowed");
            }
            vec![alg]
        }
        None => allowed
            .iter()
            .copied()
            .filter(|alg| alg.key_kind() == kind)
            .collect(),
    };
    if algs.is_empty() {
        return Err("no allowed algorithm for this key type");
    }
    let der = key_material(&jwk, kind)?.into_boxed_slice();
    let parsed = algs
        .into_iter()
        .map(|alg| {
            ParsedPublicKey::new(alg.verification(), &der)
                .map(|key| (alg, key))
                .map_err(
                    |_| "key rejected (not on its curve, shorter than 2048 bits, or malformed)",
                )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerifyKey {
        kid,
        der,
        parsed,
        retired: AtomicBool::new(false),
    })
}

/// The public key of `jwk` in the form aws-lc-rs parses: PKCS#1
/// `RSAPublicKey` DER, an uncompressed EC point, or the raw Ed25519 key.
fn key_material(jwk: &Jwk, kind: KeyKind) -> Result<Vec<u8>, &'static str> {
    let coordinate = |text: Option<&str>, len: usize| -> Result<Vec<u8>, &'static str> {
        let bytes = decode_b64(text.ok_or("no coordinate")?)?;
        if bytes.len() != len {
            return Err("coordinate of the wrong length for the curve");
        }
        Ok(bytes)
    };
    match kind {
        KeyKind::Rsa => {
            let n = decode_b64(jwk.n.as_deref().ok_or("no modulus")?)?;
            let e = decode_b64(jwk.e.as_deref().ok_or("no exponent")?)?;
            let modulus_bits = n.iter().skip_while(|&&b| b == 0).count() * 8;
            if !(2048..=8192).contains(&modulus_bits) {
                return Err("RSA modulus outside 2048..=8192 bits");
            }
            Ok(rsa_public_key_der(&n, &e))
        }
        KeyKind::P256 | KeyKind::P384 => {
            let len = if kind == KeyKind::P256 { 32 } else { 48 };
            let mut point = vec![0x04];
            point.extend(coordinate(jwk.x.as_deref(), len)?);
            point.extend(coordinate(jwk.y.as_deref(), len)?);
            Ok(point)
        }
        KeyKind::Ed25519 => {
            if jwk.y.is_some() {
                return Err("an OKP key has no y");
            }
            coordinate(jwk.x.as_deref(), 32)
        }
    }
}

fn decode_b64(text: &str) -> Result<Vec<u8>, &'static str> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| "key component is not base64url")
}

/// DER of PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub(crate) fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    der_unsigned_integer(n, &mut body);
    der_unsigned_integer(e, &mut body);
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(0x30);
    der_length(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

fn der_unsigned_integer(bytes: &[u8], out: &mut Vec<u8>) {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    let pad = bytes.first().is_none_or(|&b| b & 0x80 != 0);
    out.push(0x02);
    der_length(bytes.len() + usize::from(pad), out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(bytes);
}

fn der_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_exact() {
        assert_eq!("RS256".parse::<Algorithm>(), Ok(Algorithm::RS256));
        for bad in ["rs256", "none", "None", "HS256", ""] {
            assert!(bad.parse::<Algorithm>().is_err(), "{bad}");
        }
    }

    #[test]
    fn der_integers_are_minimal_and_positive() {
        let mut out = Vec::new();
        der_unsigned_integer(&[0x00, 0x01, 0x00, 0x01], &mut out);
        assert_eq!(out, [0x02, 0x03, 0x01, 0x00, 0x01]);
        out.clear();
        der_unsigned_integer(&[0x80], &mut out);
        assert_eq!(out, [0x02, 0x02, 0x00, 0x80]);
        out.clear();
        der_length(300, &mut out);
        assert_eq!(out, [0x82, 0x01, 0x2c]);
    }

    #[test]
    fn garbage_documents_are_refused() {
        assert!(matches!(
            parse_jwks(b"not json", &[Algorithm::RS256]),
            Err(JwkError::Malformed(_))
        ));
        assert!(matches!(
            parse_jwks(b"{}", &[Algorithm::RS256]),
            Err(JwkError::Malformed(_))
        ));
        assert!(matches!(
            parse_jwks(br#"{"keys":[]}"#, &[Algorithm::RS256]),
            Err(JwkError::NoUsableKey(0))
        ));
        let odd = br#"{"keys":[{"kty":"EC","kid":"a"},{"kty":"RSA","kid":"b","n":"AQAB","e":"AQAB"},{"kty":"RSA","n":"x","e":"AQAB"}]}"#;
        assert!(matches!(
            parse_jwks(odd, &[Algorithm::RS256]),
            Err(JwkError::NoUsableKey(3))
        ));
    }
}
