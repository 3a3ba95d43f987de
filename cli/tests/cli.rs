//! The `scopegate` binary, run as a process against the embedded dev
//! issuer: every subcommand, its output and its exit code.

// The helpers shared with the workspace's integration tests.
#[path = "../../tests/common/mod.rs"]
mod common;
mod run;

use common::{ORG, closed_port_url, decode_jwt, register_client, unix_now};
use run::scopegate;
use scopegate_dev::DevIssuer;

fn admin_env(issuer: &DevIssuer) -> Vec<(&'static str, String)> {
    let (id, secret) = issuer.admin_credentials();
    vec![
        ("SCALEKIT_ENVIRONMENT_URL", issuer.url().to_owned()),
        ("SCALEKIT_CLIENT_ID", id),
        ("SCALEKIT_CLIENT_SECRET", secret),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[actix_web::test]
async fn help_and_usage_errors() {
    let run = scopegate(&["--help"], &[], None).await;
    run.assert_code(0);
    for text in [
        "token",
        "clients",
        "decode",
        "check",
        "Exit codes",
        "SCOPEGATE_CLIENT_ID",
    ] {
        assert!(run.stdout.contains(text), "{text} missing from --help");
    }
    let run = scopegate(&["check", "--help"], &[], None).await;
    run.assert_code(0);
    assert!(run.stdout.contains("--scope") && run.stdout.contains("--audience"));
    assert!(run.stdout.contains("Exit 0 when accepted"));

    scopegate(&["bogus"], &[], None).await.assert_code(2);
    scopegate(&["check"], &[], None).await.assert_code(2);
    scopegate(
        &["clients", "create", "--name", "x", "--claim", "novalue"],
        &[],
        None,
    )
    .await
    .assert_code(2);
    let run = scopegate(&["--version"], &[], None).await;
    run.assert_code(0);
    assert!(run.stdout.starts_with("scopegate "));
}

#[actix_web::test]
async fn token_prints_a_token_of_the_issuer() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, secret) = register_client(&issuer, &["deploy:applications", "read:deployments"], None);
    let env = [
        ("SCOPEGATE_CLIENT_ENVIRONMENT_URL", issuer.url()),
        ("SCOPEGATE_CLIENT_ID", id.as_str()),
        ("SCOPEGATE_CLIENT_SECRET", secret.as_str()),
    ];
    let run = scopegate(&["token"], &env, None).await;
    run.assert_code(0);
    let token = run.stdout.trim();
    let auth = issuer.authenticator().build().unwrap();
    let claims = auth.validate(token).await.unwrap();
    assert_eq!(claims.client_id(), Some(id.as_str()));
    assert!(run.stderr.contains("expires in 1 h"), "{run:#?}");
    assert!(!run.stderr.contains(&secret));

    // --json, and --scope narrowing the grant.
    let run = scopegate(
        &["token", "--json", "--scope", "read:deployments"],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    let body = run.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "read:deployments");

    // The SCALEKIT_* pair, and the secret on stdin.
    let run = scopegate(
        &[
            "token",
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
    run.assert_code(0);
    let run = scopegate(
        &["token"],
        &[
            ("SCALEKIT_ENVIRONMENT_URL", issuer.url()),
            ("SCALEKIT_CLIENT_ID", id.as_str()),
            ("SCALEKIT_CLIENT_SECRET", secret.as_str()),
        ],
        None,
    )
    .await;
    run.assert_code(0);
}

#[actix_web::test]
async fn token_errors_have_their_exit_codes() {
    let issuer = DevIssuer::start().await.unwrap();
    let (id, _) = register_client(&issuer, &["read:deployments"], None);

    // Refused credentials: 1, with the server's error, never the secret.
    let before = issuer.token_requests();
    let run = scopegate(
        &["token"],
        &[
            ("SCOPEGATE_CLIENT_ENVIRONMENT_URL", issuer.url()),
            ("SCOPEGATE_CLIENT_ID", id.as_str()),
            ("SCOPEGATE_CLIENT_SECRET", "wrong-secret-value"),
        ],
        None,
    )
    .await;
    run.assert_code(1);
    assert!(run.stderr.contains("invalid_client"), "{run:#?}");
    assert!(!run.stderr.contains("wrong-secret-value"));
    assert_eq!(issuer.token_requests() - before, 1);

    // Missing configuration: 2, naming the variable.
    let run = scopegate(&["token"], &[("SCOPEGATE_CLIENT_SECRET", "s")], None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("SCOPEGATE_CLIENT_ID"), "{run:#?}");
    let run = scopegate(
        &["token", "--env", "http://auth.example", "--client-id", "x"],
        &[("SCOPEGATE_CLIENT_SECRET", "s")],
        None,
    )
    .await;
    run.assert_code(2);
    assert!(run.stderr.contains("https"), "{run:#?}");

    // Nobody listening: 3.
    let run = scopegate(
        &["token", "--env", &closed_port_url(), "--client-id", "x"],
        &[("SCOPEGATE_CLIENT_SECRET", "s")],
        None,
    )
    .await;
    run.assert_code(3);
    assert!(run.stderr.contains("could not reach"), "{run:#?}");
}

#[actix_web::test]
async fn clients_create_list_get_delete() {
    let issuer = DevIssuer::start().await.unwrap();
    let env = admin_env(&issuer);
    let env = borrowed(&env);

    let run = scopegate(
        &[
            "clients",
            "create",
            "--org",
            ORG,
            "--name",
            "GitHub Actions Deployment Service",
            "--description",
            "Deploys to production",
            "--scope",
            "deploy:applications",
            "--scope",
            "read:deployments",
            "--audience",
            "deployment-api.acmecorp.com",
            "--claim",
            "github_repository=acmecorp/inventory-service",
            "--expiry",
            "600",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    let field = |name: &str| {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {run:#?}"))
    };
    let id = field("client_id:");
    let secret = field("client_secret:");
    assert!(id.starts_with("m2morg_"));
    assert!(run.stdout.contains("deploy:applications read:deployments"));
    assert!(
        run.stdout
            .contains("github_repository=acmecorp/inventory-service")
    );
    assert!(run.stderr.contains("shown this once"));

    // The printed credentials work.
    let run = scopegate(
        &["token", "--env", issuer.url(), "--client-id", &id, "--json"],
        &[("SCOPEGATE_CLIENT_SECRET", secret.as_str())],
        None,
    )
    .await;
    run.assert_code(0);
    assert_eq!(run.json()["expires_in"], 600);

    // --json create, and the organization from the environment.
    let mut with_org = env.clone();
    with_org.push(("SCALEKIT_ORGANIZATION_ID", ORG));
    let run = scopegate(
        &[
            "clients",
            "create",
            "--name",
            "second",
            "--scope",
            "read:deployments",
            "--json",
        ],
        &with_org,
        None,
    )
    .await;
    run.assert_code(0);
    let body = run.json();
    let second = body["client"]["client_id"].as_str().unwrap().to_owned();
    assert!(body["plain_secret"].as_str().unwrap().len() > 10);

    // List: text, JSON, paged, all.
    let run = scopegate(&["clients", "list", "--org", ORG], &env, None).await;
    run.assert_code(0);
    assert!(
        run.stdout.contains(&id) && run.stdout.contains(&second),
        "{run:#?}"
    );
    let run = scopegate(
        &[
            "clients",
            "list",
            "--org",
            ORG,
            "--page-size",
            "1",
            "--json",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    let page = run.json();
    assert_eq!(page["clients"].as_array().unwrap().len(), 1);
    assert_eq!(page["total_size"], 2);
    let next = page["next_page_token"].as_str().unwrap().to_owned();
    let run = scopegate(
        &[
            "clients",
            "list",
            "--org",
            ORG,
            "--page-size",
            "1",
            "--page-token",
            &next,
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    assert!(run.stdout.contains(&second), "{run:#?}");
    let run = scopegate(
        &[
            "clients",
            "list",
            "--org",
            ORG,
            "--all",
            "--page-size",
            "1",
            "--json",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    assert_eq!(run.json()["clients"].as_array().unwrap().len(), 2);

    // Get.
    let run = scopegate(&["clients", "get", "--org", ORG, &id], &env, None).await;
    run.assert_code(0);
    assert!(run.stdout.contains("deployment-api.acmecorp.com"));
    assert!(run.stdout.contains("token expiry:  600 s"));

    // Delete, then it is gone (1, with the server's 404).
    let run = scopegate(&["clients", "delete", "--org", ORG, &id], &env, None).await;
    run.assert_code(0);
    assert!(run.stdout.contains("deleted"));
    let run = scopegate(&["clients", "get", "--org", ORG, &id], &env, None).await;
    run.assert_code(1);
    assert!(run.stderr.contains("404"), "{run:#?}");
    let run = scopegate(&["clients", "delete", "--org", ORG, &id], &env, None).await;
    run.assert_code(1);
}

#[actix_web::test]
async fn clients_errors_have_their_exit_codes() {
    let issuer = DevIssuer::start().await.unwrap();
    let env = admin_env(&issuer);
    let env = borrowed(&env);

    // A scope that breaks the grammar: 2, before any request.
    let before = issuer.token_requests();
    let run = scopegate(
        &[
            "clients",
            "create",
            "--org",
            ORG,
            "--name",
            "x",
            "--scope",
            "Deploy:Apps",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(2);
    assert!(run.stderr.contains("not a valid scope"), "{run:#?}");
    assert_eq!(issuer.token_requests(), before);

    // No organization: 2.
    let run = scopegate(&["clients", "list"], &env, None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("--org"), "{run:#?}");

    // No credentials: 2.
    let run = scopegate(
        &["clients", "list", "--org", ORG, "--env", issuer.url()],
        &[],
        None,
    )
    .await;
    run.assert_code(2);
    assert!(run.stderr.contains("SCALEKIT_CLIENT_ID"), "{run:#?}");

    // Wrong credentials: 1.
    let run = scopegate(
        &["clients", "list", "--org", ORG],
        &[
            ("SCALEKIT_ENVIRONMENT_URL", issuer.url()),
            ("SCALEKIT_CLIENT_ID", "skc_nobody"),
            ("SCALEKIT_CLIENT_SECRET", "nope"),
        ],
        None,
    )
    .await;
    run.assert_code(1);
    assert!(run.stderr.contains("invalid_client"), "{run:#?}");

    // A server-side refusal names the field: 1.
    let run = scopegate(
        &[
            "clients", "create", "--org", ORG, "--name", "x", "--claim", "iss=evil",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(1);
    assert!(run.stderr.contains("custom_claims"), "{run:#?}");

    // Issuer down: 3.
    let down = closed_port_url();
    let run = scopegate(
        &["clients", "list", "--org", ORG, "--env", &down],
        &env,
        None,
    )
    .await;
    run.assert_code(3);
}

#[actix_web::test]
async fn decode_shows_header_and_claims_unverified() {
    let issuer = DevIssuer::start().await.unwrap();
    let token = issuer.token().scopes(["deploy:applications"]).mint();
    let run = scopegate(&["decode", &token], &[], None).await;
    run.assert_code(0);
    assert!(run.stdout.starts_with("NOT VERIFIED"), "{run:#?}");
    assert!(
        run.stdout
            .contains(&format!("\"kid\": \"{}\"", issuer.signing_kid()))
    );
    assert!(run.stdout.contains("\"deploy:applications\""));
    // An hour from the minting second, read by the binary in that second
    // or (a second boundary crossed while it started) a little later.
    assert!(
        run.stdout.contains("expires in 1 h") || run.stdout.contains("expires in 59 min"),
        "{run:#?}"
    );

    let run = scopegate(
        &["decode", "-", "--json"],
        &[],
        Some(&format!("Bearer {token}\n")),
    )
    .await;
    run.assert_code(0);
    let body = run.json();
    assert_eq!(body["verified"], false);
    assert_eq!(body["header"]["alg"], "RS256");
    assert_eq!(body["claims"]["iss"], issuer.url());
    // Exactly the token's own header and claims.
    let (header, claims) = decode_jwt(&token);
    assert_eq!(body["header"], header);
    assert_eq!(body["claims"], claims);

    let expired = issuer.token().expires_at(unix_now() - 90).mint();
    let run = scopegate(&["decode", &expired], &[], None).await;
    run.assert_code(0);
    assert!(
        run.stdout.contains("expired 1 min 3") || run.stdout.contains("expired 1 min"),
        "{run:#?}"
    );

    let run = scopegate(&["decode", "not-a-token"], &[], None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("not a JWT"), "{run:#?}");
}

#[actix_web::test]
async fn check_explains_acceptance_and_each_rejection() {
    let issuer = DevIssuer::start().await.unwrap();
    let url = issuer.url().to_owned();
    let check = |token: String, extra: Vec<String>| {
        let url = url.clone();
        async move {
            let mut args = vec!["check".to_owned(), token, "--issuer".to_owned(), url];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            scopegate(&args, &[], None).await
        }
    };
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    // Accepted.
    let good = issuer
        .token()
        .scopes(["deploy:applications", "read:deployments"])
        .mint();
    let run = check(good.clone(), strings(&["--scope", "deploy:applications"])).await;
    run.assert_code(0);
    assert!(run.stdout.starts_with("ACCEPTED"), "{run:#?}");
    assert!(run.stdout.contains(&format!(
        "verified with key `{}` (RS256)",
        issuer.signing_kid()
    )));
    assert!(
        run.stdout.contains(
            "requires deploy:applications; granted: deploy:applications read:deployments"
        ),
        "{run:#?}"
    );
    assert!(run.stdout.contains("expires in 59 min") || run.stdout.contains("expires in 1 h"));

    // Expired: by how long, and what to do.
    let expired = issuer.token().expires_at(unix_now() - 120).mint();
    let run = check(expired, vec![]).await;
    run.assert_code(1);
    assert!(
        run.stdout.starts_with("REJECTED: the token expired 12"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("s ago"));
    assert!(run.stdout.contains("fetch a new token"));

    // Expired within the leeway: accepted, and said so.
    let just_expired = issuer.token().expires_at(unix_now() - 5).mint();
    let run = check(just_expired, vec![]).await;
    run.assert_code(0);
    assert!(
        run.stdout.contains("accepted within the 30 s leeway"),
        "{run:#?}"
    );
    let just_expired = issuer.token().expires_at(unix_now() - 5).mint();
    let run = check(just_expired, strings(&["--leeway", "0"])).await;
    run.assert_code(1);

    // Unknown kid: which one.
    let foreign = issuer.token().kid("retired-key-7").mint();
    let run = check(foreign, vec![]).await;
    run.assert_code(1);
    assert!(run.stdout.contains("`retired-key-7`"), "{run:#?}");
    assert!(run.stdout.contains("does not publish"));
    assert!(run.stdout.contains(&format!("{url}/keys")));

    // Missing scope: which one, and what the token has.
    let reader = issuer.token().scopes(["read:deployments"]).mint();
    let run = check(
        reader.clone(),
        strings(&[
            "--scope",
            "deploy:applications",
            "--scope",
            "read:deployments",
        ]),
    )
    .await;
    run.assert_code(1);
    assert!(
        run.stdout
            .contains("REJECTED: the token lacks a required scope"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("missing: deploy:applications"));
    assert!(run.stdout.contains("granted: read:deployments"));
    // ... but any one of them is enough with --any.
    let run = check(
        reader.clone(),
        strings(&[
            "--scope",
            "deploy:applications",
            "--scope",
            "read:deployments",
            "--any",
        ]),
    )
    .await;
    run.assert_code(0);

    // Wrong audience, wrong issuer.
    let run = check(good.clone(), strings(&["--audience", "other-api"])).await;
    run.assert_code(1);
    assert!(run.stdout.contains("has no `aud`"), "{run:#?}");
    let for_api = issuer
        .token()
        .audience("deployment-api.acmecorp.com")
        .mint();
    let run = check(for_api.clone(), strings(&["--audience", "other-api"])).await;
    run.assert_code(1);
    assert!(run.stdout.contains("another audience"), "{run:#?}");
    assert!(run.stdout.contains("check --audience"), "{run:#?}");
    let run = check(
        for_api,
        strings(&["--audience", "deployment-api.acmecorp.com"]),
    )
    .await;
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("audience   deployment-api.acmecorp.com (contains one of"),
        "{run:#?}"
    );
    let localhost = url.replace("127.0.0.1", "localhost");
    let run = scopegate(&["check", &good, "--issuer", &localhost], &[], None).await;
    run.assert_code(1);
    assert!(run.stdout.contains("issued by"), "{run:#?}");

    // JSON verdict, token on stdin, issuer from the environment.
    let run = scopegate(
        &["check", "-", "--json", "--scope", "deploy:applications"],
        &[("SCALEKIT_ENVIRONMENT_URL", url.as_str())],
        Some(&reader),
    )
    .await;
    run.assert_code(1);
    let body = run.json();
    assert_eq!(body["accepted"], false);
    assert_eq!(body["error"], "insufficient_scope");

    // Not a token at all: rejected.
    let run = check("garbage".into(), vec![]).await;
    run.assert_code(1);
    assert!(run.stdout.contains("not a JWT"), "{run:#?}");

    // Usage errors: 2.
    let run = check(good.clone(), strings(&["--scope", "deploy"])).await;
    run.assert_code(2);
    assert!(run.stderr.contains("--scope `deploy`"), "{run:#?}");
    let run = scopegate(&["check", &good], &[], None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("no issuer"), "{run:#?}");

    // The issuer is down: 3, cannot check.
    let down = closed_port_url();
    let run = scopegate(&["check", &good, "--issuer", &down], &[], None).await;
    run.assert_code(3);
    assert!(run.stdout.starts_with("CANNOT CHECK"), "{run:#?}");
}

#[actix_web::test]
async fn check_tells_a_missing_key_set_from_a_down_issuer() {
    let issuer = DevIssuer::start().await.unwrap();
    let good = issuer.token().mint();
    let jwks_url = format!("{}/no-keys-here", issuer.url());

    // A 404 from the JWKS URL: the status, and the flags that find the keys.
    let run = scopegate(
        &[
            "check",
            &good,
            "--issuer",
            issuer.url(),
            "--jwks-url",
            &jwks_url,
        ],
        &[],
        None,
    )
    .await;
    run.assert_code(3);
    assert!(run.stdout.starts_with("CANNOT CHECK"), "{run:#?}");
    assert!(run.stdout.contains("it answered 404 Not Found"), "{run:#?}");
    assert!(run.stdout.contains("--discover"), "{run:#?}");

    // Plain http to another host: the CLI's own flag, not the library's.
    let run = scopegate(
        &["check", &good, "--issuer", "http://auth.example"],
        &[],
        None,
    )
    .await;
    run.assert_code(2);
    assert!(run.stderr.contains("(or --allow-http)"), "{run:#?}");
    assert!(!run.stderr.contains("allow_http(true)"), "{run:#?}");
}

#[actix_web::test]
async fn orgs_create_list_get() {
    let issuer = DevIssuer::start().await.unwrap();
    let env = admin_env(&issuer);
    let env = borrowed(&env);

    let run = scopegate(
        &[
            "orgs",
            "create",
            "--name",
            "Looney Corp",
            "--external-id",
            "my_unique_id",
            "--region",
            "US",
            "--metadata",
            "plan=enterprise",
            "--metadata",
            "industry=technology",
        ],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    let id = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no id in {run:#?}"));
    assert!(id.starts_with("org_"), "{run:#?}");
    assert!(
        run.stdout.contains("display name:  Looney Corp"),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("external id:   my_unique_id"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("region:        US"), "{run:#?}");
    assert!(
        run.stdout
            .contains("metadata:      industry=technology, plan=enterprise"),
        "{run:#?}"
    );

    // Get, as JSON: the management API's shape.
    let run = scopegate(&["orgs", "get", &id, "--json"], &env, None).await;
    run.assert_code(0);
    let org = &run.json()["organization"];
    assert_eq!(org["id"], id.as_str());
    assert_eq!(org["display_name"], "Looney Corp");
    assert_eq!(org["external_id"], "my_unique_id");
    assert_eq!(org["metadata"]["plan"], "enterprise");

    // Four more, then page through all five, two at a time.
    let mut created = vec![id];
    for n in 0..4 {
        let name = format!("Org {n}");
        let run = scopegate(&["orgs", "create", "--name", &name, "--json"], &env, None).await;
        run.assert_code(0);
        let id = run.json()["organization"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        created.push(id);
    }
    let mut listed = Vec::new();
    let mut token = String::new();
    for _ in 0..10 {
        let mut args = vec!["orgs", "list", "--page-size", "2", "--json"];
        if !token.is_empty() {
            args.extend(["--page-token", token.as_str()]);
        }
        let run = scopegate(&args, &env, None).await;
        run.assert_code(0);
        let page = run.json();
        assert_eq!(page["total_size"], 5, "{page}");
        let orgs = page["organizations"].as_array().unwrap();
        assert!(orgs.len() <= 2, "{page}");
        listed.extend(orgs.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        token = page["next_page_token"].as_str().unwrap().to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(listed, created, "every organization once, oldest first");

    // --all reads every page; the text form says how many there are.
    let run = scopegate(
        &["orgs", "list", "--all", "--page-size", "2", "--json"],
        &env,
        None,
    )
    .await;
    run.assert_code(0);
    assert_eq!(run.json()["organizations"].as_array().unwrap().len(), 5);
    let run = scopegate(&["orgs", "list", "--page-size", "2"], &env, None).await;
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 2, "{run:#?}");
    assert!(run.stdout.contains("my_unique_id\tUS"), "{run:#?}");
    assert!(run.stderr.contains("2 of 5 organization(s)"), "{run:#?}");
    assert!(run.stderr.contains("next page: --page-token "), "{run:#?}");
}

#[actix_web::test]
async fn orgs_errors_have_their_exit_codes() {
    let issuer = DevIssuer::start().await.unwrap();
    let env = admin_env(&issuer);
    let env = borrowed(&env);

    // A blank name: 2, before any request.
    let before = issuer.token_requests();
    let run = scopegate(&["orgs", "create", "--name", " "], &env, None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("display name"), "{run:#?}");
    assert_eq!(issuer.token_requests(), before);

    // A malformed --metadata: 2 (a usage error).
    let run = scopegate(
        &["orgs", "create", "--name", "x", "--metadata", "plan"],
        &env,
        None,
    )
    .await;
    run.assert_code(2);

    // A taken external id: 1, naming the field.
    let args = ["orgs", "create", "--name", "x", "--external-id", "ext-1"];
    scopegate(&args, &env, None).await.assert_code(0);
    let run = scopegate(&args, &env, None).await;
    run.assert_code(1);
    assert!(run.stderr.contains("409"), "{run:#?}");
    assert!(run.stderr.contains("external_id"), "{run:#?}");

    // A region the server does not know: 1, naming the field.
    let run = scopegate(
        &["orgs", "create", "--name", "x", "--region", "MARS"],
        &env,
        None,
    )
    .await;
    run.assert_code(1);
    assert!(run.stderr.contains("region_code"), "{run:#?}");

    // An unknown organization: 1.
    let run = scopegate(&["orgs", "get", "org_404"], &env, None).await;
    run.assert_code(1);
    assert!(run.stderr.contains("404"), "{run:#?}");

    // No credentials: 2.
    let run = scopegate(&["orgs", "list", "--env", issuer.url()], &[], None).await;
    run.assert_code(2);
    assert!(run.stderr.contains("SCALEKIT_CLIENT_ID"), "{run:#?}");

    // Issuer down: 3.
    let down = closed_port_url();
    let run = scopegate(&["orgs", "list", "--env", &down], &env, None).await;
    run.assert_code(3);
}
