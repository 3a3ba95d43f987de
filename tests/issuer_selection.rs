//! Issuer selection and key handling, over real HTTP:
//! JWKS endpoints on loopback, RSA and curve keys generated with aws-lc-rs.
//! A token's `iss` is read before the signature is verified to choose a
//! trusted issuer entry; these tests pin that the entry chosen is the one
//! whose keys and rules apply (duplicated `iss` members included), that a
//! multi-tenant template (Microsoft Entra ID's shape) matches one plain
//! tenant segment and nothing trickier, that the tenant claim must be a
//! string equal to it, that cached tokens follow their own entry's keys,
//! and that curve keys are refused when they are not what they claim
//! (RFC 7518 §3.4, §6.2; RFC 8037).

mod common;

use std::time::Duration;

use common::eventually;
use common::issuers::{JwksServer, assert_refused, call, claims_api, mint, now};
use common::jose::{CurveKey, TestKey, b64, jwks};
use num_bigint::BigUint;
use scopegate::{Algorithm, AuthError, Authenticator, Issuer, error::TokenError};
use serde_json::{Value, json};

const T1: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

fn header(key: &TestKey) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": key.kid})
}

fn claims(iss: &str) -> Value {
    json!({
        "iss": iss, "sub": "svc", "client_id": "svc", "scopes": ["a:b"],
        "iat": now(), "exp": now() + 600,
    })
}

/// A token over a claims text written by hand (duplicate members and all).
fn mint_text(key: &TestKey, claims: &str) -> String {
    key.token(&header(key).to_string(), claims, "RS256")
}

/// With a repeated `iss` member, the value that chooses the entry is the
/// value the claims are checked against (the last, as with any JSON
/// object read by serde_json), so a token cannot be chosen by one issuer
/// and checked against another; an escaped name is the same name.
#[actix_web::test]
async fn a_repeated_iss_selects_and_validates_with_the_same_value() {
    let (key_a, key_b) = (TestKey::generate("a-1"), TestKey::generate("b-1"));
    let server_a = JwksServer::start(vec![("/keys".into(), jwks(&[&key_a]))]);
    let server_b = JwksServer::start(vec![("/keys".into(), jwks(&[&key_b]))]);
    let (iss_a, iss_b) = (server_a.base.clone(), server_b.base.clone());
    let two = claims_api(
        Authenticator::builder(&iss_a)
            .trust(Issuer::new(&iss_b))
            .build()
            .unwrap(),
    );
    let one = claims_api(Authenticator::builder(&iss_a).build().unwrap());
    let (exp, iat) = (now() + 600, now());
    let text = |first: &str, last: &str, name: &str| {
        format!(
            r#"{{"iss":"{first}","sub":"svc","scopes":["a:b"],"iat":{iat},"exp":{exp},"{name}":"{last}"}}"#
        )
    };
    // Signed by A, last `iss` is B: B's keys are asked, and do not have A's.
    let a_then_b = mint_text(&key_a, &text(&iss_a, &iss_b, "iss"));
    assert_refused(&two, &a_then_b, "does not publish").await;
    // With one issuer, the last `iss` is the one refused.
    assert_refused(&one, &a_then_b, "issued by").await;
    // The last `iss` is A's, signed by A: accepted as A's, and `iss` reads A.
    for name in ["iss", "\\u0069ss"] {
        let b_then_a = mint_text(&key_a, &text(&iss_b, &iss_a, name));
        let (status, body) = call(&two, &b_then_a).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["iss"], iss_a.as_str());
        assert_eq!(body["issuer_entry"], 0);
        assert_eq!(call(&one, &b_then_a).await.0, 200);
    }
    // A string first, a number last: the number is what is read.
    let typed = format!(r#"{{"iss":"{iss_a}","exp":{exp},"iss":1}}"#);
    assert_refused(&two, &mint_text(&key_a, &typed), "`iss`").await;
}

/// Each entry's own rules apply to the tokens it accepts: an audience
/// required by entry A is not waived because entry B would not need it.
#[actix_web::test]
async fn each_entry_checks_its_own_audience() {
    let (key_a, key_b) = (TestKey::generate("a-1"), TestKey::generate("b-1"));
    let server_a = JwksServer::start(vec![("/keys".into(), jwks(&[&key_a]))]);
    let server_b = JwksServer::start(vec![("/keys".into(), jwks(&[&key_b]))]);
    let api = claims_api(
        Authenticator::builder(Issuer::new(&server_a.base).audience("api-a"))
            .trust(Issuer::new(&server_b.base))
            .build()
            .unwrap(),
    );
    let no_aud_a = mint(&key_a, header(&key_a), claims(&server_a.base));
    assert_refused(&api, &no_aud_a, "audience").await;
    let mut for_b = claims(&server_a.base);
    for_b["aud"] = json!("api-b");
    assert_refused(&api, &mint(&key_a, header(&key_a), for_b), "audience").await;
    let mut for_a = claims(&server_a.base);
    for_a["aud"] = json!("api-a");
    assert_eq!(
        call(&api, &mint(&key_a, header(&key_a), for_a)).await.0,
        200
    );
    let no_aud_b = mint(&key_b, header(&key_b), claims(&server_b.base));
    assert_eq!(call(&api, &no_aud_b).await.0, 200);
}

/// A template matches exactly `prefix + tenant + suffix` with a tenant of
/// ASCII letters, digits, `-` and `_`: no dot segments, percent-encoding,
/// slashes, empty tenant, trailing slash, other case in the fixed parts,
/// or look-alike characters; none of them causes a key fetch.
#[actix_web::test]
async fn a_tenant_template_matches_one_plain_segment_only() {
    let key = TestKey::generate("common-1");
    let server = JwksServer::start(vec![("/common/keys".into(), jwks(&[&key]))]);
    let base = server.base.clone();
    let template = format!("{base}/{{tenantid}}/v2.0");
    let issuer = |tenants: Option<&[&str]>| {
        let issuer = Issuer::multi_tenant(&template)
            .tenant_claim("tid")
            .jwks_url(format!("{base}/common/keys"));
        match tenants {
            Some(list) => issuer.tenants(list.iter().copied()),
            None => issuer.any_tenant(),
        }
    };
    let any = claims_api(Authenticator::builder(issuer(None)).build().unwrap());
    let listed = claims_api(Authenticator::builder(issuer(Some(&[T1]))).build().unwrap());
    let token = |iss: &str, tid: Value| {
        let mut c = claims(iss);
        c["tid"] = tid;
        mint(&key, header(&key), c)
    };
    let host_upper = base.replacen("http://", "HTTP://", 1);
    let lookalike = T1.replacen('a', "\u{430}", 1); // Cyrillic а
    for iss in [
        format!("{base}/../v2.0"),
        format!("{base}/./v2.0"),
        format!("{base}/%2e%2e/v2.0"),
        format!("{base}/{T1}%2Fx/v2.0"),
        format!("{base}/{T1}/x/v2.0"),
        format!("{base}//v2.0"),
        format!("{base}/{T1}/v2.0/"),
        format!("{base}/{T1}/V2.0"),
        format!("{host_upper}/{T1}/v2.0"),
        format!("{base}/{lookalike}/v2.0"),
        format!("{base}/{T1} /v2.0"),
        format!("{base}/{}/v2.0", "a".repeat(65)),
    ] {
        let tenant = iss
            .trim_start_matches(&base)
            .trim_end_matches("/v2.0")
            .trim_matches('/')
            .to_owned();
        for api in [&any, &listed] {
            let (status, body) = call(api, &token(&iss, json!(tenant))).await;
            assert_eq!(status, 401, "{iss}: {body}");
        }
    }
    assert_eq!(server.requests(), 0, "a malformed iss caused a key fetch");

    // Upper case is another tenant: not on a lower-case list, and with any
    // tenant `tid` must be written the same way.
    let upper = T1.to_uppercase();
    let iss_upper = format!("{base}/{upper}/v2.0");
    assert_refused(&listed, &token(&iss_upper, json!(upper)), "tenant").await;
    assert_refused(&any, &token(&iss_upper, json!(T1)), "`tid`").await;
    assert_eq!(call(&any, &token(&iss_upper, json!(upper))).await.0, 200);

    // `tid` of another type than a string is refused, whatever it holds.
    let iss = format!("{base}/{T1}/v2.0");
    for tid in [json!([T1]), json!({"id": T1}), json!(1), json!(true)] {
        assert_refused(&listed, &token(&iss, tid.clone()), "`tid`").await;
    }
    assert_eq!(call(&listed, &token(&iss, json!(T1))).await.0, 200);
}

/// With one exact issuer (the path that skips selection), a token verified
/// and cached is refused once the issuer stops publishing its key.
#[actix_web::test]
async fn a_single_issuers_cached_token_dies_with_its_key() {
    let (old, new) = (TestKey::generate("k-1"), TestKey::generate("k-2"));
    let server = JwksServer::start(vec![("/keys".into(), jwks(&[&old]))]);
    let api = claims_api(
        Authenticator::builder(&server.base)
            .refetch_cooldown(Duration::from_millis(50))
            .build()
            .unwrap(),
    );
    let cached = mint(&old, header(&old), claims(&server.base));
    for _ in 0..2 {
        assert_eq!(call(&api, &cached).await.0, 200);
    }
    server.set("/keys", jwks(&[&new]));
    let fresh = mint(&new, header(&new), claims(&server.base));
    assert!(eventually(async || call(&api, &fresh).await.0 == 200).await);
    assert_refused(&api, &cached, "does not publish").await;
}

/// A static-key-set authenticator for `ISSUER` allowing `algs`.
fn curve_auth(
    keys: Vec<Value>,
    algs: &[Algorithm],
) -> Result<Authenticator, scopegate::ConfigError> {
    let body = serde_json::to_vec(&json!({ "keys": keys })).unwrap();
    common::jose::builder(&body)
        .algorithms(algs.iter().copied())
        .build()
}

fn curve_token(key: &CurveKey, alg: &str) -> String {
    let header = json!({"alg": alg, "kid": key.kid, "typ": "JWT"}).to_string();
    let claims = json!({"iss": common::jose::ISSUER, "exp": now() + 600}).to_string();
    key.token(&header, &claims)
}

fn refusal(answer: Result<scopegate::Claims, AuthError>) -> TokenError {
    match answer {
        Err(AuthError::InvalidToken(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

/// Curve keys that are not what they claim are never used: an OKP key on
/// Ed448, an EC point not on its curve, a P-256 key announced for ES384;
/// a P-256 key never verifies an ES384 token, nor a P-384 key an ES256 one.
#[actix_web::test]
async fn curve_keys_are_used_only_as_what_they_are() {
    let all = [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];
    let p256 = CurveKey::generate("p256", "ES256");
    let p384 = CurveKey::generate("p384", "ES384");
    let ed = CurveKey::generate("ed", "EdDSA");

    let mut ed448 = ed.jwk();
    ed448["crv"] = json!("Ed448");
    ed448["x"] = json!(b64([7u8; 57]));
    let mut off_curve = p256.jwk();
    let mut y = common::jose::unb64(off_curve["y"].as_str().unwrap());
    y[31] ^= 1;
    off_curve["y"] = json!(b64(&y));
    off_curve["kid"] = json!("off-curve");
    let mut misnamed = p256.jwk();
    misnamed["alg"] = json!("ES384");
    misnamed["kid"] = json!("misnamed");
    for (bad, signer) in [(ed448, &ed), (off_curve, &p256), (misnamed, &p256)] {
        let kid = bad["kid"].as_str().unwrap().to_owned();
        // Refused when the authenticator is built, or when it is used.
        let Ok(auth) = curve_auth(vec![bad.clone()], &all) else {
            continue;
        };
        for alg in ["ES256", "ES384", "EdDSA"] {
            let header = json!({"alg": alg, "kid": kid, "typ": "JWT"}).to_string();
            let claims = json!({"iss": common::jose::ISSUER, "exp": now() + 600}).to_string();
            let token = signer.token(&header, &claims);
            assert!(auth.validate(&token).await.is_err(), "{bad} {alg}");
        }
    }

    let auth = curve_auth(vec![p256.jwk(), p384.jwk(), ed.jwk()], &all).unwrap();
    assert!(auth.validate(&curve_token(&p256, "ES256")).await.is_ok());
    assert!(auth.validate(&curve_token(&p384, "ES384")).await.is_ok());
    for token in [curve_token(&p256, "ES384"), curve_token(&p384, "ES256")] {
        assert!(matches!(
            refusal(auth.validate(&token).await),
            TokenError::KeyNotForAlgorithm { .. }
        ));
    }
    // An Ed25519 token claiming an ECDSA algorithm, and the reverse.
    assert!(auth.validate(&curve_token(&ed, "ES256")).await.is_err());
    assert!(auth.validate(&curve_token(&p256, "EdDSA")).await.is_err());
}

/// ECDSA signatures are malleable: `(r, n - s)` verifies as `(r, s)` does.
/// JWS (RFC 7518 §3.4) does not require low `s`, and a token's identity
/// for the verified-token cache and revocation is its claims' `jti`, not
/// its signature bytes, so this is accepted; pinned so that a change is
/// deliberate.
#[actix_web::test]
async fn a_high_s_ecdsa_signature_is_accepted_as_jose_allows() {
    const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    let key = CurveKey::generate("p256", "ES256");
    let auth = curve_auth(vec![key.jwk()], &[Algorithm::ES256]).unwrap();
    let good = curve_token(&key, "ES256");
    let (input, signature) = good.rsplit_once('.').unwrap();
    let fixed = common::jose::unb64(signature);
    let n = BigUint::parse_bytes(P256_N.as_bytes(), 16).unwrap();
    let s = BigUint::from_bytes_be(&fixed[32..]);
    let flipped = (&n - &s).to_bytes_be();
    let mut other = fixed[..32].to_vec();
    other.extend(common::jose::left_pad(&flipped, 32));
    assert_ne!(other, fixed);
    let token = format!("{input}.{}", b64(&other));
    assert!(auth.validate(&token).await.is_ok());
    // An `s` of `n + s` (too large, so not a scalar) is refused.
    let too_big = (&n + &s).to_bytes_be();
    if too_big.len() == 32 {
        let mut over = fixed[..32].to_vec();
        over.extend(too_big);
        let token = format!("{input}.{}", b64(&over));
        assert_eq!(
            refusal(auth.validate(&token).await),
            TokenError::BadSignature
        );
    }
}

/// The tenant claim may be one scopegate reads into a field of its own
/// (`oid`, `sub`, `client_id`): it is compared all the same. Before the
/// fix only claims outside those fields were looked at, so a template
/// bound to `oid` refused every token, its own tenant's included.
#[actix_web::test]
async fn a_tenant_claim_may_be_a_registered_claim() {
    let key = TestKey::generate("t-1");
    let server = JwksServer::start(vec![("/keys".into(), jwks(&[&key]))]);
    let base = server.base.clone();
    let api = claims_api(
        Authenticator::builder(
            Issuer::multi_tenant(format!("{base}/{{org}}"))
                .tenant_claim("oid")
                .jwks_url(format!("{base}/keys"))
                .any_tenant(),
        )
        .build()
        .unwrap(),
    );
    let token = |tenant: &str, oid: Value| {
        let mut c = claims(&format!("{base}/{tenant}"));
        c["oid"] = oid;
        mint(&key, header(&key), c)
    };
    let (status, body) = call(&api, &token("org_1", json!("org_1"))).await;
    assert_eq!(status, 200, "{body}");
    assert_refused(&api, &token("org_1", json!("org_2")), "`oid`").await;
    assert_refused(&api, &token("org_1", json!(1)), "`oid`").await;
    assert_refused(
        &api,
        &mint(&key, header(&key), claims(&format!("{base}/org_1"))),
        "`oid`",
    )
    .await;
}
