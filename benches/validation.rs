//! What validating a bearer token costs, next to what it cannot cost less
//! than.
//!
//! ```text
//! cargo bench --features dev --bench validation
//! ```
//!
//! Every case uses the same realistic token: RS256 over a 2048-bit key,
//! shaped like a Scalekit client-credentials access token (`client_id`,
//! `sub`, `oid`, two `scopes`, `iss`, `aud`, `iat`, `nbf`, `exp`, `jti` and
//! a custom `environment` claim), about 874 bytes, minted by the embedded dev
//! issuer.
//!
//! | case | what it measures |
//! |---|---|
//! | `floor_rs256_verify` | one RS256 verification with a pre-parsed aws-lc-rs `ParsedPublicKey`: SHA-256 of the signing input and the RSA public operation, nothing else. No validator can be cheaper. |
//! | `first_seen_cache_off` | `Authenticator::validate` of a token it has not seen, key already cached. Built with `.token_cache_bytes(0)` so that the verified-token cache (which would otherwise answer from the second iteration on) misses every time: split, header, key lookup, signature, claims. |
//! | `first_seen_cache_insert` | the same with the default cache on: a miss plus remembering the token. A pool of distinct tokens is validated by a fresh authenticator per pass; only `validate` is timed (one `Instant` pair per call). |
//! | `first_seen_cache_full` | the same against a cache at its bound: a budget of about two entries and a pool of distinct tokens cycled, so every lookup misses and every insert evicts, without a new authenticator in the loop. |
//! | `repeated_cache_hit` | the same token again, default settings: the verified-token cache answers. |
//! | `reject_bad_signature` | the test kit's `bad_signature()`: the first signature byte flipped (`^ 0xff`). When that makes the signature at least the modulus, aws-lc refuses it before the RSA operation, so this case can cost far less than the floor. Never cached. |
//! | `reject_tampered_payload` | the realistic token with one payload character changed: the signature is in range, so the whole RSA operation runs, then the padding check fails. Never cached. |
//! | `reject_garbage` | a token-sized string that is not a JWT. |
//! | `jsonwebtoken_decode` | the baseline: hand-written `jsonwebtoken::decode` into a claims struct, checking `iss`, `aud`, `exp` and `nbf` with a `DecodingKey` built once. |
//!
//! With `SCOPEGATE_COUNT=<repeated_cache_hit|first_seen_cache_off>:<n>` in
//! the environment the bench skips criterion and validates `n` times in the
//! non-inlined `counted_loop`, for callgrind (`--collect-atstart=no
//! --toggle-collect='*counted_loop*'`): an instruction count that does not
//! depend on the machine's load.
//!
//! The async cases run on a Tokio current-thread runtime, one `block_on`
//! per criterion sample around the whole timed loop (`iter_custom`): this is
//! what criterion's `to_async` does, without its `async` feature, and it
//! keeps the runtime's entry cost out of the per-iteration figure (a
//! `block_on` per iteration would add it to every call).

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use scopegate::dev::{DevIssuer, TokenBuilder};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const AUDIENCE: &str = "deployment-api.acmecorp.com";
/// Distinct tokens per fresh authenticator in `first_seen_cache_insert`.
const POOL: usize = 256;

/// The claims a hand-written `jsonwebtoken` integration would declare.
#[allow(dead_code)]
#[derive(Deserialize)]
struct ScalekitClaims {
    client_id: String,
    sub: String,
    oid: String,
    scopes: Vec<String>,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    environment: Option<String>,
}

/// A Scalekit-shaped token.
fn realistic(issuer: &DevIssuer) -> TokenBuilder {
    issuer
        .token()
        .scopes(["deploy:applications", "read:deployments"])
        .audience(AUDIENCE)
        .claim("environment", json!("production-eu-west-1"))
}

/// Runs `routine` `iters` times inside one `block_on` and returns the time
/// the loop took.
fn iter_async<F, Fut, T>(b: &mut Bencher<'_>, rt: &Runtime, mut routine: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    b.iter_custom(|iters| {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(routine().await);
            }
            start.elapsed()
        })
    });
}

/// `n` calls in one `block_on`, in a function of its own for callgrind's
/// `--toggle-collect`.
#[inline(never)]
fn counted_loop<F, Fut, T>(rt: &Runtime, mut routine: F, n: u64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    rt.block_on(async {
        for _ in 0..n {
            black_box(routine().await);
        }
    });
}

/// PKCS#1 `RSAPublicKey` DER from the JWK's `n` and `e`.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn length(len: usize, out: &mut Vec<u8>) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().position(|&b| b != 0).unwrap_or(7);
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    fn integer(bytes: &[u8], out: &mut Vec<u8>) {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let bytes = &bytes[start..];
        let pad = bytes.first().is_none_or(|&b| b & 0x80 != 0);
        out.push(0x02);
        length(bytes.len() + usize::from(pad), out);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(bytes);
    }
    let mut body = Vec::new();
    integer(n, &mut body);
    integer(e, &mut body);
    let mut der = vec![0x30];
    length(body.len(), &mut der);
    der.extend_from_slice(&body);
    der
}

fn validation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let issuer = rt.block_on(DevIssuer::start()).expect("the dev issuer");
    let token = realistic(&issuer).mint();
    eprintln!("token: {} bytes", token.len());

    // The issuer's key, as a validator would read it from the JWKS.
    let jwks: Value = rt.block_on(async {
        reqwest::get(issuer.jwks_url())
            .await
            .expect("the JWKS")
            .json()
            .await
            .expect("JSON")
    });
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| {
            keys.iter()
                .find(|k| k["kid"] == json!(issuer.signing_kid()))
        })
        .expect("the signing key in the JWKS");
    let (n, e) = (jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e"));

    if let Ok(spec) = std::env::var("SCOPEGATE_COUNT") {
        let (case, n) = spec.split_once(':').expect("SCOPEGATE_COUNT=<case>:<n>");
        let n: u64 = n.parse().expect("a count");
        let cache_bytes = match case {
            "repeated_cache_hit" => 16 << 20,
            "first_seen_cache_off" => 0,
            other => panic!("no count mode for {other}"),
        };
        let auth = issuer
            .authenticator()
            .audience(AUDIENCE)
            .token_cache_bytes(cache_bytes)
            .build()
            .expect("authenticator");
        rt.block_on(auth.validate(&token)).expect("valid token");
        counted_loop(&rt, || auth.validate(black_box(&token)), n);
        return;
    }

    let mut group = c.benchmark_group("validation");
    group.measurement_time(Duration::from_secs(8));

    // (a) The floor.
    {
        let der = rsa_public_key_der(
            &URL_SAFE_NO_PAD.decode(n).expect("n"),
            &URL_SAFE_NO_PAD.decode(e).expect("e"),
        );
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der).expect("RSA key");
        let (signing_input, signature) = token.rsplit_once('.').expect("a JWS");
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("signature");
        key.verify_sig(signing_input.as_bytes(), &signature)
            .expect("the token verifies");
        group.bench_function("floor_rs256_verify", |b| {
            b.iter(|| {
                key.verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                    .expect("verifies")
            })
        });
    }

    // (b) First-seen token, key cached, verified-token cache off.
    {
        let auth = issuer
            .authenticator()
            .audience(AUDIENCE)
            .token_cache_bytes(0)
            .build()
            .expect("authenticator");
        rt.block_on(auth.validate(&token)).expect("valid token");
        group.bench_function("first_seen_cache_off", |b| {
            iter_async(b, &rt, || auth.validate(black_box(&token)))
        });
        assert_eq!(auth.jwks_fetch_count(), 1, "the key stayed cached");
    }

    // (b') First-seen token with the cache on: miss, then insert.
    {
        let warm = realistic(&issuer).mint();
        let pool: Vec<String> = (0..POOL).map(|_| realistic(&issuer).mint()).collect();
        let fresh = || {
            let auth = issuer
                .authenticator()
                .audience(AUDIENCE)
                .build()
                .expect("authenticator");
            rt.block_on(auth.validate(&warm)).expect("valid token");
            auth
        };
        group.bench_function("first_seen_cache_insert", |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut auth = fresh();
                for i in 0..iters as usize {
                    if i > 0 && i % POOL == 0 {
                        auth = fresh();
                    }
                    let token = &pool[i % POOL];
                    rt.block_on(async {
                        let start = Instant::now();
                        let claims = auth.validate(black_box(token)).await;
                        timed += start.elapsed();
                        black_box(claims.expect("valid token"));
                    });
                }
                timed
            })
        });
    }

    // (b'') First-seen tokens against a full cache: a budget of about two
    // entries, a pool of distinct tokens cycled, so that every lookup misses
    // and every insert evicts (the steady state of a server whose clients
    // outnumber its cache).
    {
        let pool: Vec<String> = (0..POOL).map(|_| realistic(&issuer).mint()).collect();
        let auth = issuer
            .authenticator()
            .audience(AUDIENCE)
            .token_cache_bytes(4096)
            .build()
            .expect("authenticator");
        rt.block_on(auth.validate(&token)).expect("valid token");
        let mut next = 0;
        group.bench_function("first_seen_cache_full", |b| {
            iter_async(b, &rt, || {
                next = (next + 1) % POOL;
                auth.validate(black_box(&pool[next]))
            })
        });
    }

    // (c) Repeated token, default settings.
    {
        let auth = issuer
            .authenticator()
            .audience(AUDIENCE)
            .build()
            .expect("authenticator");
        rt.block_on(auth.validate(&token)).expect("valid token");
        group.bench_function("repeated_cache_hit", |b| {
            iter_async(b, &rt, || auth.validate(black_box(&token)))
        });
    }

    // (d) Rejections, default settings.
    {
        let auth = issuer
            .authenticator()
            .audience(AUDIENCE)
            .build()
            .expect("authenticator");
        rt.block_on(auth.validate(&token)).expect("valid token");
        let bad = realistic(&issuer).bad_signature().mint();
        assert!(rt.block_on(auth.validate(&bad)).is_err());
        group.bench_function("reject_bad_signature", |b| {
            iter_async(b, &rt, || auth.validate(black_box(&bad)))
        });
        // A payload changed after signing: the signature is in range, so the
        // whole RSA operation runs before the padding check fails.
        let tampered = {
            let (header, rest) = token.split_once('.').expect("a JWS");
            let (payload, signature) = rest.split_once('.').expect("a JWS");
            let mut payload = payload.to_owned();
            let middle = payload.len() / 2;
            let swap = if &payload[middle..=middle] == "A" {
                "B"
            } else {
                "A"
            };
            payload.replace_range(middle..=middle, swap);
            format!("{header}.{payload}.{signature}")
        };
        assert!(rt.block_on(auth.validate(&tampered)).is_err());
        group.bench_function("reject_tampered_payload", |b| {
            iter_async(b, &rt, || auth.validate(black_box(&tampered)))
        });
        let garbage: String = token
            .bytes()
            .map(|b| if b == b'.' { 'x' } else { char::from(b) })
            .collect();
        assert!(rt.block_on(auth.validate(&garbage)).is_err());
        group.bench_function("reject_garbage", |b| {
            iter_async(b, &rt, || auth.validate(black_box(&garbage)))
        });
    }

    // (e) The hand-written jsonwebtoken baseline.
    {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let key = DecodingKey::from_rsa_components(n, e).expect("RSA components");
        let mut rules = Validation::new(Algorithm::RS256);
        rules.set_issuer(&[issuer.url()]);
        rules.set_audience(&[AUDIENCE]);
        rules.validate_nbf = true;
        rules.leeway = 30;
        decode::<ScalekitClaims>(&token, &key, &rules).expect("jsonwebtoken accepts it");
        group.bench_function("jsonwebtoken_decode", |b| {
            b.iter(|| decode::<ScalekitClaims>(black_box(&token), &key, &rules).expect("valid"))
        });
    }

    group.finish();
}

criterion_group!(benches, validation);
criterion_main!(benches);
