//! Wycheproof-style signature vectors for RS256 and PS256, made with the
//! project's own kind of key (RSA-2048 generated with aws-lc-rs, as the dev
//! issuer makes its keys) rather than copied: each vector is a token whose
//! header and claims are valid and whose signature is wrong in one precise
//! way, and each must be refused with `BadSignature` (or, for a signature
//! that is not base64url at all, `NotBase64Url`). Two controls, a library
//! signature and a hand-encoded one, must be accepted, so the hand-made
//! encodings are known to be right where they are meant to be.
//!
//! The hand-made encodings use the raw RSA private operation (`em^d mod n`)
//! on encodings built here after RFC 8017 §9.1.1 (EMSA-PSS) and §9.2
//! (EMSA-PKCS1-v1_5).

mod common;

use aws_lc_rs::digest::{self, SHA256};
use num_bigint::BigUint;
use scopegate::{
    Algorithm, AuthError, Authenticator,
    error::{TokenError, TokenPart},
};
use serde_json::json;

use common::jose::{TestKey, b64, left_pad};

/// DER of `DigestInfo` up to the hash, for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
/// The same without the NULL parameters.
const SHA256_PREFIX_NO_NULL: [u8; 17] = [
    0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04,
    0x20,
];
/// For SHA-1.
const SHA1_PREFIX: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

struct Fixture {
    key: TestKey,
    auth: Authenticator,
    runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn new() -> Fixture {
        let key = TestKey::generate("k1");
        let auth = common::jose::builder(&common::jose::jwks(&[&key]))
            .algorithms([Algorithm::RS256, Algorithm::PS256])
            .token_cache_bytes(0)
            .build()
            .expect("authenticator");
        Fixture {
            key,
            auth,
            runtime: common::jose::runtime(),
        }
    }

    /// `header.payload` for `alg`, with a distinct `jti`.
    fn signing_input(&self, alg: &str, jti: u64) -> String {
        let now = scopegate_wire::clock::unix_now();
        let header = json!({"alg": alg, "kid": self.key.kid, "typ": "at+jwt"});
        let claims = json!({"iss": common::jose::ISSUER, "sub": "vector", "exp": now + 600, "jti": jti.to_string()});
        format!("{}.{}", b64(header.to_string()), b64(claims.to_string()))
    }

    fn validate(&self, token: &str) -> Result<(), AuthError> {
        self.runtime.block_on(self.auth.validate(token)).map(|_| ())
    }

    fn with_signature(&self, input: &str, signature: &[u8]) -> Result<(), AuthError> {
        self.validate(&format!("{input}.{}", b64(signature)))
    }

    fn n(&self) -> BigUint {
        BigUint::from_bytes_be(&self.key.n)
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&SHA256, data).as_ref().to_vec()
}

/// EMSA-PKCS1-v1_5: `00 01 FF.. 00 || t`, `ps_len` bytes of `fill`.
fn pkcs1(em_len: usize, block_type: u8, fill: u8, t: &[u8]) -> Vec<u8> {
    let mut em = vec![0x00, block_type];
    em.extend(std::iter::repeat_n(fill, em_len - 3 - t.len()));
    em.push(0x00);
    em.extend_from_slice(t);
    em
}

fn mgf1(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u32;
    while out.len() < len {
        let mut block = seed.to_vec();
        block.extend_from_slice(&counter.to_be_bytes());
        out.extend(sha256(&block));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-ENCODE with SHA-256 and MGF1-SHA-256 (RFC 8017 §9.1.1), for a
/// 2048-bit modulus (emBits 2047, emLen 256), with knobs to break it.
struct Pss<'a> {
    salt: &'a [u8],
    trailer: u8,
    clear_top_bit: bool,
    separator: u8,
}

impl Pss<'_> {
    fn encode(&self, message: &[u8]) -> Vec<u8> {
        let em_len = 256;
        let m_hash = sha256(message);
        let mut m_prime = vec![0u8; 8];
        m_prime.extend_from_slice(&m_hash);
        m_prime.extend_from_slice(self.salt);
        let h = sha256(&m_prime);
        let mut db = vec![0u8; em_len - self.salt.len() - h.len() - 2];
        db.push(self.separator);
        db.extend_from_slice(self.salt);
        let mask = mgf1(&h, db.len());
        let mut masked: Vec<u8> = db.iter().zip(mask).map(|(d, m)| d ^ m).collect();
        if self.clear_top_bit {
            masked[0] &= 0x7f;
        } else {
            masked[0] |= 0x80;
        }
        masked.extend_from_slice(&h);
        masked.push(self.trailer);
        masked
    }
}

const GOOD_PSS: Pss<'static> = Pss {
    salt: &[0x5a; 32],
    trailer: 0xbc,
    clear_top_bit: true,
    separator: 0x01,
};

fn bad_signature(result: Result<(), AuthError>) -> bool {
    matches!(
        result,
        Err(AuthError::InvalidToken(TokenError::BadSignature))
    )
}

#[track_caller]
fn refused(fx: &Fixture, what: &str, input: &str, signature: &[u8]) {
    let result = fx.with_signature(input, signature);
    assert!(bad_signature(result.clone()), "{what}: {result:?}");
}

#[test]
fn the_controls_are_accepted() {
    let fx = Fixture::new();
    for alg in ["RS256", "PS256"] {
        let input = fx.signing_input(alg, 0);
        let signature = fx.key.sign(alg, input.as_bytes());
        assert_eq!(fx.with_signature(&input, &signature), Ok(()), "{alg}");
    }
    // The hand-made encodings, done right, verify: the raw operation and
    // the encoders below are correct.
    let input = fx.signing_input("RS256", 1);
    let mut t = SHA256_PREFIX.to_vec();
    t.extend(sha256(input.as_bytes()));
    let em = pkcs1(256, 0x01, 0xff, &t);
    assert_eq!(fx.with_signature(&input, &fx.key.raw_sign(&em)), Ok(()));
    let input = fx.signing_input("PS256", 2);
    let em = GOOD_PSS.encode(input.as_bytes());
    assert_eq!(fx.with_signature(&input, &fx.key.raw_sign(&em)), Ok(()));
}

#[test]
fn wrong_lengths_are_refused() {
    let fx = Fixture::new();
    for alg in ["RS256", "PS256"] {
        // A signature whose first byte is zero (1 in 256), then stripped.
        let (input, signature) = (0..20_000)
            .map(|jti| {
                let input = fx.signing_input(alg, jti);
                let signature = fx.key.sign(alg, input.as_bytes());
                (input, signature)
            })
            .find(|(_, s)| s[0] == 0)
            .expect("a signature with a leading zero byte within 20,000 tries");
        assert_eq!(
            fx.with_signature(&input, &signature),
            Ok(()),
            "{alg} control"
        );
        refused(&fx, "leading zero stripped", &input, &signature[1..]);
        let mut longer = vec![0];
        longer.extend_from_slice(&signature);
        refused(&fx, "leading zero added", &input, &longer);
        refused(
            &fx,
            "trailing zero added",
            &input,
            &[&signature[..], &[0]].concat(),
        );
        for keep in [255, 128, 1, 0] {
            let what = format!("{alg} truncated to {keep} bytes");
            refused(&fx, &what, &input, &signature[..keep]);
        }
        refused(&fx, "truncated from the front", &input, &signature[1..]);
        let double = [&signature[..], &signature[..]].concat();
        refused(&fx, "signature twice", &input, &double);
    }
}

#[test]
fn out_of_range_and_trivial_values_are_refused() {
    let fx = Fixture::new();
    let n = fx.n();
    let one = BigUint::from(1u8);
    for alg in ["RS256", "PS256"] {
        let input = fx.signing_input(alg, 7);
        for (what, s) in [
            ("s = 0", BigUint::ZERO),
            ("s = 1", one.clone()),
            ("s = n - 1", &n - &one),
            ("s = n", n.clone()),
            ("s = n + 1", &n + &one),
            ("s = 2^2048 - 1", (BigUint::from(1u8) << 2048u32) - &one),
        ] {
            refused(
                &fx,
                &format!("{alg} {what}"),
                &input,
                &left_pad(&s.to_bytes_be(), 256),
            );
        }
        // s + n: the same value modulo n as a valid signature, but >= n.
        let (input, s_plus_n) = (0..2_000)
            .find_map(|jti| {
                let input = fx.signing_input(alg, 100 + jti);
                let s = BigUint::from_bytes_be(&fx.key.sign(alg, input.as_bytes()));
                let bigger = s + &n;
                (bigger.bits() <= 2048).then(|| (input, bigger.to_bytes_be()))
            })
            .expect("a valid signature s with s + n < 2^2048 within 2,000 tries");
        assert_eq!(s_plus_n.len(), 256);
        refused(&fx, &format!("{alg} s + n"), &input, &s_plus_n);
    }
}

#[test]
fn the_wrong_hash_and_the_wrong_scheme_are_refused() {
    let fx = Fixture::new();
    for (header_alg, signed_as) in [
        ("RS256", "RS384"),
        ("RS256", "RS512"),
        ("RS256", "PS256"),
        ("PS256", "PS384"),
        ("PS256", "PS512"),
        ("PS256", "RS256"),
    ] {
        let input = fx.signing_input(header_alg, 3);
        let signature = fx.key.sign(signed_as, input.as_bytes());
        refused(
            &fx,
            &format!("{header_alg} signed as {signed_as}"),
            &input,
            &signature,
        );
    }
    // PKCS#1 v1.5 with a SHA-1 DigestInfo, and with the SHA-256 of another
    // message.
    let input = fx.signing_input("RS256", 4);
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
    let t = [&SHA1_PREFIX[..], sha1.as_ref()].concat();
    refused(
        &fx,
        "SHA-1 DigestInfo",
        &input,
        &fx.key.raw_sign(&pkcs1(256, 1, 0xff, &t)),
    );
    let t = [&SHA256_PREFIX[..], &sha256(b"another message")[..]].concat();
    refused(
        &fx,
        "hash of another message",
        &input,
        &fx.key.raw_sign(&pkcs1(256, 1, 0xff, &t)),
    );
}

#[test]
fn malformed_pkcs1_encodings_are_refused() {
    let fx = Fixture::new();
    let input = fx.signing_input("RS256", 5);
    let hash = sha256(input.as_bytes());
    let t = [&SHA256_PREFIX[..], &hash[..]].concat();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("block type 2", pkcs1(256, 0x02, 0xff, &t)),
        ("block type 0", pkcs1(256, 0x00, 0xff, &t)),
        ("padding of zeros", pkcs1(256, 0x01, 0x00, &t)),
        (
            "DigestInfo without NULL parameters",
            pkcs1(
                256,
                0x01,
                0xff,
                &[&SHA256_PREFIX_NO_NULL[..], &hash[..]].concat(),
            ),
        ),
        (
            "garbage after the hash",
            pkcs1(256, 0x01, 0xff, &[&t[..], &[0u8; 4][..]].concat()),
        ),
        ("hash truncated", pkcs1(256, 0x01, 0xff, &t[..t.len() - 1])),
    ];
    let mut no_separator = pkcs1(256, 0x01, 0xff, &t);
    no_separator[256 - t.len() - 1] = 0xff;
    cases.push(("no 00 separator", no_separator));
    let mut one_zero_in_padding = pkcs1(256, 0x01, 0xff, &t);
    one_zero_in_padding[100] = 0x00;
    cases.push(("a zero inside the padding", one_zero_in_padding));
    // Fewer than 8 bytes of padding: the encoding starts later, and what
    // precedes it is garbage (the Bleichenbacher-2006 shape).
    let mut short = vec![0x00, 0x01, 0xff, 0xff, 0x00];
    short.extend_from_slice(&t);
    short.extend(std::iter::repeat_n(0x42, 256 - short.len()));
    cases.push(("short padding, garbage at the end", short));
    let mut wrong_length_field = t.clone();
    wrong_length_field[1] = 0x32;
    cases.push((
        "DigestInfo length off by one",
        pkcs1(256, 0x01, 0xff, &wrong_length_field),
    ));
    for (what, em) in cases {
        assert_eq!(em.len(), 256, "{what}");
        refused(&fx, what, &input, &fx.key.raw_sign(&em));
    }
}

#[test]
fn malformed_pss_encodings_are_refused() {
    let fx = Fixture::new();
    let input = fx.signing_input("PS256", 6);
    let message = input.as_bytes();
    let cases = [
        (
            "trailer 0xbb",
            Pss {
                trailer: 0xbb,
                ..GOOD_PSS
            },
        ),
        (
            "top bit set",
            Pss {
                clear_top_bit: false,
                ..GOOD_PSS
            },
        ),
        (
            "separator 0x02",
            Pss {
                separator: 0x02,
                ..GOOD_PSS
            },
        ),
        (
            "separator 0x00",
            Pss {
                separator: 0x00,
                ..GOOD_PSS
            },
        ),
    ];
    for (what, pss) in cases {
        let em = pss.encode(message);
        refused(&fx, what, &input, &fx.key.raw_sign(&em));
    }
    // The hash of another message under a good encoding.
    let em = GOOD_PSS.encode(b"another message");
    refused(
        &fx,
        "PSS over another message",
        &input,
        &fx.key.raw_sign(&em),
    );
}

/// RFC 7518 §3.5: for PS256 "the size of the salt value is the same size
/// as the hash function output", 32 bytes. What the verifier does with
/// other salt lengths is recorded here (and in docs/security.md).
#[test]
fn pss_salt_lengths_other_than_the_hash_length() {
    let fx = Fixture::new();
    let input = fx.signing_input("PS256", 8);
    for (len, accepted) in [
        (0usize, false),
        (20, false),
        (31, false),
        (33, false),
        (64, false),
    ] {
        let salt = vec![0x33; len];
        let em = Pss {
            salt: &salt,
            ..GOOD_PSS
        }
        .encode(input.as_bytes());
        let result = fx.with_signature(&input, &fx.key.raw_sign(&em));
        assert_eq!(result.is_ok(), accepted, "salt of {len} bytes: {result:?}");
        if !accepted {
            assert!(bad_signature(result), "salt of {len} bytes");
        }
    }
}

#[test]
fn a_flipped_bit_in_any_part_is_refused() {
    let fx = Fixture::new();
    for alg in ["RS256", "PS256"] {
        let input = fx.signing_input(alg, 9);
        let signature = fx.key.sign(alg, input.as_bytes());
        let (header, payload) = input.split_once('.').expect("two parts");
        let (header, payload) = (common::jose::unb64(header), common::jose::unb64(payload));
        for bit in 0..signature.len() * 8 {
            let mut s = signature.clone();
            s[bit / 8] ^= 1 << (bit % 8);
            refused(&fx, &format!("{alg} signature bit {bit}"), &input, &s);
        }
        for (part, bytes) in [("header", &header), ("payload", &payload)] {
            for bit in 0..bytes.len() * 8 {
                let mut flipped = bytes.clone();
                flipped[bit / 8] ^= 1 << (bit % 8);
                let token = if part == "header" {
                    format!("{}.{}.{}", b64(&flipped), b64(&payload), b64(&signature))
                } else {
                    format!("{}.{}.{}", b64(&header), b64(&flipped), b64(&signature))
                };
                // A flipped header bit may break the JSON or the `alg`
                // first: any refusal will do, but never an acceptance.
                let result = fx.validate(&token);
                assert!(result.is_err(), "{alg} {part} bit {bit} accepted");
            }
        }
    }
}

#[test]
fn a_signature_that_is_not_base64url_is_refused_as_such() {
    let fx = Fixture::new();
    let input = fx.signing_input("RS256", 10);
    let signature = b64(fx.key.sign("RS256", input.as_bytes()));
    for broken in [
        format!("{signature}="),
        signature.replace('-', "+").replace('_', "/") + "+",
        format!("{}*", &signature[..signature.len() - 1]),
    ] {
        let result = fx.validate(&format!("{input}.{broken}"));
        assert_eq!(
            result,
            Err(AuthError::InvalidToken(TokenError::NotBase64Url(
                TokenPart::Signature
            )))
        );
    }
}
