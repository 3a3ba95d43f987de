//! A small JOSE kit for the adversarial tests (`tests/properties.rs`,
//! `tests/differential.rs`, `tests/signature_vectors.rs`): an RSA key
//! generated the way the dev issuer generates its own (aws-lc-rs, 2048
//! bits), its JWKS, compact tokens signed over any header and claims text
//! (duplicate members, wrong types and all), the raw RSA private operation
//! for hand-made signature encodings, an authenticator over a static
//! key set, and EC (P-256, P-384) and Ed25519 keys with their JWKs for
//! `tests/algorithms.rs`.
#![allow(dead_code)]

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, RsaEncoding};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use num_bigint::BigUint;
use scopegate::{Authenticator, AuthenticatorBuilder};
use serde_json::{Value, json};

/// The issuer every token of these tests names.
pub(crate) const ISSUER: &str = "https://issuer.scopegate.test";
/// The audience the audience-checking authenticators accept.
pub(crate) const AUDIENCE: &str = "api.scopegate.test";

/// base64url without padding (RFC 7515 §2).
pub(crate) fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub(crate) fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

/// An RSA-2048 key pair with its id.
pub(crate) struct TestKey {
    pub kid: String,
    pair: KeyPair,
    /// Modulus and public exponent, big-endian without leading zeros.
    pub n: Vec<u8>,
    pub e: Vec<u8>,
    /// The private exponent, for the raw RSA operation.
    d: BigUint,
}

impl TestKey {
    /// A fresh key, generated as `scopegate-dev` generates its keys.
    pub(crate) fn generate(kid: &str) -> TestKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let pkcs8 = pair.as_der().expect("PKCS#8 export");
        let d = private_exponent(pkcs8.as_ref()).expect("an RSA PKCS#8 document");
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        TestKey {
            kid: kid.to_owned(),
            pair,
            n: components.n,
            e: components.e,
            d,
        }
    }

    /// The modulus length in bytes (256 for RSA-2048).
    pub(crate) fn len(&self) -> usize {
        self.n.len()
    }

    /// The public JWK.
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "n": b64(&self.n),
            "e": b64(&self.e),
        })
    }

    /// Signs `message` with the JWS algorithm `alg` (RS* or PS*).
    pub(crate) fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        let encoding: &'static dyn RsaEncoding = match alg {
            "RS256" => &signature::RSA_PKCS1_SHA256,
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            "PS256" => &signature::RSA_PSS_SHA256,
            "PS384" => &signature::RSA_PSS_SHA384,
            "PS512" => &signature::RSA_PSS_SHA512,
            other => panic!("no RSA signer for {other}"),
        };
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(encoding, &SystemRandom::new(), message, &mut signature)
            .expect("RSA signature");
        signature
    }

    /// The raw RSA private operation: `em^d mod n`, left-padded to the
    /// modulus length. For signature encodings no library would produce.
    pub(crate) fn raw_sign(&self, em: &[u8]) -> Vec<u8> {
        let n = BigUint::from_bytes_be(&self.n);
        let s = BigUint::from_bytes_be(em).modpow(&self.d, &n);
        left_pad(&s.to_bytes_be(), self.len())
    }

    /// `header.payload.signature` over the given JSON texts, signed with
    /// `alg` (the header's `alg` is whatever the text says).
    pub(crate) fn token(&self, header: &str, claims: &str, alg: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        let signature = self.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(signature))
    }
}

/// `bytes`, left-padded with zeros to `len`.
pub(crate) fn left_pad(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0; len.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

/// A JWKS document of `keys`.
pub(crate) fn jwks(keys: &[&TestKey]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() }))
        .expect("JSON")
}

/// An authenticator builder for [`ISSUER`] over a static key set.
pub(crate) fn builder(jwks: &[u8]) -> AuthenticatorBuilder {
    Authenticator::builder(ISSUER).jwks_document(jwks.to_vec())
}

/// A current-thread runtime to drive `validate` from synchronous code.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Reads one DER TLV at the start of `der`: (tag, content, rest).
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        let (bytes, rest) = (rest.get(..count)?, rest.get(count..)?);
        (
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
            rest,
        )
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// The private exponent of an RSA key in PKCS#8 (RFC 5208) holding
/// PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2).
fn private_exponent(pkcs8: &[u8]) -> Option<BigUint> {
    let (0x30, info, _) = tlv(pkcs8)? else {
        return None;
    };
    let (0x02, _version, rest) = tlv(info)? else {
        return None;
    };
    let (0x30, _algorithm, rest) = tlv(rest)? else {
        return None;
    };
    let (0x04, pkcs1, _) = tlv(rest)? else {
        return None;
    };
    let (0x30, mut fields, _) = tlv(pkcs1)? else {
        return None;
    };
    // version, n, e, d
    for _ in 0..3 {
        fields = tlv(fields)?.2;
    }
    let (0x02, d, _) = tlv(fields)? else {
        return None;
    };
    Some(BigUint::from_bytes_be(d))
}

/// An elliptic-curve signing key (ES256, ES384 or EdDSA), generated with
/// aws-lc-rs, with its id.
pub(crate) struct CurveKey {
    pub kid: String,
    /// The JWS algorithm it signs with.
    pub alg: &'static str,
    signer: CurveSigner,
}

enum CurveSigner {
    Ecdsa(aws_lc_rs::signature::EcdsaKeyPair),
    Ed25519(aws_lc_rs::signature::Ed25519KeyPair),
}

impl CurveKey {
    /// A fresh key for `alg`: `ES256`, `ES384` or `EdDSA`.
    pub(crate) fn generate(kid: &str, alg: &'static str) -> CurveKey {
        let ecdsa = |curve| {
            CurveSigner::Ecdsa(
                aws_lc_rs::signature::EcdsaKeyPair::generate(curve).expect("EC key generation"),
            )
        };
        let signer = match alg {
            "ES256" => ecdsa(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            "ES384" => ecdsa(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            "EdDSA" => CurveSigner::Ed25519(
                aws_lc_rs::signature::Ed25519KeyPair::generate().expect("Ed25519 key generation"),
            ),
            other => panic!("no curve key for {other}"),
        };
        CurveKey {
            kid: kid.to_owned(),
            alg,
            signer,
        }
    }

    /// The public JWK (RFC 7518 §6.2, RFC 8037 §2).
    pub(crate) fn jwk(&self) -> Value {
        match &self.signer {
            CurveSigner::Ecdsa(pair) => {
                let point = pair.public_key().as_ref();
                let len = (point.len() - 1) / 2;
                json!({
                    "kty": "EC",
                    "kid": self.kid,
                    "use": "sig",
                    "crv": if len == 32 { "P-256" } else { "P-384" },
                    "x": b64(&point[1..=len]),
                    "y": b64(&point[1 + len..]),
                })
            }
            CurveSigner::Ed25519(pair) => json!({
                "kty": "OKP",
                "kid": self.kid,
                "use": "sig",
                "crv": "Ed25519",
                "x": b64(pair.public_key().as_ref()),
            }),
        }
    }

    /// The JWS signature of `message`: `R‖S` for ECDSA (RFC 7518 §3.4).
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.signer {
            CurveSigner::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .expect("ECDSA signature")
                .as_ref()
                .to_vec(),
            CurveSigner::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
        }
    }

    /// `header.payload.signature` over the given JSON texts.
    pub(crate) fn token(&self, header: &str, claims: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        let signature = self.sign(input.as_bytes());
        format!("{input}.{}", b64(signature))
    }
}

/// An ECDSA `R‖S` signature re-encoded as the DER `Ecdsa-Sig-Value`
/// (RFC 3279 §2.2.3) that X.509 uses and JWS does not.
pub(crate) fn ecdsa_der(fixed: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let start = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let bytes = &bytes[start..];
        let mut out = vec![0x02];
        let pad = bytes[0] & 0x80 != 0;
        out.push((bytes.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(bytes);
        out
    };
    let (r, s) = fixed.split_at(fixed.len() / 2);
    let body = [integer(r), integer(s)].concat();
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend(body);
    out
}
