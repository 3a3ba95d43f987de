//! The embedded dev issuer over real HTTP on 127.0.0.1: the token endpoint,
//! the JWKS and discovery documents, the management API, key rotation, and
//! the minted tokens against the real validator.

mod common;

use std::time::Duration;

use common::{ORG, b64url, decode_jwt as decode, expect_error, header, http_client as http};
use reqwest::{Response, StatusCode};
use scopegate::dev::{DevIssuer, JwksMode, NewOrganizationClient, ScopeClaim};
use serde_json::{Value, json};

async fn token_request(issuer: &DevIssuer, form: &[(&str, &str)]) -> Response {
    http()
        .post(issuer.token_url())
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn token_for(issuer: &DevIssuer, id: &str, secret: &str) -> String {
    let response = token_request(
        issuer,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The management client's token, fetched the way a real caller does.
async fn admin_token(issuer: &DevIssuer) -> String {
    let (id, secret) = issuer.admin_credentials();
    token_for(issuer, &id, &secret).await
}

fn clients_url(issuer: &DevIssuer, org: &str) -> String {
    format!("{}/api/v1/organizations/{org}/clients", issuer.url())
}

async fn register(issuer: &DevIssuer, admin: &str, org: &str, body: Value) -> Response {
    http()
        .post(clients_url(issuer, org))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Registers the deployment client of Scalekit's guide and returns the
/// response body.
async fn register_deployer(issuer: &DevIssuer, admin: &str) -> Value {
    let response = register(
        issuer,
        admin,
        ORG,
        json!({
            "name": "GitHub Actions Deployment Service",
            "description": "Deploys to production via GitHub Actions",
            "scopes": ["deploy:applications", "read:deployments"],
            "audience": ["deployment-api.acmecorp.com"],
            "custom_claims": [
                {"key": "github_repository", "value": "acmecorp/inventory-service"},
                {"key": "environment", "value": "production_us"}
            ],
            "expiry": 600
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn is_rfc3339_millis(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
}

#[actix_web::test]
async fn discovery_and_jwks_documents() {
    let issuer = DevIssuer::start().await.unwrap();
    assert!(issuer.url().starts_with("http://127.0.0.1:"));
    let config: Value = http()
        .get(format!("{}/.well-known/openid-configuration", issuer.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["issuer"], issuer.url());
    assert_eq!(config["token_endpoint"], issuer.token_url());
    assert_eq!(config["jwks_uri"], issuer.jwks_url());
    assert_eq!(
        config["grant_types_supported"],
        json!(["client_credentials"])
    );
    assert_eq!(
        config["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert!(
        config["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_secret_basic"))
    );

    for path in ["/keys", "/.well-known/jwks.json"] {
        let jwks: Value = http()
            .get(format!("{}{path}", issuer.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert_eq!(
            (&key["kty"], &key["use"], &key["alg"], &key["e"]),
            (
                &json!("RSA"),
                &json!("sig"),
                &json!("RS256"),
                &json!("AQAB")
            )
        );
        assert_eq!(key["kid"], issuer.signing_kid());
        assert!(issuer.signing_kid().starts_with("snk_"));
        assert_eq!(b64url(key["n"].as_str().unwrap()).len(), 256, "RSA-2048");
    }
    assert_eq!(issuer.jwks_fetches(), 2);

    // The discovery path works for the runtime too.
    let auth = scopegate::Authenticator::builder(issuer.url())
        .discover()
        .build()
        .unwrap();
    assert!(auth.validate(&issuer.token().mint()).await.is_ok());

    let wrong_method = http().post(issuer.jwks_url()).send().await.unwrap();
    expect_error(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let nowhere = http()
        .get(format!("{}/nowhere", issuer.url()))
        .send()
        .await
        .unwrap();
    expect_error(nowhere, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn jwks_modes_misbehave_as_asked_and_every_fetch_counts() {
    let issuer = DevIssuer::start().await.unwrap();
    let get = || http().get(issuer.jwks_url()).send();

    issuer.set_jwks_mode(JwksMode::Unavailable);
    assert_eq!(
        get().await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    issuer.set_jwks_mode(JwksMode::Garbage);
    let response = get().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).is_err());

    issuer.set_jwks_mode(JwksMode::Empty);
    let body: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"keys": []}));

    issuer.set_jwks_mode(JwksMode::Oversized(300_000));
    let bytes = get().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.len(), 300_000);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["keys"][0]["kid"], issuer.signing_kid());

    issuer.set_jwks_mode(JwksMode::Hang);
    // The hung fetch is counted once the issuer has it (a client that gave
    // up after a fixed time could do so, on a loaded machine, before its
    // request even arrived); then it still has no answer.
    let before = issuer.jwks_fetches();
    let mut hung = actix_web::rt::spawn(http().get(issuer.jwks_url()).send());
    assert!(
        common::eventually(async || issuer.jwks_fetches() > before).await,
        "the issuer never received the fetch"
    );
    let answer = tokio::time::timeout(Duration::from_millis(300), &mut hung).await;
    assert!(answer.is_err(), "a hanging key set answered: {answer:?}");
    hung.abort();

    issuer.set_jwks_mode(JwksMode::Normal);
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    assert_eq!(issuer.jwks_fetches(), 6);
}

#[actix_web::test]
async fn registration_and_token_have_scalekits_shape() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin_token(&issuer).await;
    let created = register_deployer(&issuer, &admin).await;

    let client = &created["client"];
    let client_id = client["client_id"].as_str().unwrap();
    let plain_secret = created["plain_secret"].as_str().unwrap();
    assert!(client_id.starts_with("m2morg_") && client_id.len() == "m2morg_".len() + 17);
    assert!(plain_secret.starts_with("test_") && plain_secret.len() == 69);
    let secret = &client["secrets"][0];
    assert!(secret["id"].as_str().unwrap().starts_with("sks_"));
    assert_eq!(
        secret["secret_suffix"],
        plain_secret[plain_secret.len() - 4..]
    );
    assert_eq!(secret["status"], "ACTIVE");
    assert!(is_rfc3339_millis(secret["create_time"].as_str().unwrap()));
    assert_eq!(client["name"], "GitHub Actions Deployment Service");
    assert_eq!(
        client["description"],
        "Deploys to production via GitHub Actions"
    );
    assert_eq!(client["organization_id"], ORG);
    assert!(is_rfc3339_millis(client["create_time"].as_str().unwrap()));
    assert!(is_rfc3339_millis(client["update_time"].as_str().unwrap()));
    assert_eq!(
        client["scopes"],
        json!(["deploy:applications", "read:deployments"])
    );
    assert_eq!(client["audience"], json!(["deployment-api.acmecorp.com"]));
    assert_eq!(client["custom_claims"][0]["key"], "github_repository");
    assert_eq!(client["expiry"], 600);
    // The secret is shown once: never again.
    assert!(!client.to_string().contains(plain_secret));

    let before = issuer.token_requests();
    let response = token_request(
        &issuer,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", plain_secret),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(issuer.token_requests(), before + 1);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "deploy:applications read:deployments");

    let token = body["access_token"].as_str().unwrap();
    let (head, claims) = decode(token);
    assert_eq!(
        head,
        json!({"alg": "RS256", "kid": issuer.signing_kid(), "typ": "JWT"})
    );
    assert_eq!(claims["client_id"], client_id);
    assert_eq!(claims["sub"], client_id);
    assert_eq!(claims["oid"], ORG);
    assert_eq!(
        claims["scopes"],
        json!(["deploy:applications", "read:deployments"])
    );
    assert!(claims.get("scope").is_none());
    assert_eq!(claims["iss"], issuer.url());
    assert_eq!(claims["aud"], json!(["deployment-api.acmecorp.com"]));
    assert_eq!(claims["nbf"], claims["iat"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert!(claims["jti"].as_str().unwrap().starts_with("tkn_"));
    assert_eq!(claims["github_repository"], "acmecorp/inventory-service");
    assert_eq!(claims["environment"], "production_us");

    let auth = issuer
        .authenticator()
        .audience("deployment-api.acmecorp.com")
        .build()
        .unwrap();
    let validated = auth.validate(token).await.unwrap();
    assert_eq!(validated.client_id(), Some(client_id));
    assert_eq!(validated.oid(), Some(ORG));
    assert!(validated.has_scope("deploy:applications"));
    assert_eq!(
        validated.get::<String>("github_repository").unwrap(),
        "acmecorp/inventory-service"
    );

    // The secret's last use is recorded.
    let info = issuer.client(ORG, client_id).unwrap();
    assert!(info.secrets[0].last_used_time.is_some());
}

#[actix_web::test]
async fn basic_authentication_and_scope_narrowing() {
    let issuer = DevIssuer::start().await.unwrap();
    let created = issuer
        .create_client(
            ORG,
            NewOrganizationClient::new("ci").scopes(["deploy:applications", "read:deployments"]),
        )
        .unwrap();
    let id = created.client.client_id.as_str();
    let secret = created.plain_secret.expose();

    let basic = |form: &[(&str, &str)]| {
        http()
            .post(issuer.token_url())
            .basic_auth(id, Some(secret))
            .form(form)
            .send()
    };
    let response = basic(&[("grant_type", "client_credentials")])
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "deploy:applications read:deployments");

    // A narrower scope; a client_id in the body that agrees is fine.
    let response = basic(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("scope", "read:deployments"),
    ])
    .await
    .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "read:deployments");
    let (_, claims) = decode(body["access_token"].as_str().unwrap());
    assert_eq!(claims["scopes"], json!(["read:deployments"]));

    // A scope the client does not hold.
    let response = basic(&[
        ("grant_type", "client_credentials"),
        ("scope", "read:deployments admin:everything"),
    ])
    .await
    .unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("admin:everything")
    );

    // Both authentication methods at once.
    let response = basic(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ])
    .await
    .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    // Basic for one client, body naming another.
    let response = basic(&[
        ("grant_type", "client_credentials"),
        ("client_id", "m2morg_1"),
    ])
    .await
    .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;

    // Basic with a wrong secret.
    let response = http()
        .post(issuer.token_url())
        .basic_auth(id, Some("test_wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert!(header(&response, "www-authenticate").starts_with("Basic realm="));
    expect_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[actix_web::test]
async fn token_endpoint_refuses_bad_requests_per_rfc_6749() {
    let issuer = DevIssuer::start().await.unwrap();
    let created = issuer
        .create_client(
            ORG,
            NewOrganizationClient::new("ci").scopes(["deploy:applications"]),
        )
        .unwrap();
    let id = created.client.client_id.clone();
    let secret = created.plain_secret.expose().to_owned();
    let grant = ("grant_type", "client_credentials");

    let refused = |response: Response, status, code| async move {
        assert_eq!(header(&response, "cache-control"), "no-store");
        if status == StatusCode::UNAUTHORIZED {
            assert!(header(&response, "www-authenticate").starts_with("Basic"));
        }
        expect_error(response, status, code).await
    };

    let wrong = token_request(
        &issuer,
        &[grant, ("client_id", &id), ("client_secret", "test_nope")],
    )
    .await;
    refused(wrong, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let unknown = token_request(
        &issuer,
        &[
            grant,
            ("client_id", "m2morg_404"),
            ("client_secret", &secret),
        ],
    )
    .await;
    refused(unknown, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let anonymous = token_request(&issuer, &[grant]).await;
    refused(anonymous, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let no_secret = token_request(&issuer, &[grant, ("client_id", &id)]).await;
    refused(no_secret, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let no_grant = token_request(&issuer, &[("client_id", &id), ("client_secret", &secret)]).await;
    refused(no_grant, StatusCode::BAD_REQUEST, "invalid_request").await;
    let password = token_request(
        &issuer,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    refused(password, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
    let repeated = token_request(
        &issuer,
        &[grant, grant, ("client_id", &id), ("client_secret", &secret)],
    )
    .await;
    refused(repeated, StatusCode::BAD_REQUEST, "invalid_request").await;
    let outside = token_request(
        &issuer,
        &[
            grant,
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "read:deployments"),
        ],
    )
    .await;
    refused(outside, StatusCode::BAD_REQUEST, "invalid_scope").await;

    let as_json = http()
        .post(issuer.token_url())
        .json(
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .send()
        .await
        .unwrap();
    refused(
        as_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_request",
    )
    .await;
    let huge = http()
        .post(issuer.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(20_000)
        ))
        .send()
        .await
        .unwrap();
    refused(huge, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request").await;
    let get = http().get(issuer.token_url()).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Every POST counted, whatever its outcome (the GET is not).
    assert_eq!(issuer.token_requests(), 10);

    // A second secret works; the removed first one does not.
    let second = issuer.create_secret(ORG, &id).unwrap();
    issuer
        .delete_secret(ORG, &id, &created.client.secrets[0].id)
        .unwrap();
    let removed = token_request(
        &issuer,
        &[grant, ("client_id", &id), ("client_secret", &secret)],
    )
    .await;
    refused(removed, StatusCode::UNAUTHORIZED, "invalid_client").await;
    token_for(&issuer, &id, second.plain_secret.expose()).await;

    // A deleted client cannot authenticate any more.
    issuer.delete_client(ORG, &id).unwrap();
    let deleted = token_request(
        &issuer,
        &[
            grant,
            ("client_id", &id),
            ("client_secret", second.plain_secret.expose()),
        ],
    )
    .await;
    refused(deleted, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[actix_web::test]
async fn management_api_requires_the_management_clients_bearer() {
    let issuer = DevIssuer::start().await.unwrap();
    let url = clients_url(&issuer, ORG);
    let body = json!({"name": "x", "scopes": ["a:b"]});

    let none = http().post(&url).json(&body).send().await.unwrap();
    assert_eq!(header(&none, "www-authenticate"), "Bearer");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    // Refused before the body is read: a broken body without a token is 401.
    let broken = http()
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::UNAUTHORIZED);

    let other_issuer = DevIssuer::start().await.unwrap();
    let (admin_id, _) = issuer.admin_credentials();
    let bad_tokens = [
        "garbage".to_owned(),
        other_issuer.admin_token(),
        issuer.token().client_id(&admin_id).unsigned("none").mint(),
        issuer
            .token()
            .client_id(&admin_id)
            .expires_at(1_000_000)
            .mint(),
        issuer.token().client_id(&admin_id).bad_signature().mint(),
        issuer
            .token()
            .client_id(&admin_id)
            .signed_with_other_key()
            .mint(),
        issuer
            .token()
            .client_id(&admin_id)
            .issuer("https://evil.example")
            .mint(),
    ];
    for token in &bad_tokens {
        let response = http().get(&url).bearer_auth(token).send().await.unwrap();
        assert!(
            header(&response, "www-authenticate").starts_with("Bearer error=\"invalid_token\"")
        );
        expect_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }

    // A valid token of an ordinary client is not enough.
    let created = issuer
        .create_client(ORG, NewOrganizationClient::new("ci").scopes(["a:b"]))
        .unwrap();
    let ordinary = token_for(
        &issuer,
        &created.client.client_id,
        created.plain_secret.expose(),
    )
    .await;
    let response = http()
        .get(&url)
        .bearer_auth(&ordinary)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "access_denied").await;

    // The management client's token from /oauth/token, and a minted one.
    for token in [admin_token(&issuer).await, issuer.admin_token()] {
        let response = http().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (_, claims) = decode(&admin_token(&issuer).await);
    assert_eq!(claims["client_id"], admin_id);
    assert!(
        claims.get("oid").is_none(),
        "the management client has no organization"
    );
}

#[actix_web::test]
async fn registration_input_is_validated() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin_token(&issuer).await;

    let malformed = http()
        .post(clients_url(&issuer, ORG))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"name": "x", "scopes": ["#)
        .send()
        .await
        .unwrap();
    expect_error(malformed, StatusCode::BAD_REQUEST, "invalid_request").await;

    let missing = register(&issuer, &admin, ORG, json!({"scopes": ["a:b"]})).await;
    let body = expect_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(body["field"], "name");

    let wrong_type = register(&issuer, &admin, ORG, json!({"name": "x", "scopes": "a:b"})).await;
    expect_error(wrong_type, StatusCode::BAD_REQUEST, "invalid_request").await;

    let grammar = register(
        &issuer,
        &admin,
        ORG,
        json!({"name": "x", "scopes": ["deploy:applications", "Deploy:Everything"]}),
    )
    .await;
    let body = expect_error(grammar, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(body["field"], "scopes[1]");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("scopes[1]: ")
    );

    for (bad, field) in [
        (json!({"name": " "}), "name"),
        (json!({"name": "x", "scopes": ["a:b:c"]}), "scopes[0]"),
        (json!({"name": "x", "audience": [""]}), "audience[0]"),
        (
            json!({"name": "x", "custom_claims": [{"key": "iss", "value": "evil"}]}),
            "custom_claims[0].key",
        ),
        (json!({"name": "x", "expiry": 0}), "expiry"),
    ] {
        let response = register(&issuer, &admin, ORG, bad.clone()).await;
        let body = expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert_eq!(body["field"], field, "{bad}");
    }

    let bad_org = register(&issuer, &admin, "org%20one", json!({"name": "x"})).await;
    let body = expect_error(bad_org, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(body["field"], "organization_id");

    let form = http()
        .post(clients_url(&issuer, ORG))
        .bearer_auth(&admin)
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    expect_error(form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request").await;

    // The in-process API validates the same way.
    let error = issuer
        .create_client(
            ORG,
            NewOrganizationClient::new("x").scopes(["fine:scope", "nope"]),
        )
        .unwrap_err();
    assert_eq!(error.field(), Some("scopes[1]"));
    assert_eq!(error.status().as_u16(), 400);
    assert_eq!(error.code(), "invalid_request");

    // Nothing was registered: the organization lists as an empty page.
    let list = http()
        .get(clients_url(&issuer, ORG))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let page: Value = list.json().await.unwrap();
    assert_eq!(page["total_size"], 0);
    assert_eq!(page["clients"], serde_json::json!([]));
}

#[actix_web::test]
async fn clients_are_listed_read_changed_and_deleted() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin_token(&issuer).await;
    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let response = register(
            &issuer,
            &admin,
            ORG,
            json!({"name": name, "scopes": ["read:deployments"]}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        ids.push(body["client"]["client_id"].as_str().unwrap().to_owned());
    }
    let get = |url: String| http().get(url).bearer_auth(&admin).send();
    let list_url = clients_url(&issuer, ORG);

    // Paging, like the listings of Scalekit's management API.
    let first: Value = get(format!("{list_url}?page_size=2"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["total_size"], 3);
    assert_eq!(first["clients"].as_array().unwrap().len(), 2);
    assert_eq!(first["clients"][0]["name"], "one");
    assert_eq!(first["prev_page_token"], "");
    let next = first["next_page_token"].as_str().unwrap();
    assert!(!next.is_empty());
    let second: Value = get(format!("{list_url}?page_size=2&page_token={next}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["clients"][0]["name"], "three");
    assert_eq!(second["next_page_token"], "");
    assert_ne!(second["prev_page_token"], "");
    let bad_token = get(format!("{list_url}?page_token=zzz")).await.unwrap();
    let body = expect_error(bad_token, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(body["field"], "page_token");
    let bad_size = get(format!("{list_url}?page_size=many")).await.unwrap();
    expect_error(bad_size, StatusCode::BAD_REQUEST, "invalid_request").await;
    let unknown_org = get(clients_url(&issuer, "org_unknown")).await.unwrap();
    assert_eq!(unknown_org.status(), StatusCode::OK);
    let empty: Value = unknown_org.json().await.unwrap();
    assert_eq!(empty["total_size"], 0);
    assert_eq!(empty["next_page_token"], "");

    // Read one; it is not found under another organization.
    let one_url = format!("{list_url}/{}", ids[0]);
    let one: Value = get(one_url.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(one["client"]["client_id"], ids[0].as_str());
    issuer
        .create_client("org_other", NewOrganizationClient::new("x").scopes(["a:b"]))
        .unwrap();
    let elsewhere = get(format!("{}/{}", clients_url(&issuer, "org_other"), ids[0]))
        .await
        .unwrap();
    expect_error(elsewhere, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = get(format!("{list_url}/m2morg_1")).await.unwrap();
    expect_error(unknown, StatusCode::NOT_FOUND, "not_found").await;

    // Change it: later tokens carry the new settings.
    let patch = |body: Value| {
        http()
            .patch(&one_url)
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let response =
        patch(json!({"scopes": ["deploy:applications"], "expiry": 120, "description": "changed"}))
            .await
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["client"]["scopes"], json!(["deploy:applications"]));
    assert_eq!(changed["client"]["name"], "one");
    assert_eq!(changed["client"]["description"], "changed");
    let bad_patch = patch(json!({"scopes": ["no-colon"]})).await.unwrap();
    let body = expect_error(bad_patch, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(body["field"], "scopes[0]");

    // Secrets: add one, use it, remove it.
    let secrets_url = format!("{one_url}/secrets");
    let response = http()
        .post(&secrets_url)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let secret: Value = response.json().await.unwrap();
    let secret_id = secret["secret"]["id"].as_str().unwrap();
    let plain = secret["plain_secret"].as_str().unwrap();
    assert!(secret_id.starts_with("sks_"));
    assert_eq!(secret["secret"]["secret_suffix"], plain[plain.len() - 4..]);
    let token = token_for(&issuer, &ids[0], plain).await;
    let (_, claims) = decode(&token);
    assert_eq!(claims["scopes"], json!(["deploy:applications"]));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    let delete = |url: String| http().delete(url).bearer_auth(&admin).send();
    let response = delete(format!("{secrets_url}/{secret_id}")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let again = delete(format!("{secrets_url}/{secret_id}")).await.unwrap();
    expect_error(again, StatusCode::NOT_FOUND, "not_found").await;
    let refused = token_request(
        &issuer,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &ids[0]),
            ("client_secret", plain),
        ],
    )
    .await;
    expect_error(refused, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // Delete the client.
    assert_eq!(
        delete(one_url.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    expect_error(
        get(one_url.clone()).await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        delete(one_url).await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let listed: Value = get(list_url).await.unwrap().json().await.unwrap();
    assert_eq!(listed["total_size"], 2);
}

#[actix_web::test]
async fn a_rotated_key_serves_its_grace_period_then_its_tokens_fail() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .refetch_cooldown(Duration::from_millis(100))
        .build()
        .unwrap();
    let created = issuer
        .create_client(
            ORG,
            NewOrganizationClient::new("ci").scopes(["deploy:applications"]),
        )
        .unwrap();
    let old_kid = issuer.signing_kid();
    let old_token = token_for(
        &issuer,
        &created.client.client_id,
        created.plain_secret.expose(),
    )
    .await;
    assert!(auth.validate(&old_token).await.is_ok());

    // Long enough that the checks below run inside it on a loaded machine
    // (no test asserts how fast the machine is).
    let grace = Duration::from_secs(10);
    let new_kid = issuer.rotate_key(grace);
    assert_ne!(new_kid, old_kid);
    assert_eq!(issuer.signing_kid(), new_kid);
    let new_token = token_for(
        &issuer,
        &created.client.client_id,
        created.plain_secret.expose(),
    )
    .await;
    assert_eq!(decode(&new_token).0["kid"], new_kid.as_str());
    // Let the validator's refetch cooldown pass, so the new kid is fetched.
    tokio::time::sleep(Duration::from_millis(150)).await;

    // During the grace period both keys are published and both tokens pass
    // (the new kid makes the validator refetch).
    let jwks: Value = http()
        .get(issuer.jwks_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()));
    assert!(auth.validate(&new_token).await.is_ok());
    assert!(auth.validate(&old_token).await.is_ok());

    // Wait for the grace period to end: the old key leaves the JWKS.
    let retired = common::eventually(async || {
        let jwks: Value = http()
            .get(issuer.jwks_url())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kid"] != old_kid.as_str())
    })
    .await;
    assert!(retired, "the old key left the JWKS after its grace period");

    // The validator learns of it at its next fetch (here: a new published
    // key's kid, past the cooldown) and then refuses the old tokens.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let extra = issuer.publish_extra_key();
    let extra_token = issuer.token().kid(&extra).mint();
    if let Err(error) = auth.validate(&extra_token).await {
        panic!(
            "a token under the newly published key is refused: {error:?}; last fetch error: {:?}",
            auth.last_key_fetch_error()
        );
    }
    let error = auth.validate(&old_token).await.unwrap_err();
    assert_eq!(error.code(), "invalid_token", "{error}");
    let forged_late = issuer.token().kid(&old_kid).mint();
    assert!(auth.validate(&forged_late).await.is_err());
    assert!(auth.validate(&new_token).await.is_ok());
}

#[actix_web::test]
async fn scope_claim_style_applies_to_issued_tokens() {
    for (style, scopes, scope) in [
        (ScopeClaim::Array, Some(json!(["a:b", "c:d"])), None),
        (ScopeClaim::String, None, Some(json!("a:b c:d"))),
        (
            ScopeClaim::Both,
            Some(json!(["a:b", "c:d"])),
            Some(json!("a:b c:d")),
        ),
    ] {
        let issuer = DevIssuer::builder()
            .scope_claim(style)
            .start()
            .await
            .unwrap();
        let created = issuer
            .create_client(ORG, NewOrganizationClient::new("x").scopes(["a:b", "c:d"]))
            .unwrap();
        let token = token_for(
            &issuer,
            &created.client.client_id,
            created.plain_secret.expose(),
        )
        .await;
        let (_, claims) = decode(&token);
        assert_eq!(claims.get("scopes").cloned(), scopes, "{style:?}");
        assert_eq!(claims.get("scope").cloned(), scope, "{style:?}");
        let validated = issuer
            .authenticator()
            .build()
            .unwrap()
            .validate(&token)
            .await
            .unwrap();
        assert_eq!(validated.scopes(), ["a:b", "c:d"], "{style:?}");
        issuer.stop().await;
    }
}

#[actix_web::test]
async fn fixed_admin_credentials_and_binding() {
    let issuer = DevIssuer::builder()
        .bind("127.0.0.1:0".parse().unwrap())
        .admin_credentials("skc_dev", "test_dev_secret")
        .start()
        .await
        .unwrap();
    assert_eq!(
        issuer.admin_credentials(),
        ("skc_dev".to_owned(), "test_dev_secret".to_owned())
    );
    let response = http()
        .post(issuer.token_url())
        .basic_auth("skc_dev", Some("test_dev_secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let response = register(
        &issuer,
        body["access_token"].as_str().unwrap(),
        ORG,
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    assert!(
        DevIssuer::builder()
            .admin_credentials("", "x")
            .start()
            .await
            .is_err()
    );
}

#[actix_web::test]
async fn minted_tokens_meet_the_real_validator() {
    let issuer = DevIssuer::start().await.unwrap();
    let auth = issuer
        .authenticator()
        .audience("api.test")
        .refetch_cooldown(Duration::from_millis(100))
        .build()
        .unwrap();
    let good = issuer
        .token()
        .scopes(["deploy:applications"])
        .audience("api.test")
        .client_id("m2morg_1")
        .org("org_1")
        .claim("github_repository", json!("acme/x"))
        .mint();
    let claims = auth.validate(&good).await.unwrap();
    assert_eq!(claims.client_id(), Some("m2morg_1"));
    assert_eq!(claims.sub(), Some("m2morg_1"));
    assert_eq!(claims.oid(), Some("org_1"));
    assert!(claims.has_scope("deploy:applications"));

    let t = || issuer.token().audience("api.test");
    for (token, what) in [
        (t().unsigned("nOnE").mint(), "alg none"),
        (
            t().hs256_with_public_key().mint(),
            "HS256 with the public key",
        ),
        (
            t().signed_with_other_key().mint(),
            "foreign key under our kid",
        ),
        (t().bad_signature().mint(), "flipped signature"),
        (t().expires_at(1_000_000).mint(), "expired long ago"),
        (t().expired().mint(), "expired"),
        (t().not_yet_valid().mint(), "not yet valid"),
        (t().claim("exp", json!("never")).mint(), "exp as a string"),
        (t().alg("RS512").mint(), "RS512 not allowed"),
        (t().header("crit", json!(["x"])).mint(), "crit"),
        (issuer.token().mint(), "no aud"),
    ] {
        let error = auth.validate(&token).await.unwrap_err();
        assert_eq!(error.code(), "invalid_token", "{what}: {error}");
    }
    let extra = issuer.publish_extra_key();
    // Past the refetch cooldown, the unknown kid is fetched.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(auth.validate(&t().kid(&extra).mint()).await.is_ok());
}

/// `expired()` and `not_yet_valid()` are refused by the default
/// authenticator and by one at the largest leeway allowed, while a zero
/// lifetime is still inside the default leeway: the pitfall they exist for.
#[actix_web::test]
async fn expired_tokens_are_refused_under_any_leeway() {
    let issuer = DevIssuer::start().await.unwrap();
    let default = issuer.authenticator().build().unwrap();
    let widest = issuer
        .authenticator()
        .leeway(Duration::from_secs(300))
        .build()
        .unwrap();
    let t = || issuer.token().scopes(["deploy:applications"]);

    let zero = t().expires_in(Duration::ZERO).mint();
    assert!(
        default.validate(&zero).await.is_ok(),
        "a lifetime within the leeway is still accepted"
    );
    for (token, what) in [
        (t().expired().mint(), "expired"),
        (t().not_yet_valid().mint(), "not yet valid"),
    ] {
        for auth in [&default, &widest] {
            let error = auth.validate(&token).await.unwrap_err();
            assert_eq!(error.code(), "invalid_token", "{what}: {error}");
        }
    }
    // The same builder without the breakage is accepted.
    assert!(default.validate(&t().mint()).await.is_ok());
}

#[actix_web::test]
async fn stopping_closes_the_port_for_every_clone() {
    // The issuer listens on a port this test holds (bound, never listening,
    // with SO_REUSEADDR as actix's listener has): once the issuer has
    // stopped, no other server started meanwhile can be handed that port,
    // so only the issuer could answer there.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.set_reuseaddr(true).unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let issuer = DevIssuer::builder()
        .bind(held.local_addr().unwrap())
        .start()
        .await
        .unwrap();
    let clone = issuer.clone();
    let url = issuer.jwks_url();
    assert!(http().get(&url).send().await.is_ok());
    issuer.stop().await;
    let after = http()
        .get(&url)
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(after.is_err(), "the issuer no longer answers");
    clone.stop().await; // already stopped: a no-op
    drop(held);
}

// ---------------------------------------------------------------------------
// Organizations.

fn orgs_url(issuer: &DevIssuer) -> String {
    format!("{}/api/v1/organizations", issuer.url())
}

async fn create_org(issuer: &DevIssuer, admin: &str, body: Value) -> Response {
    http()
        .post(orgs_url(issuer))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get_json(url: &str, admin: &str) -> (StatusCode, Value) {
    let response = http().get(url).bearer_auth(admin).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[actix_web::test]
async fn organizations_are_created_listed_and_read() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin_token(&issuer).await;

    let response = create_org(
        &issuer,
        &admin,
        json!({
            "display_name": "Looney Corp",
            "external_id": "my_unique_id",
            "region_code": "US",
            "metadata": {"plan": "enterprise"}
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: Value = response.json().await.unwrap();
    let org = &body["organization"];
    let id = org["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_") && id.len() == 4 + 17, "{id}");
    assert_eq!(org["display_name"], "Looney Corp");
    assert_eq!(org["external_id"], "my_unique_id");
    assert_eq!(org["region_code"], "US");
    assert_eq!(org["metadata"], json!({"plan": "enterprise"}));
    assert!(is_rfc3339_millis(org["create_time"].as_str().unwrap()));
    assert!(is_rfc3339_millis(org["update_time"].as_str().unwrap()));

    let (status, got) = get_json(&format!("{}/{id}", orgs_url(&issuer)), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&got["organization"], org);

    // Just a name: no external id or region, empty metadata (as Scalekit
    // writes it).
    let response = create_org(&issuer, &admin, json!({"display_name": "Plain"})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let plain: Value = response.json().await.unwrap();
    assert!(plain["organization"].get("external_id").is_none());
    assert!(plain["organization"].get("region_code").is_none());
    assert_eq!(plain["organization"]["metadata"], json!({}));

    // An organization known only by its client is listed and read too.
    let response = register(&issuer, &admin, ORG, json!({"name": "ci"})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, implicit) = get_json(&format!("{}/{ORG}", orgs_url(&issuer)), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(implicit["organization"]["display_name"], ORG);

    // Twelve in all: the default page holds ten; pages of five walk to the
    // end without repeats, linked both ways.
    for n in 0..9 {
        let response =
            create_org(&issuer, &admin, json!({"display_name": format!("Org {n}")})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let (status, first) = get_json(&orgs_url(&issuer), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["organizations"].as_array().unwrap().len(), 10);
    assert_eq!(first["total_size"], 12);
    assert_eq!(first["prev_page_token"], "");
    let mut seen = Vec::new();
    let mut url = format!("{}?page_size=5", orgs_url(&issuer));
    let mut pages = Vec::new();
    loop {
        let (status, page) = get_json(&url, &admin).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total_size"], 12);
        for org in page["organizations"].as_array().unwrap() {
            seen.push(org["id"].as_str().unwrap().to_owned());
        }
        let next = page["next_page_token"].as_str().unwrap().to_owned();
        pages.push(page);
        if next.is_empty() {
            break;
        }
        url = format!("{}?page_size=5&page_token={next}", orgs_url(&issuer));
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(seen.len(), 12);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "no organization listed twice");
    assert_eq!(seen[0], id, "oldest first");
    assert_eq!(seen[2], ORG);
    let back = pages[1]["prev_page_token"].as_str().unwrap();
    let (_, page) = get_json(
        &format!("{}?page_size=5&page_token={back}", orgs_url(&issuer)),
        &admin,
    )
    .await;
    assert_eq!(page["organizations"], pages[0]["organizations"]);
}

#[actix_web::test]
async fn organization_requests_are_guarded_and_validated() {
    let issuer = DevIssuer::start().await.unwrap();
    let admin = admin_token(&issuer).await;
    let url = orgs_url(&issuer);

    // No bearer: 401 before anything else, on every call.
    let none = http()
        .post(&url)
        .json(&json!({"display_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&none, "www-authenticate"), "Bearer");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    for target in [
        url.clone(),
        format!("{url}/org_404"),
        format!("{url}/bad%20id"),
    ] {
        let response = http().get(&target).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{target}");
    }
    // An ordinary client's token: 403.
    let created = issuer
        .create_client(ORG, NewOrganizationClient::new("ci").scopes(["a:b"]))
        .unwrap();
    let ordinary = token_for(
        &issuer,
        &created.client.client_id,
        created.plain_secret.expose(),
    )
    .await;
    let response = http()
        .get(&url)
        .bearer_auth(&ordinary)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "access_denied").await;

    // Field by field: 400 naming the field.
    for (body, field) in [
        (json!({"display_name": "  "}), "display_name"),
        (json!({}), "display_name"),
        (json!({"display_name": 5}), "display_name"),
        (json!({"display_name": "x".repeat(201)}), "display_name"),
        (
            json!({"display_name": "x", "region_code": "MARS"}),
            "region_code",
        ),
        (
            json!({"display_name": "x", "external_id": " ext"}),
            "external_id",
        ),
        (
            json!({"display_name": "x", "metadata": {"k": "v"}}),
            "metadata.k",
        ),
        (
            json!({"display_name": "x", "metadata": {"plan": 1}}),
            "metadata.plan",
        ),
    ] {
        let response = create_org(&issuer, &admin, body.clone()).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert_eq!(error["field"], field, "{body} -> {error}");
    }
    let too_many: serde_json::Map<String, Value> =
        (0..11).map(|n| (format!("key{n}"), json!("v"))).collect();
    let response = create_org(
        &issuer,
        &admin,
        json!({"display_name": "x", "metadata": too_many}),
    )
    .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(error["field"], "metadata");

    // A taken external id: 409 conflict, naming the field; nothing created.
    let body = json!({"display_name": "A", "external_id": "ext-1"});
    assert_eq!(
        create_org(&issuer, &admin, body.clone()).await.status(),
        StatusCode::CREATED
    );
    let response = create_org(&issuer, &admin, body).await;
    assert_eq!(header(&response, "cache-control"), "no-store");
    let error = expect_error(response, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(error["field"], "external_id");
    let (_, page) = get_json(&url, &admin).await;
    assert_eq!(page["total_size"], 2, "{page}");

    // Unknown: 404; not an id: 400; a bad page token: 400.
    let response = http()
        .get(format!("{url}/org_404"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = http()
        .get(format!("{url}/bad%20id"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let error = expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(error["field"], "organization_id");
    let response = http()
        .get(format!("{url}?page_token=nope"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let error = expect_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(error["field"], "page_token");

    // Not JSON: 415; a method not served: 405.
    let response = http()
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("display_name=x")
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_request",
    )
    .await;
    let response = http()
        .delete(format!("{url}/{ORG}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}
