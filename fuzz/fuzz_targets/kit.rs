//! What the token targets share: the fixed key (`fuzz/keys/fuzz-k1.der`, PKCS#1, a
//! throwaway RSA-2048 key made for fuzzing, so that corpus tokens keep
//! verifying from run to run), its JWKS, an authenticator over it, and a
//! signer.
#![allow(dead_code)]

use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _, RsaEncoding, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scopegate_core::{Algorithm, Authenticator};

pub const ISSUER: &str = "https://issuer.fuzz.test";
pub const AUDIENCE: &str = "api.fuzz.test";
pub const KID: &str = "fuzz-k1";

pub struct Kit {
    pub key: RsaKeyPair,
    pub auth: Authenticator,
    pub runtime: tokio::runtime::Runtime,
}

/// `n` and `e` of a PKCS#1 `RSAPublicKey` DER.
fn modulus_and_exponent(der: &[u8]) -> (&[u8], &[u8]) {
    fn tlv(der: &[u8]) -> (&[u8], &[u8]) {
        let (len, at) = match der[1] {
            short if short < 0x80 => (usize::from(short), 2),
            0x81 => (usize::from(der[2]), 3),
            _ => ((usize::from(der[2]) << 8) | usize::from(der[3]), 4),
        };
        (&der[at..at + len], &der[at + len..])
    }
    let (sequence, _) = tlv(der);
    let (n, rest) = tlv(sequence);
    let (e, _) = tlv(rest);
    (n.strip_prefix(&[0]).unwrap_or(n), e)
}

pub fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| {
        let key = RsaKeyPair::from_der(include_bytes!("../keys/fuzz-k1.der")).expect("fuzz key");
        let (n, e) = modulus_and_exponent(key.public_key().as_ref());
        let jwks = serde_json::json!({"keys": [{
            "kty": "RSA", "kid": KID, "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e),
        }]});
        let auth = Authenticator::builder(ISSUER)
            .jwks_document(serde_json::to_vec(&jwks).expect("JSON"))
            .audience(AUDIENCE)
            .algorithms(Algorithm::ALL)
            .build()
            .expect("authenticator");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        Kit { key, auth, runtime }
    })
}

impl Kit {
    pub fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        let encoding: &'static dyn RsaEncoding = match alg {
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            "PS256" => &signature::RSA_PSS_SHA256,
            "PS384" => &signature::RSA_PSS_SHA384,
            "PS512" => &signature::RSA_PSS_SHA512,
            _ => &signature::RSA_PKCS1_SHA256,
        };
        let mut out = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(encoding, &SystemRandom::new(), message, &mut out)
            .expect("sign");
        out
    }

    /// Validates `token` twice (the second answer may come from the
    /// verified-token cache: it must agree) and checks what an accepted
    /// token must be.
    pub fn check(&self, token: &str) {
        let first = self.runtime.block_on(self.auth.validate(token));
        let second = self.runtime.block_on(self.auth.validate(token));
        assert_eq!(
            first.is_ok(),
            second.is_ok(),
            "the cache changed the decision"
        );
        if let Ok(claims) = first {
            let now = scopegate_wire_now();
            assert_eq!(claims.iss(), ISSUER);
            assert!(claims.aud().iter().any(|a| a == AUDIENCE));
            assert!(
                claims.exp().saturating_add(30) > now,
                "accepted an expired token"
            );
            assert!(claims.nbf().is_none_or(|nbf| nbf <= now.saturating_add(31)));
            let header = token.split('.').next().unwrap_or_default();
            let header: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64"))
                    .expect("JSON header");
            assert!(header.get("crit").is_none_or(serde_json::Value::is_null));
            assert!(
                header["alg"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("RS") || a.starts_with("PS"))
            );
        }
    }
}

fn scopegate_wire_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
