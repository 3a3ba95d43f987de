//! The RFC 9728 metadata, the route inventory, the scope guard and (with the
//! `utoipa` feature) the OpenAPI document of the main example's app, over
//! real HTTP: a real actix-web server on an ephemeral loopback port, tokens
//! from the embedded dev issuer.

#[allow(dead_code, clippy::all)]
#[path = "../examples/deploy_api.rs"]
mod deploy_api;

use std::net::SocketAddr;

use scopegate::client::{SendAuthorized, TokenClient};
use scopegate::dev::{DevIssuer, NewOrganizationClient};
use scopegate::{inventory, inventory::RouteKind};
use serde_json::Value;

const AUDIENCE: &str = "deployment-api.local";

async fn client(issuer: &DevIssuer, scopes: &[&str]) -> TokenClient {
    let created = issuer
        .create_client(
            "org_test",
            NewOrganizationClient::new("test client")
                .scopes(scopes.iter().copied())
                .audience(AUDIENCE),
        )
        .expect("register a client");
    TokenClient::builder(
        created.client.client_id,
        created.plain_secret.expose().to_owned(),
    )
    .token_url(issuer.token_url())
    .build()
    .expect("token client")
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn the_example_app_serves_rfc_9728_metadata_that_matches_its_inventory() {
    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer
        .authenticator()
        .audience(AUDIENCE)
        .build()
        .expect("authenticator");
    let running = deploy_api::start(
        &auth,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        &issuer.token_url(),
    )
    .expect("start the example's API");
    let api = running.url.clone();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();

    // The document, at the well-known URL of a resource without a path.
    let metadata_url = format!("{api}/.well-known/oauth-protected-resource");
    let response = http.get(&metadata_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let document: Value = response.json().await.unwrap();

    // RFC 9728 §2 and §3.3: `resource` is required, and identical to the
    // identifier the well-known URL was built from.
    assert_eq!(document["resource"], api.as_str(), "{document}");
    let servers = document["authorization_servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0], auth.issuer());
    assert_eq!(
        document["bearer_methods_supported"],
        serde_json::json!(["header"])
    );
    assert_eq!(document["resource_name"], "Deployment API");
    let scopes: Vec<&str> = document["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    // Every member is one RFC 9728 defines.
    for key in document.as_object().unwrap().keys() {
        assert!(
            [
                "resource",
                "authorization_servers",
                "scopes_supported",
                "bearer_methods_supported",
                "resource_name",
                "resource_documentation",
                "resource_policy_uri",
                "resource_tos_uri",
            ]
            .contains(&key.as_str()),
            "{key}"
        );
    }

    // The inventory: the example's three handlers and its guard, each of
    // whose scopes the metadata lists, as does the catalog.
    let routes = inventory::routes();
    let mine: Vec<_> = routes
        .iter()
        .filter(|r| r.module_path().ends_with("deploy_api"))
        .collect();
    let handlers: Vec<&str> = mine
        .iter()
        .filter(|r| r.kind() == RouteKind::Handler)
        .map(|r| r.name())
        .collect();
    assert_eq!(handlers, ["deploy", "deployments", "purge"]);
    assert_eq!(
        mine.iter().filter(|r| r.kind() == RouteKind::Guard).count(),
        1
    );
    let deploy = mine.iter().find(|r| r.name() == "deploy").unwrap();
    assert_eq!(
        (deploy.methods(), deploy.path()),
        (&["POST"][..], Some("/deploy"))
    );
    for route in &mine {
        route.requirement().for_each_scope(&mut |scope| {
            assert!(scopes.contains(&scope), "{scope} missing from {scopes:?}");
        });
    }
    for entry in deploy_api::CATALOG.scopes() {
        assert!(scopes.contains(&entry.scope), "{}", entry.scope);
    }

    // A 401 names the metadata (RFC 9728 §5.1), and says nothing else.
    let response = http.get(format!("{api}/deployments")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        challenge(&response),
        format!("Bearer resource_metadata=\"{metadata_url}\"")
    );
    // So does a 401 for a bad token, after its error.
    let response = http
        .get(format!("{api}/deployments"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let text = challenge(&response);
    assert!(text.starts_with("Bearer error=\"invalid_token\""), "{text}");
    assert!(
        text.ends_with(&format!(", resource_metadata=\"{metadata_url}\"")),
        "{text}"
    );

    // A 403 keeps its scope= and names the metadata.
    let reader = client(&issuer, &["read:deployments"]).await;
    let response = http
        .post(format!("{api}/deploy"))
        .json(&serde_json::json!({"service": "x"}))
        .send_authorized(&reader)
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let text = challenge(&response);
    assert!(
        text.starts_with("Bearer error=\"insufficient_scope\""),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "scope=\"deploy:applications\", resource_metadata=\"{metadata_url}\""
        )),
        "{text}"
    );

    // The guard on /admin and the handler's own attribute: both must hold.
    let deployer = client(&issuer, &["deploy:applications"]).await;
    let admin_only = client(&issuer, &["admin:deployments"]).await;
    let admin = client(&issuer, &["admin:deployments", "deploy:applications"]).await;
    for (who, token, status) in [
        ("deployer (guard refuses)", &deployer, 403),
        ("admin without deploy (handler refuses)", &admin_only, 403),
        ("admin with deploy", &admin, 200),
    ] {
        let response = http
            .post(format!("{api}/admin/purge"))
            .send_authorized(token)
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{who}");
        if status == 403 {
            assert!(challenge(&response).contains("resource_metadata="), "{who}");
        }
    }
    // The guard refuses before the handler's extractors: no token at all
    // is a 401 from the guard.
    let response = http
        .post(format!("{api}/admin/purge"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    #[cfg(feature = "utoipa")]
    {
        let doc: Value = http
            .get(format!("{api}/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let scheme = &doc["components"]["securitySchemes"]["oauth2"];
        assert_eq!(scheme["type"], "oauth2");
        let flow = &scheme["flows"]["clientCredentials"];
        assert_eq!(flow["tokenUrl"], issuer.token_url());
        for entry in deploy_api::CATALOG.scopes() {
            assert_eq!(flow["scopes"][entry.scope], entry.description);
        }
        assert_eq!(
            doc["paths"]["/deployments"]["get"]["security"],
            serde_json::json!([{"oauth2": ["read:deployments"]}])
        );
        assert_eq!(
            doc["paths"]["/deploy"]["post"]["security"],
            serde_json::json!([{"oauth2": ["deploy:applications"]}])
        );
    }

    running.handle.stop(true).await;
}

/// Without the metadata middleware, challenges are exactly what they were.
#[actix_web::test]
async fn without_metadata_the_challenges_are_unchanged() {
    use actix_web::{App, test};
    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer.authenticator().build().expect("authenticator");
    let app = test::init_service(App::new().app_data(auth).configure(deploy_api::routes)).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/deployments").to_request(),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    let response = test::call_service(
        &app,
        test::TestRequest::post().uri("/admin/purge").to_request(),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
}

/// `resource_metadata` is a typed parameter of every challenge: text a
/// token chose (its `kid`, `alg` or `iss`, quoted in the description)
/// cannot suppress it, whether the handler's attribute or a guard refuses,
/// and a challenge written by the application's own code gets it too.
#[actix_web::test]
async fn token_text_cannot_suppress_resource_metadata() {
    use actix_web::{HttpResponse, get, web};
    use scopegate::resource_metadata::ProtectedResource;
    use scopegate::{require_scopes, require_scopes_guard};

    #[get("/deployments")]
    #[require_scopes("read:deployments")]
    async fn deployments() -> &'static str {
        "deployments"
    }

    let issuer = DevIssuer::start().await.expect("dev issuer");
    let auth = issuer.authenticator().build().expect("authenticator");
    let metadata = ProtectedResource::builder("https://api.example.com")
        .authorization_server(auth.issuer())
        .scopes_from_inventory(false)
        .build()
        .expect("metadata");
    let metadata_url = metadata.metadata_url().to_owned();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(auth.clone())
            .wrap(metadata.clone())
            .service(deployments)
            .service(
                web::scope("/guarded")
                    .wrap(require_scopes_guard!("read:deployments"))
                    .route("/apps", web::get().to(|| async { "apps" })),
            )
            .route(
                "/own",
                web::get().to(|| async {
                    HttpResponse::Unauthorized()
                        .insert_header((
                            "WWW-Authenticate",
                            "Bearer error=\"invalid_token\", \
                             error_description=\"resource_metadata=http://evil\"",
                        ))
                        .finish()
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let api = format!("http://{}", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let evil = "resource_metadata=http://evil";
    let tokens = [
        (
            "kid",
            issuer.token().scopes(["read:deployments"]).kid(evil).mint(),
        ),
        (
            "alg",
            issuer.token().scopes(["read:deployments"]).alg(evil).mint(),
        ),
        (
            "iss",
            issuer
                .token()
                .scopes(["read:deployments"])
                .issuer(evil)
                .mint(),
        ),
        ("scope", issuer.token().scopes([format!("x:{evil}")]).mint()),
    ];
    let expected_end = format!(", resource_metadata=\"{metadata_url}\"");
    for path in ["/deployments", "/guarded/apps"] {
        for (what, token) in &tokens {
            let response = http
                .get(format!("{api}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let text = challenge(&response);
            assert!(
                matches!(response.status().as_u16(), 401 | 403),
                "{path} {what}: {}",
                response.status()
            );
            assert!(text.ends_with(&expected_end), "{path} {what}: {text}");
            if ["kid", "alg", "iss"].contains(what) {
                // The description quotes the token's text: the case this
                // test is about.
                assert!(text.contains(evil), "{path} {what}: {text}");
            }
            assert_eq!(
                text.matches(&format!("resource_metadata=\"{metadata_url}\""))
                    .count(),
                1,
                "{path} {what}: {text}"
            );
        }
    }
    // The application's own challenge, quoting the text in its description.
    let response = http.get(format!("{api}/own")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let text = challenge(&response);
    assert!(text.ends_with(&expected_end), "{text}");
}
