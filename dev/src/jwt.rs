//! Writing JWTs: the standard header, the scope claims as the issuer's
//! [`ScopeClaim`] says, and the one signing path (compact JWS) that both
//! the token endpoint and the test kit use.

use std::str::FromStr as _;
use std::sync::Once;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm as JwtAlgorithm, EncodingKey};
use serde_json::{Map, Value, json};

use crate::ScopeClaim;
use crate::error::DevError;
use crate::keys::SigningKey;

/// How the signature part is made.
pub(crate) enum Signer<'a> {
    /// With an RSA key, under an RSA algorithm (RS256/384/512, PS256/384/512).
    Rsa(&'a SigningKey, JwtAlgorithm),
    /// HMAC-SHA256 keyed with these bytes.
    Hs256(&'a [u8]),
    /// No signature at all: the third part is empty.
    Unsigned,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another crate may have installed one first: either is fine, the
        // point is that there is one.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
    });
}

/// The RSA algorithm named `alg`, if it is one.
pub(crate) fn rsa_algorithm(alg: &str) -> Option<JwtAlgorithm> {
    JwtAlgorithm::from_str(alg).ok().filter(|a| {
        matches!(
            a,
            JwtAlgorithm::RS256
                | JwtAlgorithm::RS384
                | JwtAlgorithm::RS512
                | JwtAlgorithm::PS256
                | JwtAlgorithm::PS384
                | JwtAlgorithm::PS512
        )
    })
}

/// Builds the compact JWS `header.payload.signature`. The header is written
/// as given: it is the caller's job to make it agree with `signer` (or,
/// for the test kit, to make it disagree on purpose).
pub(crate) fn sign(
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
    signer: &Signer<'_>,
) -> Result<String, DevError> {
    let encode = |part: &Map<String, Value>| {
        serde_json::to_vec(part)
            .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
            .map_err(|e| DevError::Internal(format!("a token part could not be serialized: {e}")))
    };
    let message = format!("{}.{}", encode(header)?, encode(claims)?);
    install_crypto_provider();
    let signature = match signer {
        Signer::Rsa(key, alg) => jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_rsa_der(key.private_pkcs1()),
            *alg,
        ),
        Signer::Hs256(secret) => jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(secret),
            JwtAlgorithm::HS256,
        ),
        Signer::Unsigned => Ok(String::new()),
    }
    .map_err(|e| DevError::Internal(format!("signing failed: {e}")))?;
    Ok(format!("{message}.{signature}"))
}

/// The standard header: `alg`, `kid`, `typ: JWT`.
pub(crate) fn header(alg: &str, kid: &str) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg));
    header.insert("kid".into(), json!(kid));
    header.insert("typ".into(), json!("JWT"));
    header
}

/// Puts `scopes` into `claims` the way `style` says.
pub(crate) fn put_scopes(claims: &mut Map<String, Value>, scopes: &[String], style: ScopeClaim) {
    if matches!(style, ScopeClaim::Array | ScopeClaim::Both) {
        claims.insert("scopes".into(), json!(scopes));
    }
    if matches!(style, ScopeClaim::String | ScopeClaim::Both) {
        claims.insert("scope".into(), json!(scopes.join(" ")));
    }
}
