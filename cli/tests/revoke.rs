//! `scopegate revoke`, run as a process against the embedded dev issuer
//! with a revocation store, and an API that checks revocation against the
//! same store: a token revoked through the command (RFC 7009) is refused
//! afterwards; the exit codes of a refused client and a refused
//! revocation; neither the token nor the secret is ever printed.

// The helpers shared with the workspace's integration tests.
#[path = "../../tests/common/mod.rs"]
mod common;
mod run;

use common::{closed_port_url, get_bearer, register_client};
use reqwest::StatusCode;
use run::scopegate;
use scopegate::revocation::{MemoryRevocations, RevocationMode};
use scopegate_dev::DevIssuer;

const SCOPE: &str = "read:deployments";

/// The client variables for `id`:`secret` at `issuer`.
fn client_env<'a>(issuer: &'a DevIssuer, id: &'a str, secret: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("SCOPEGATE_CLIENT_ENVIRONMENT_URL", issuer.url()),
        ("SCOPEGATE_CLIENT_ID", id),
        ("SCOPEGATE_CLIENT_SECRET", secret),
    ]
}

/// A token of the client, fetched with `scopegate token`.
async fn token(env: &[(&str, &str)]) -> String {
    let run = scopegate(&["token"], env, None).await;
    run.assert_code(0);
    run.stdout.trim().to_owned()
}

/// The status of `GET <api>/sensitive` (revocation checked) with `token`.
async fn status(api: &str, token: &str) -> StatusCode {
    get_bearer(&format!("{api}/sensitive"), token)
        .await
        .status()
}

/// An issuer publishing revocations to a store, and an API checking the
/// same store on `/sensitive`.
async fn setup() -> (MemoryRevocations, DevIssuer, String) {
    let store = MemoryRevocations::new();
    let issuer = DevIssuer::builder()
        .revocation_store(store.clone())
        .start()
        .await
        .expect("start the dev issuer");
    let auth = issuer
        .authenticator()
        .revocation(store.clone(), RevocationMode::OptIn)
        .build()
        .expect("build the authenticator");
    let api = common::revocation_api::spawn(auth);
    (store, issuer, api)
}

#[actix_web::test]
async fn a_token_revoked_through_the_cli_is_refused_afterwards() {
    let (store, issuer, api) = setup().await;
    let (id, secret) = register_client(&issuer, &[SCOPE], None);
    let env = client_env(&issuer, &id, &secret);

    // The token as an argument.
    let first = token(&env).await;
    let other = token(&env).await;
    assert_eq!(status(&api, &first).await, StatusCode::OK);
    let before = issuer.token_requests();
    let run = scopegate(&["revoke", &first], &env, None).await;
    run.assert_code(0).assert_hides(&[&first, &secret]);
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(
        run.stderr
            .contains(&format!("revoked at {}", issuer.revocation_url())),
        "{run:#?}"
    );
    assert_eq!(
        issuer.token_requests(),
        before,
        "revoking asks for no token"
    );
    assert_eq!(store.len(), 1);
    assert_eq!(status(&api, &first).await, StatusCode::UNAUTHORIZED);
    // Another token of the same client still works.
    assert_eq!(status(&api, &other).await, StatusCode::OK);

    // The token on stdin, with `Bearer ` and a line ending around it.
    let run = scopegate(&["revoke", "-"], &env, Some(&format!("Bearer {other}\n"))).await;
    run.assert_code(0).assert_hides(&[&other, &secret]);
    assert_eq!(store.len(), 2);
    assert_eq!(status(&api, &other).await, StatusCode::UNAUTHORIZED);

    // Revoking again succeeds (RFC 7009 §2.2), and adds nothing.
    scopegate(&["revoke", &first], &env, None)
        .await
        .assert_code(0);
    assert_eq!(store.len(), 2);

    // The client secret on stdin, the rest as flags.
    let third = token(&env).await;
    let run = scopegate(
        &[
            "revoke",
            &third,
            "--env",
            issuer.url(),
            "--client-id",
            &id,
            "--client-secret-stdin",
        ],
        &[],
        Some(&format!("{secret}\n")),
    )
    .await;
    run.assert_code(0).assert_hides(&[&third, &secret]);
    assert_eq!(status(&api, &third).await, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn refusals_have_their_exit_codes_and_print_no_secret() {
    let (store, issuer, api) = setup().await;
    let (id, secret) = register_client(&issuer, &[SCOPE], None);
    let env = client_env(&issuer, &id, &secret);
    let token = token(&env).await;

    // An unknown client: 1, the server's invalid_client.
    let unknown_secret = "not-a-registered-secret-value";
    let run = scopegate(
        &["revoke", &token],
        &client_env(&issuer, "m2morg_00000000000000000", unknown_secret),
        None,
    )
    .await;
    run.assert_code(1).assert_hides(&[&token, unknown_secret]);
    assert!(run.stderr.contains("invalid_client"), "{run:#?}");

    // A known client with a wrong secret: the same.
    let run = scopegate(
        &["revoke", &token],
        &client_env(&issuer, &id, unknown_secret),
        None,
    )
    .await;
    run.assert_code(1).assert_hides(&[&token, unknown_secret]);
    assert!(run.stderr.contains("invalid_client"), "{run:#?}");

    // Another client may not revoke this client's token: a refused
    // revocation, 1.
    let (other_id, other_secret) = register_client(&issuer, &[SCOPE], None);
    let run = scopegate(
        &["revoke", &token],
        &client_env(&issuer, &other_id, &other_secret),
        None,
    )
    .await;
    run.assert_code(1).assert_hides(&[&token, &other_secret]);
    assert!(run.stderr.contains("unauthorized_client"), "{run:#?}");

    // Nothing was revoked by any of these.
    assert_eq!(store.len(), 0);
    assert_eq!(status(&api, &token).await, StatusCode::OK);

    // Usage errors: 2, before any request.
    let run = scopegate(&["revoke", "-", "--client-secret-stdin"], &env, Some("x\n")).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains("cannot both come from stdin"),
        "{run:#?}"
    );
    scopegate(&["revoke", "-"], &env, Some("\n"))
        .await
        .assert_code(2);
    scopegate(&["revoke"], &env, None).await.assert_code(2);
    let run = scopegate(
        &["revoke", &token],
        &[("SCOPEGATE_CLIENT_SECRET", secret.as_str())],
        None,
    )
    .await;
    run.assert_code(2).assert_hides(&[&token, &secret]);
    assert!(run.stderr.contains("SCOPEGATE_CLIENT_ID"), "{run:#?}");

    // Nobody listening: 3.
    let run = scopegate(
        &[
            "revoke",
            &token,
            "--env",
            &closed_port_url(),
            "--client-id",
            &id,
        ],
        &[("SCOPEGATE_CLIENT_SECRET", secret.as_str())],
        None,
    )
    .await;
    run.assert_code(3).assert_hides(&[&token, &secret]);
    assert_eq!(status(&api, &token).await, StatusCode::OK);
}

#[actix_web::test]
async fn an_issuer_without_a_store_refuses_the_revocation() {
    let issuer = DevIssuer::start().await.expect("start the dev issuer");
    let (id, secret) = register_client(&issuer, &[SCOPE], None);
    let env = client_env(&issuer, &id, &secret);
    let token = token(&env).await;
    let run = scopegate(&["revoke", &token], &env, None).await;
    run.assert_code(1).assert_hides(&[&token, &secret]);
    assert!(run.stderr.contains("unsupported_token_type"), "{run:#?}");
}
