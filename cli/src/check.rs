//! `scopegate check`: verify a token against the issuer, and say why it is
//! accepted or which rule rejects it.

use std::time::Duration;

use clap::Args;
use scopegate_client::{ENV_CLIENT_ENVIRONMENT_URL, ENV_SCALEKIT_ENVIRONMENT_URL};
use scopegate_core::{
    AuthError, Authenticator, Claims, ConfigError,
    env::AUDIENCE as ENV_AUDIENCE,
    error::{KeyDocument, KeyFetchError, TokenError},
    policy::Requirement,
};
use serde_json::Value;

use crate::decode::decode;
use crate::exit::{ALLOW_HTTP, Failure, NETWORK, OK, REJECTED, USAGE, url_reason};
use crate::input::{self, Env};

// The arguments of the subcommand (its help is on `Command`).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  scopegate check \"$TOKEN\" --env https://acme.scalekit.dev --scope deploy:applications
  scopegate token | scopegate check - --scope read:deployments --audience deployment-api.acmecorp.com")]
pub(crate) struct CheckArgs {
    /// The token (a JWT), or `-` to read it from stdin
    token: String,
    /// A scope the token must carry, `resource:action` (repeatable; all are
    /// required unless --any)
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Accept a token that carries any one of the --scope values
    #[arg(long, requires = "scopes")]
    any: bool,
    /// The issuer the token must come from (its `iss`); keys are fetched
    /// from <ISSUER>/keys [default: $SCOPEGATE_CLIENT_ENVIRONMENT_URL, else
    /// $SCALEKIT_ENVIRONMENT_URL]
    #[arg(long, visible_alias = "env", value_name = "URL")]
    issuer: Option<String>,
    /// An audience the token's `aud` must contain (repeatable)
    /// [default: $SCOPEGATE_AUDIENCE; without it `aud` is not checked]
    #[arg(long = "audience", value_name = "AUDIENCE")]
    audiences: Vec<String>,
    /// Fetch the keys from this JWKS URL instead of <issuer>/keys
    #[arg(long, value_name = "URL", conflicts_with = "discover")]
    jwks_url: Option<String>,
    /// Find the JWKS URL through OIDC discovery
    /// (<issuer>/.well-known/openid-configuration)
    #[arg(long)]
    discover: bool,
    /// Clock skew tolerated on exp and nbf, in seconds (at most 300)
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    leeway: u64,
    /// Allow plain http:// URLs for hosts other than loopback (loopback is
    /// always allowed)
    #[arg(long)]
    allow_http: bool,
    /// Print the verdict as JSON: {"accepted", "error", "reason", "claims"}
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(args: CheckArgs) -> Result<u8, Failure> {
    let token = input::token(&args.token)?;
    let requirement = requirement(&args.scopes, args.any)?;
    let env = Env::default();
    let issuer = args
        .issuer
        .clone()
        .or_else(|| env.get(ENV_CLIENT_ENVIRONMENT_URL))
        .or_else(|| env.get(ENV_SCALEKIT_ENVIRONMENT_URL))
        .ok_or_else(|| {
            Failure::usage(format!(
                "no issuer: pass --issuer URL, or set {ENV_CLIENT_ENVIRONMENT_URL} or {ENV_SCALEKIT_ENVIRONMENT_URL}"
            ))
        })?;
    let mut audiences = args.audiences.clone();
    if audiences.is_empty()
        && let Some(list) = env.get(ENV_AUDIENCE)
    {
        audiences = scopegate_client::split_list(&list);
    }
    let mut builder = Authenticator::builder(issuer.clone())
        .leeway(Duration::from_secs(args.leeway))
        .audiences(audiences.clone())
        .allow_http(args.allow_http);
    if let Some(url) = &args.jwks_url {
        builder = builder.jwks_url(url.clone());
    } else if args.discover {
        builder = builder.discover();
    }
    let auth = builder.build().map_err(|e| {
        Failure::usage(format!(
            "cannot check against {issuer}: {}",
            config_error(&e)
        ))
    })?;
    let keys_from = match (&args.jwks_url, args.discover) {
        (Some(url), _) => url.clone(),
        (None, true) => format!("{}/.well-known/openid-configuration", auth.issuer()),
        (None, false) => format!("{}/keys", auth.issuer()),
    };

    let unverified = decode(&token).ok();
    let outcome = match auth.validate(&token).await {
        Ok(claims) => match requirement.check(&claims) {
            Ok(()) => Ok(claims),
            Err(error) => Err((error, Some(claims))),
        },
        Err(error) => Err((error, None)),
    };

    match outcome {
        Ok(claims) => {
            let kid = unverified
                .as_ref()
                .and_then(|d| {
                    d.header
                        .get("kid")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let alg = unverified
                .as_ref()
                .and_then(|d| {
                    d.header
                        .get("alg")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            if args.json {
                let body = serde_json::json!({
                    "accepted": true,
                    "error": null,
                    "reason": null,
                    "claims": unverified.as_ref().map(|d| Value::Object(d.claims.clone())),
                });
                println!("{body:#}");
            } else {
                println!("ACCEPTED: the token is valid and carries the required scopes.");
                println!("  signature  verified with key `{kid}` ({alg}) from {keys_from}");
                println!("  issuer     {} (as expected)", claims.iss());
                if audiences.is_empty() {
                    println!(
                        "  audience   not checked (no --audience); the token's is {}",
                        list_or_none(claims.aud())
                    );
                } else {
                    println!(
                        "  audience   {} (contains one of {})",
                        list_or_none(claims.aud()),
                        audiences.join(", ")
                    );
                }
                println!("  expiry     {}", expiry(&claims, args.leeway));
                println!("  scopes     {}", scope_verdict(&requirement, &claims));
                if let Some(client_id) = claims.client_id() {
                    println!(
                        "  client     {client_id}{}",
                        claims
                            .oid()
                            .map(|oid| format!(" (organization {oid})"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(OK)
        }
        Err((error, claims)) => {
            let code = match &error {
                AuthError::KeysUnavailable { .. } => NETWORK,
                AuthError::Misconfigured | AuthError::MissingToken => USAGE,
                _ => REJECTED,
            };
            let fetch_error = auth.last_key_fetch_error();
            let reason = match &error {
                AuthError::KeysUnavailable { .. } => format!(
                    "the issuer's signing keys could not be fetched from {keys_from}, so the token cannot be checked{}",
                    fetch_error
                        .as_ref()
                        .map(|e| format!(": {}", fetch_failure(e, &keys_from)))
                        .unwrap_or_default()
                ),
                other => other.to_string(),
            };
            let hints = hints(
                &error,
                claims.as_ref(),
                &requirement,
                &keys_from,
                fetch_error.as_ref(),
            );
            if args.json {
                let body = serde_json::json!({
                    "accepted": false,
                    "error": error.code(),
                    "reason": reason,
                    "hints": hints,
                    "claims": unverified.as_ref().map(|d| Value::Object(d.claims.clone())),
                });
                println!("{body:#}");
            } else {
                let verdict = if code == NETWORK {
                    "CANNOT CHECK"
                } else {
                    "REJECTED"
                };
                println!("{verdict}: {reason}");
                for hint in &hints {
                    println!("  {hint}");
                }
                if let Some(decoded) = &unverified
                    && code == REJECTED
                {
                    let about = about(decoded);
                    if !about.is_empty() {
                        println!("  token (unverified): {about}");
                    }
                }
            }
            Ok(code)
        }
    }
}

/// The `--scope` values as a requirement. The strings live as long as the
/// process, which is what `Requirement` (built for `const`s) needs.
fn requirement(scopes: &[String], any: bool) -> Result<Requirement, Failure> {
    let mut branches = Vec::new();
    for scope in scopes {
        scopegate_core::grammar::parse_scope(scope)
            .map_err(|e| Failure::usage(format!("--scope `{scope}`: {e}")))?;
        branches.push(Requirement::Scope(Box::leak(
            scope.clone().into_boxed_str(),
        )));
    }
    if let [one] = branches.as_slice() {
        return Ok(*one);
    }
    let branches: &'static [Requirement] = Box::leak(branches.into_boxed_slice());
    Ok(if any {
        Requirement::Any(branches)
    } else {
        Requirement::All(branches)
    })
}

fn scope_verdict(requirement: &Requirement, claims: &Claims) -> String {
    let granted = list_or_none(claims.scopes());
    match requirement {
        Requirement::All([]) => {
            format!("none required (no --scope); granted: {granted}")
        }
        _ => format!("requires {requirement}; granted: {granted}"),
    }
}

fn expiry(claims: &Claims, leeway: u64) -> String {
    let exp = claims.exp();
    let now = input::now();
    if exp > now {
        format!(
            "expires in {} (exp {exp})",
            input::duration(exp.abs_diff(now))
        )
    } else {
        format!(
            "expired {} ago (exp {exp}), accepted within the {leeway} s leeway",
            input::duration(exp.abs_diff(now))
        )
    }
}

/// Why the authenticator could not be built, URL errors naming this
/// command's flag for plain `http`.
fn config_error(error: &ConfigError) -> String {
    match error {
        ConfigError::InvalidUrl { field, reason } => format!(
            "{} is not a usable URL: {}",
            flag(field),
            url_reason(reason, Some(ALLOW_HTTP))
        ),
        ConfigError::OutOfRange { setting, limit } => format!("{} {limit}", flag(setting)),
        other => other.to_string(),
    }
}

/// The flag of this command that sets a builder setting.
fn flag(setting: &str) -> &str {
    match setting {
        "issuer" => "--issuer",
        "jwks_url" => "--jwks-url",
        "leeway" => "--leeway",
        other => other,
    }
}

/// A failed key fetch in the words of this command: the libraries' hints
/// name builder methods, this names flags (see `hints`).
fn fetch_failure(error: &KeyFetchError, keys_from: &str) -> String {
    match error {
        KeyFetchError::Status { url, status, .. } if url.as_str() == keys_from => {
            format!("it answered {status}")
        }
        KeyFetchError::Status { url, status, .. } => format!("{url} answered {status}"),
        other => other.to_string(),
    }
}

/// What to do about a rejection, in words, from the rejection's variant.
fn hints(
    error: &AuthError,
    claims: Option<&Claims>,
    requirement: &Requirement,
    keys_from: &str,
    fetch_error: Option<&KeyFetchError>,
) -> Vec<String> {
    let mut hints = Vec::new();
    match error {
        AuthError::InsufficientScope { scope, .. } => {
            if let Some(claims) = claims {
                let granted = claims.scopes();
                let mut missing = Vec::new();
                requirement.for_each_scope(&mut |s| {
                    if !granted.iter().any(|g| g == s) && !missing.contains(&s) {
                        missing.push(s);
                    }
                });
                hints.push(format!("granted: {}", list_or_none(granted)));
                hints.push(format!("missing: {}", missing.join(" ")));
            }
            hints.push(format!(
                "ask for a token with `{scope}` (the client must be registered with it)"
            ));
        }
        AuthError::InvalidToken(reason) => match reason {
            TokenError::Expired { .. } => {
                hints.push("fetch a new token (`scopegate token`)".into());
            }
            TokenError::NotYetValid { .. } | TokenError::IssuedInFuture => {
                hints.push(
                    "check this machine's clock; --leeway tolerates up to 300 s of skew".into(),
                );
            }
            TokenError::UnknownKey { .. } => {
                hints.push(format!(
                    "the issuer's keys are at {keys_from}: the token was signed by another issuer, or with a key that was rotated out"
                ));
            }
            TokenError::BadSignature => {
                hints.push(
                    "the token was altered, or signed by another issuer that uses the same key id"
                        .into(),
                );
            }
            TokenError::WrongIssuer { .. } => {
                hints.push("check --issuer: it must equal the token's `iss` exactly".into());
            }
            TokenError::AudienceMissing | TokenError::AudienceNotAccepted { .. } => {
                hints.push("check --audience: the token's `aud` must contain it".into());
            }
            TokenError::AlgorithmNotAccepted { .. } | TokenError::Unsigned => {
                hints.push(
                    "APIs protected by scopegate accept RS256 unless configured otherwise".into(),
                );
            }
            _ => {}
        },
        AuthError::KeysUnavailable { .. } => hints.push(match fetch_error {
            Some(KeyFetchError::Status {
                status,
                document: KeyDocument::Jwks,
                ..
            }) if status.is_client_error() => format!(
                "no key set is published at {keys_from}: find it with --discover (OIDC discovery), or give its URL with --jwks-url"
            ),
            Some(KeyFetchError::Status {
                status,
                document: KeyDocument::Discovery,
                ..
            }) if status.is_client_error() => {
                "the issuer publishes no OIDC discovery document: give the key set's URL with --jwks-url".into()
            }
            Some(KeyFetchError::DiscoveryIssuerMismatch { found, .. }) => {
                format!("the discovery document is for issuer `{found}`: pass that as --issuer")
            }
            Some(KeyFetchError::InvalidJwks(_)) => format!(
                "{keys_from} holds no usable RSA signing key; check --jwks-url"
            ),
            _ => "check the issuer URL and that the issuer is up".into(),
        }),
        _ => {}
    }
    hints
}

/// A one-line summary of the unverified claims, for context.
fn about(decoded: &crate::decode::Decoded) -> String {
    let claims = &decoded.claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let mut parts = Vec::new();
    if let Some(kid) = decoded.header.get("kid").and_then(Value::as_str) {
        parts.push(format!("kid `{kid}`"));
    }
    if let Some(iss) = text("iss") {
        parts.push(format!("iss {iss}"));
    }
    if let Some(client) = text("client_id").or_else(|| text("sub")) {
        parts.push(format!("client {client}"));
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        parts.push(format!("exp {exp} ({})", input::relative(exp)));
    }
    parts.join(", ")
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(" ")
    }
}
