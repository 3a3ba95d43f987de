//! ES256, ES384 and EdDSA (RFC 7518 §3.4, RFC 8037) beside the RSA
//! algorithms, over real HTTP: a JWKS served from 127.0.0.1 with keys
//! generated here with aws-lc-rs, and tokens signed with them. Each
//! algorithm is accepted when allowed and refused when not; an ECDSA
//! signature in DER is refused; a JWKS mixing key types yields exactly the
//! keys the server accepts; a key is never used with another key type's
//! algorithm.

mod common;

use actix_web::{HttpResponse, web};
use scopegate::{Algorithm, AuthError, Authenticator, error::TokenError};
use serde_json::{Value, json};

use common::jose::{CurveKey, ISSUER, TestKey, b64, ecdsa_der};
use common::{serve, unix_now};

/// Serves `keys` as a JWKS at `/keys` on a loopback port; returns its URL.
fn serve_jwks(keys: Vec<Value>) -> String {
    let body = serde_json::to_vec(&json!({ "keys": keys })).expect("JSON");
    let base = serve(move |cfg| {
        let body = body.clone();
        cfg.route(
            "/keys",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        );
    });
    format!("{base}/keys")
}

fn authenticator(jwks_url: &str, algorithms: &[Algorithm]) -> Authenticator {
    Authenticator::builder(ISSUER)
        .jwks_url(jwks_url)
        .algorithms(algorithms.iter().copied())
        .build()
        .expect("authenticator")
}

fn claims() -> String {
    json!({ "iss": ISSUER, "sub": "svc", "exp": unix_now() + 600, "scope": "read:deployments" })
        .to_string()
}

fn header(alg: &str, kid: &str) -> String {
    json!({ "alg": alg, "kid": kid, "typ": "JWT" }).to_string()
}

fn curve_token(key: &CurveKey) -> String {
    key.token(&header(key.alg, &key.kid), &claims())
}

fn rsa_token(key: &TestKey, kid: &str, alg: &str) -> String {
    key.token(&header(alg, kid), &claims(), alg)
}

fn refusal(answer: Result<scopegate::Claims, AuthError>) -> TokenError {
    match answer {
        Err(AuthError::InvalidToken(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[actix_web::test]
async fn each_curve_algorithm_is_accepted_only_when_allowed() {
    let rsa = TestKey::generate("rsa");
    let curves = [
        (CurveKey::generate("p256", "ES256"), Algorithm::ES256),
        (CurveKey::generate("p384", "ES384"), Algorithm::ES384),
        (CurveKey::generate("ed25519", "EdDSA"), Algorithm::EdDSA),
    ];
    let mut keys = vec![rsa.jwk()];
    keys.extend(curves.iter().map(|(key, _)| key.jwk()));
    let url = serve_jwks(keys);

    // The default: RS256 only. The RSA key is used, the others refused by
    // the allow-list before any key is looked at.
    let default = Authenticator::builder(ISSUER)
        .jwks_url(&url)
        .build()
        .expect("authenticator");
    assert!(
        default
            .validate(&rsa_token(&rsa, "rsa", "RS256"))
            .await
            .is_ok()
    );
    for (key, alg) in &curves {
        let reason = refusal(default.validate(&curve_token(key)).await);
        assert_eq!(
            reason,
            TokenError::AlgorithmNotAccepted {
                alg: alg.name().to_owned(),
                accepted: vec![Algorithm::RS256],
            }
        );
    }

    // Each allowed alone: its own tokens pass, the others do not.
    for (key, alg) in &curves {
        let auth = authenticator(&url, &[*alg]);
        let claims = auth
            .validate(&curve_token(key))
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(claims.sub(), Some("svc"));
        assert!(claims.has_scope("read:deployments"));
        for (other, other_alg) in &curves {
            if other_alg != alg {
                assert!(matches!(
                    refusal(auth.validate(&curve_token(other)).await),
                    TokenError::AlgorithmNotAccepted { .. }
                ));
            }
        }
        assert!(matches!(
            refusal(auth.validate(&rsa_token(&rsa, "rsa", "RS256")).await),
            TokenError::AlgorithmNotAccepted { .. }
        ));
        // A token signed by another key of the same type does not verify.
        let impostor = CurveKey::generate(&key.kid, key.alg);
        assert_eq!(
            refusal(auth.validate(&curve_token(&impostor)).await),
            TokenError::BadSignature
        );
    }
}

#[actix_web::test]
async fn an_ecdsa_signature_in_der_or_of_the_wrong_length_is_refused() {
    let p256 = CurveKey::generate("p256", "ES256");
    let p384 = CurveKey::generate("p384", "ES384");
    let ed = CurveKey::generate("ed", "EdDSA");
    let url = serve_jwks(vec![p256.jwk(), p384.jwk(), ed.jwk()]);
    let auth = authenticator(
        &url,
        &[Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA],
    );
    for key in [&p256, &p384] {
        let good = curve_token(key);
        assert!(auth.validate(&good).await.is_ok(), "{}", key.alg);
        let (input, signature) = good.rsplit_once('.').expect("three parts");
        let fixed = common::jose::unb64(signature);
        let der = ecdsa_der(&fixed);
        assert_ne!(der.len(), fixed.len());
        for bad in [
            der,
            [fixed.as_slice(), &[0]].concat(),
            fixed[..fixed.len() - 1].to_vec(),
        ] {
            let token = format!("{input}.{}", b64(&bad));
            assert_eq!(
                refusal(auth.validate(&token).await),
                TokenError::BadSignature,
                "{}",
                key.alg
            );
        }
    }
    let good = curve_token(&ed);
    let (input, signature) = good.rsplit_once('.').expect("three parts");
    let long = [common::jose::unb64(signature).as_slice(), &[0]].concat();
    assert_eq!(
        refusal(auth.validate(&format!("{input}.{}", b64(long))).await),
        TokenError::BadSignature
    );
}

#[actix_web::test]
async fn a_mixed_jwks_yields_the_keys_the_server_accepts() {
    let rsa = TestKey::generate("rsa");
    let p256 = CurveKey::generate("p256", "ES256");
    let p384 = CurveKey::generate("p384", "ES384");
    let ed = CurveKey::generate("ed", "EdDSA");
    // A P-256 key published for ES384: its alg disagrees with its curve.
    let mislabeled = CurveKey::generate("mislabeled", "ES256");
    let mut mislabeled_jwk = mislabeled.jwk();
    mislabeled_jwk["alg"] = json!("ES384");
    // A P-256 key published for RS256.
    let confused = CurveKey::generate("confused", "ES256");
    let mut confused_jwk = confused.jwk();
    confused_jwk["alg"] = json!("RS256");
    // A P-256 key whose x lost a byte.
    let short = CurveKey::generate("short", "ES256");
    let mut short_jwk = short.jwk();
    let x = common::jose::unb64(short_jwk["x"].as_str().expect("x"));
    short_jwk["x"] = json!(b64(&x[1..]));
    let keys = vec![
        rsa.jwk(),
        p256.jwk(),
        p384.jwk(),
        ed.jwk(),
        mislabeled_jwk,
        confused_jwk,
        short_jwk,
        // Types and curves scopegate does not verify with.
        json!({"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": b64([7u8; 57])}),
        json!({"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": b64([7u8; 32])}),
        json!({"kty": "EC", "crv": "P-521", "kid": "p521", "x": b64([1u8; 66]), "y": b64([1u8; 66])}),
        json!({"kty": "oct", "kid": "hmac", "k": b64([1u8; 32])}),
        json!({"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc", "x": "AA", "y": "AA"}),
    ];
    let url = serve_jwks(keys);

    // RS256 and ES256 allowed: the RSA and P-256 keys are used; the rest of
    // the set does not stop them.
    let auth = authenticator(&url, &[Algorithm::RS256, Algorithm::ES256]);
    assert!(
        auth.validate(&rsa_token(&rsa, "rsa", "RS256"))
            .await
            .is_ok()
    );
    assert!(auth.validate(&curve_token(&p256)).await.is_ok());
    assert!(auth.last_key_fetch_error().is_none());

    // Everything allowed: every well-formed supported key is used, and
    // every other one was skipped (its kid is unknown).
    let auth = authenticator(&url, &Algorithm::ALL);
    assert!(
        auth.validate(&rsa_token(&rsa, "rsa", "PS256"))
            .await
            .is_ok()
    );
    for key in [&p256, &p384, &ed] {
        assert!(
            auth.validate(&curve_token(key)).await.is_ok(),
            "{}",
            key.kid
        );
    }
    for key in [&mislabeled, &confused, &short] {
        assert!(
            matches!(
                refusal(auth.validate(&curve_token(key)).await),
                TokenError::UnknownKey { kid } if kid == key.kid
            ),
            "{}",
            key.kid
        );
    }
    let ed448 = ed.token(&header("EdDSA", "ed448"), &claims());
    assert!(matches!(
        refusal(auth.validate(&ed448).await),
        TokenError::UnknownKey { .. }
    ));
}

#[actix_web::test]
async fn a_key_is_never_used_with_another_key_types_algorithm() {
    let rsa = TestKey::generate("rsa");
    let p256 = CurveKey::generate("p256", "ES256");
    let ed = CurveKey::generate("ed", "EdDSA");
    let url = serve_jwks(vec![rsa.jwk(), p256.jwk(), ed.jwk()]);
    let auth = authenticator(&url, &Algorithm::ALL);

    let not_for = |answer| match refusal(answer) {
        TokenError::KeyNotForAlgorithm { kid, alg } => (kid, alg),
        other => panic!("expected KeyNotForAlgorithm, got {other:?}"),
    };
    // The EC key's kid on an RS256 token (signed with the RSA key).
    assert_eq!(
        not_for(auth.validate(&rsa_token(&rsa, "p256", "RS256")).await),
        ("p256".to_owned(), Algorithm::RS256)
    );
    // The RSA key's kid on an ES256 token.
    assert_eq!(
        not_for(
            auth.validate(&p256.token(&header("ES256", "rsa"), &claims()))
                .await
        ),
        ("rsa".to_owned(), Algorithm::ES256)
    );
    // A P-256 key named for ES384, an Ed25519 key for ES256, and back.
    assert_eq!(
        not_for(
            auth.validate(&p256.token(&header("ES384", "p256"), &claims()))
                .await
        ),
        ("p256".to_owned(), Algorithm::ES384)
    );
    assert_eq!(
        not_for(
            auth.validate(&ed.token(&header("ES256", "ed"), &claims()))
                .await
        ),
        ("ed".to_owned(), Algorithm::ES256)
    );
    assert_eq!(
        not_for(
            auth.validate(&p256.token(&header("EdDSA", "p256"), &claims()))
                .await
        ),
        ("p256".to_owned(), Algorithm::EdDSA)
    );
    // "Ed25519" is a curve, not an algorithm name (RFC 8037 §3.1).
    assert!(matches!(
        refusal(
            auth.validate(&ed.token(&header("Ed25519", "ed"), &claims()))
                .await
        ),
        TokenError::AlgorithmNotAccepted { .. }
    ));
}
