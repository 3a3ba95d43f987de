//! Audit events over real HTTP: a client obtains a token from the embedded
//! dev issuer with its secret, calls a protected API on 127.0.0.1, and the
//! whole log of the process (every target, at `TRACE`) is captured: one
//! `scopegate::audit` event per request with the expected fields, and
//! neither the token nor the secret anywhere.
//!
//! The subscriber is global (the API's worker is another thread), so this
//! binary has one test.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use scopegate::AUDIT_TARGET;
use scopegate::dev::DevIssuer;
use tracing_subscriber::fmt::MakeWriter;

use common::{ORG, get_bearer, http_client, register_client, spawn_api};

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[actix_web::test]
async fn one_audit_event_per_request_with_no_token_and_no_secret() {
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(log.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let issuer = DevIssuer::start().await.expect("dev issuer");
    let (client_id, secret) = register_client(&issuer, &["read:deployments"], None);
    let response = http_client()
        .post(issuer.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("token response");
    let token = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    let auth = issuer.authenticator().build().expect("authenticator");
    let api = spawn_api(Some(auth));
    let forged = issuer
        .token()
        .scopes(["read:deployments"])
        .bad_signature()
        .mint();

    // (path, token, status, expected fields of its one audit event)
    let calls: [(&str, Option<&str>, StatusCode, &[String]); 5] = [
        (
            "/deployments",
            Some(&token),
            StatusCode::OK,
            &[
                r#"outcome="allowed""#.into(),
                r#"reason="allowed""#.into(),
                format!(r#"client_id="{client_id}""#),
                format!(r#"oid="{ORG}""#),
                "requirement=any(read:deployments, admin:deployments)".into(),
            ],
        ),
        (
            "/both",
            Some(&token),
            StatusCode::FORBIDDEN,
            &[
                r#"outcome="403""#.into(),
                r#"reason="insufficient_scope""#.into(),
                format!(r#"client_id="{client_id}""#),
                format!(r#"oid="{ORG}""#),
                "requirement=all(deploy:applications, read:deployments)".into(),
            ],
        ),
        (
            "/whoami",
            Some(&token),
            StatusCode::OK,
            &[
                r#"outcome="allowed""#.into(),
                format!(r#"client_id="{client_id}""#),
                // Only a valid token was asked for: the last field is empty.
                "requirement=\n".into(),
            ],
        ),
        (
            "/deployments",
            None,
            StatusCode::UNAUTHORIZED,
            &[
                r#"outcome="401""#.into(),
                r#"reason="missing_token""#.into(),
                r#"client_id="""#.into(),
                r#"oid="""#.into(),
            ],
        ),
        (
            "/deployments",
            Some(&forged),
            StatusCode::UNAUTHORIZED,
            &[
                r#"outcome="401""#.into(),
                r#"reason="bad_signature""#.into(),
                // Only verified claims name a client: the forged token's
                // `client_id` is never reported.
                r#"client_id="""#.into(),
            ],
        ),
    ];

    let audit_lines = || -> Vec<String> {
        log.text()
            .lines()
            .filter(|line| line.contains(&format!(" {AUDIT_TARGET}:")))
            .map(str::to_owned)
            .collect()
    };
    for (i, (path, bearer, status, fields)) in calls.iter().enumerate() {
        let url = format!("{api}{path}");
        let response = match bearer {
            Some(bearer) => get_bearer(&url, bearer).await,
            None => http_client().get(&url).send().await.expect("GET"),
        };
        assert_eq!(response.status(), *status, "{path}");
        // The decision is recorded before the response is written.
        let lines = audit_lines();
        assert_eq!(lines.len(), i + 1, "one event per request: {lines:#?}");
        let line = format!("{}\n", lines[i]);
        for field in fields.iter() {
            assert!(line.contains(field.as_str()), "{field} in {line}");
        }
        assert!(
            line.contains(&format!(r#"issuer="{}""#, issuer.url())),
            "{line}"
        );
    }

    let text = log.text();
    assert!(!text.is_empty());
    for (what, secret_text) in [
        ("the token", token.as_str()),
        (
            "the token's signature",
            token.rsplit('.').next().unwrap_or(""),
        ),
        ("the forged token", forged.as_str()),
        ("the client secret", secret.as_str()),
    ] {
        assert!(
            !text.contains(secret_text),
            "{what} appears in the log:\n{text}"
        );
    }
}
