//! The issuer's RSA keys: generation, the published JWKS, rotation with a
//! grace period.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::error::DevError;

/// How many keys the issuer remembers (to sign with an old `kid` on
/// request) beyond the published ones.
const MAX_HELD_KEYS: usize = 64;

/// One RSA-2048 key pair.
pub(crate) struct SigningKey {
    kid: String,
    /// PKCS#1 `RSAPrivateKey` DER: what `jsonwebtoken`'s aws-lc signer reads.
    private_pkcs1: Vec<u8>,
    /// PKCS#1 `RSAPublicKey` DER.
    public_pkcs1: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key named `kid`.
    pub(crate) fn generate(kid: String) -> Result<Self, DevError> {
        let failed = |what: &str| DevError::Internal(format!("RSA key generation failed: {what}"));
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| failed("generate"))?;
        let pkcs8 = pair.as_der().map_err(|_| failed("export"))?;
        let private_pkcs1 = pkcs8_rsa_to_pkcs1(pkcs8.as_ref())
            .ok_or_else(|| failed("the PKCS#8 export holds no RSA key"))?
            .to_vec();
        // The signer reads PKCS#1: make sure the conversion round-trips now
        // rather than at the first signature.
        RsaKeyPair::from_der(&private_pkcs1).map_err(|_| failed("PKCS#1 re-import"))?;
        let public = pair.public_key();
        let components = PublicKeyComponents::<Vec<u8>>::from(public);
        Ok(SigningKey {
            kid,
            private_pkcs1,
            public_pkcs1: public.as_ref().to_vec(),
            n: components.n,
            e: components.e,
        })
    }

    /// The key id.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn private_pkcs1(&self) -> &[u8] {
        &self.private_pkcs1
    }

    /// The public key as PKCS#1 `RSAPublicKey` DER.
    pub(crate) fn public_pkcs1(&self) -> &[u8] {
        &self.public_pkcs1
    }

    /// The public JWK (RFC 7517, RFC 7518 §6.3.1).
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }
}

/// Reads one DER TLV from `input`: `(tag, contents, rest)`.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || input.len() < count {
            return None;
        }
        let (bytes, rest) = input.split_at(count);
        input = rest;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if input.len() < len {
        return None;
    }
    let (contents, rest) = input.split_at(len);
    Some((tag, contents, rest))
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`
/// (RFC 5208 §5: `SEQUENCE { version, algorithm, OCTET STRING privateKey }`).
fn pkcs8_rsa_to_pkcs1(pkcs8: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _version, rest) = der_tlv(info)? else {
        return None;
    };
    let (0x30, _algorithm, rest) = der_tlv(rest)? else {
        return None;
    };
    let (0x04, private_key, _) = der_tlv(rest)? else {
        return None;
    };
    Some(private_key)
}

struct Published {
    key: Arc<SigningKey>,
    /// When the key leaves the JWKS (`None`: published until rotated out).
    until: Option<Instant>,
}

/// The keys: the current signer, the published set, and every key still
/// remembered.
pub(crate) struct KeyStore {
    signer: Arc<SigningKey>,
    published: Vec<Published>,
    held: Vec<Arc<SigningKey>>,
}

impl KeyStore {
    pub(crate) fn new(signer: SigningKey) -> Self {
        let signer = Arc::new(signer);
        KeyStore {
            published: vec![Published {
                key: Arc::clone(&signer),
                until: None,
            }],
            held: vec![Arc::clone(&signer)],
            signer,
        }
    }

    /// The key tokens are signed with.
    pub(crate) fn signer(&self) -> Arc<SigningKey> {
        Arc::clone(&self.signer)
    }

    /// The key named `kid`, published or not, if the issuer still holds it.
    pub(crate) fn find(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.held.iter().find(|k| k.kid == kid).cloned()
    }

    /// The keys published at `now`. A retiring key disappears exactly when
    /// its grace period ends: no timer is needed.
    pub(crate) fn published(&self, now: Instant) -> Vec<Arc<SigningKey>> {
        self.published
            .iter()
            .filter(|p| p.until.is_none_or(|until| now < until))
            .map(|p| Arc::clone(&p.key))
            .collect()
    }

    /// The JWKS document published at `now`.
    pub(crate) fn jwks(&self, now: Instant) -> Value {
        let keys: Vec<Value> = self.published(now).iter().map(|k| k.jwk()).collect();
        json!({ "keys": keys })
    }

    /// Makes `key` the signer; the previous signer stays published for
    /// `grace`, then leaves the JWKS.
    pub(crate) fn rotate(&mut self, key: SigningKey, grace: Duration, now: Instant) {
        let old = Arc::clone(&self.signer);
        let until = now.checked_add(grace);
        for p in &mut self.published {
            if Arc::ptr_eq(&p.key, &old) {
                // A grace too long to represent (`until` is `None`) keeps the
                // key published.
                p.until = match (p.until, until) {
                    (Some(current), Some(new)) => Some(current.min(new)),
                    (Some(current), None) => Some(current),
                    (None, new) => new,
                };
            }
        }
        let key = Arc::new(key);
        self.signer = Arc::clone(&key);
        self.publish(key, now);
    }

    /// Publishes `key` without making it the signer.
    pub(crate) fn publish_extra(&mut self, key: SigningKey, now: Instant) {
        self.publish(Arc::new(key), now);
    }

    fn publish(&mut self, key: Arc<SigningKey>, now: Instant) {
        self.published
            .retain(|p| p.until.is_none_or(|until| now < until));
        self.published.push(Published {
            key: Arc::clone(&key),
            until: None,
        });
        self.held.push(key);
        if self.held.len() > MAX_HELD_KEYS {
            let published: Vec<Arc<SigningKey>> = self.published(now);
            // Forget the oldest key that is neither published nor the signer.
            if let Some(index) = self
                .held
                .iter()
                .position(|k| !published.iter().any(|p| Arc::ptr_eq(p, k)))
            {
                self.held.remove(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_reader_refuses_truncation() {
        assert_eq!(
            der_tlv(&[0x02, 0x01, 0x05]),
            Some((0x02, &[0x05][..], &[][..]))
        );
        assert_eq!(der_tlv(&[0x02, 0x02, 0x05]), None);
        assert_eq!(der_tlv(&[0x30, 0x81]), None);
        assert_eq!(der_tlv(&[]), None);
        assert_eq!(pkcs8_rsa_to_pkcs1(&[0x04, 0x00]), None);
    }

    #[test]
    fn rotation_keeps_the_old_key_for_the_grace_period() {
        let now = Instant::now();
        let first = SigningKey::generate("snk_1".into()).unwrap();
        let n = first.jwk()["n"].as_str().map(str::len);
        assert_eq!(
            n,
            Some(342),
            "a 2048-bit modulus is 256 bytes, 342 base64url characters"
        );
        let mut store = KeyStore::new(first);
        store.rotate(
            SigningKey::generate("snk_2".into()).unwrap(),
            Duration::from_secs(10),
            now,
        );
        assert_eq!(store.signer().kid(), "snk_2");
        let kids = |at| {
            store
                .published(at)
                .iter()
                .map(|k| k.kid().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(kids(now), ["snk_1", "snk_2"]);
        assert_eq!(kids(now + Duration::from_secs(10)), ["snk_2"]);
        assert!(store.find("snk_1").is_some(), "a retired key is still held");
        let jwks = store.jwks(now);
        assert_eq!(jwks["keys"][0]["kty"], "RSA");
        assert_eq!(jwks["keys"][0]["e"], "AQAB");
    }
}
