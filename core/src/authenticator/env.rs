//! Configuration from the environment: the variables
//! [`Authenticator::from_env`](crate::Authenticator::from_env) reads, for
//! Scalekit, for any issuer, or for a provider preset
//! (`SCOPEGATE_PRESET`). The table is in the docs of
//! [`AuthenticatorBuilder`].

use scopegate_wire::text::printable;

use super::builder::AuthenticatorBuilder;
use crate::error::{ConfigError, EnvValueError};
use crate::issuer::Issuer;

/// Environment variable holding the Scalekit environment URL, which is both
/// the issuer and the base of the JWKS URL (`<env>/keys`). Read when
/// [`ENV_ISSUER`] is unset.
pub const ENV_ENVIRONMENT_URL: &str = "SCALEKIT_ENVIRONMENT_URL";
/// Optional environment variable with the audience(s) this API accepts,
/// separated by commas or spaces. When unset, `aud` is not checked (the
/// presets `auth0`, `entra-id` and `okta` require it).
pub const ENV_AUDIENCE: &str = "SCOPEGATE_AUDIENCE";
/// Optional environment variable naming the issuer (the exact `iss`) of an
/// issuer other than Scalekit; read instead of [`ENV_ENVIRONMENT_URL`]
/// when set.
pub const ENV_ISSUER: &str = "SCOPEGATE_ISSUER";
/// Optional environment variable with the JWKS URL, when the keys are not
/// at `<issuer>/keys`. Excludes [`ENV_DISCOVERY`]` = true`. With a preset,
/// it replaces the preset's key location.
pub const ENV_JWKS_URL: &str = "SCOPEGATE_JWKS_URL";
/// Optional environment variable: `true` finds the JWKS URL through OpenID
/// Connect discovery (`<issuer>/.well-known/openid-configuration`).
/// Accepts `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case).
pub const ENV_DISCOVERY: &str = "SCOPEGATE_DISCOVERY";
/// Optional environment variable naming a provider preset: `scalekit`,
/// `auth0`, `entra-id`, `okta`, `keycloak` or `cognito` (any case).
pub const ENV_PRESET: &str = "SCOPEGATE_PRESET";
/// `SCOPEGATE_PRESET=auth0`: the tenant's domain (`acme.us.auth0.com`) or
/// a custom domain, with or without `https://` ([`Issuer::auth0`]).
pub const ENV_AUTH0_DOMAIN: &str = "SCOPEGATE_AUTH0_DOMAIN";
/// `SCOPEGATE_PRESET=entra-id`: the Microsoft Entra ID tenant id, several
/// separated by commas or spaces, or `*` (also `any`) for every tenant
/// with [`ENV_ENTRA_ANY_TENANT`]` = true` ([`Issuer::entra_id_tenants`],
/// [`Issuer::entra_id_any_tenant`]).
pub const ENV_ENTRA_TENANT: &str = "SCOPEGATE_ENTRA_TENANT";
/// `SCOPEGATE_PRESET=entra-id`: `true` is the explicit opt-in that
/// [`ENV_ENTRA_TENANT`]` = *` needs; set only with `*`.
pub const ENV_ENTRA_ANY_TENANT: &str = "SCOPEGATE_ENTRA_ANY_TENANT";
/// `SCOPEGATE_PRESET=okta`: the Okta org's domain (`acme.okta.com`), with
/// or without `https://` ([`Issuer::okta`]).
pub const ENV_OKTA_DOMAIN: &str = "SCOPEGATE_OKTA_DOMAIN";
/// `SCOPEGATE_PRESET=okta`: the custom authorization server's id; when
/// unset, `default` (Okta's default custom authorization server).
pub const ENV_OKTA_SERVER: &str = "SCOPEGATE_OKTA_SERVER";
/// `SCOPEGATE_PRESET=keycloak`: the server's base URL
/// (`https://sso.acme.example`, with `/auth` before Keycloak 17)
/// ([`Issuer::keycloak`]).
pub const ENV_KEYCLOAK_URL: &str = "SCOPEGATE_KEYCLOAK_URL";
/// `SCOPEGATE_PRESET=keycloak`: the realm.
pub const ENV_KEYCLOAK_REALM: &str = "SCOPEGATE_KEYCLOAK_REALM";
/// `SCOPEGATE_PRESET=cognito`: the AWS region of the user pool
/// (`us-east-1`) ([`Issuer::cognito`]).
pub const ENV_COGNITO_REGION: &str = "SCOPEGATE_COGNITO_REGION";
/// `SCOPEGATE_PRESET=cognito`: the user pool id (`us-east-1_Ab12Cd34E`).
pub const ENV_COGNITO_POOL: &str = "SCOPEGATE_COGNITO_POOL";
/// `SCOPEGATE_PRESET=cognito`, optional: the resource server identifier
/// and `/` before each custom scope (`https://deployments.acme.com/`);
/// only the scopes that begin with it are granted, without it
/// ([`Issuer::scope_prefix`]).
pub const ENV_COGNITO_SCOPE_PREFIX: &str = "SCOPEGATE_COGNITO_SCOPE_PREFIX";

/// A provider preset `SCOPEGATE_PRESET` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preset {
    Scalekit,
    Auth0,
    EntraId,
    Okta,
    Keycloak,
    Cognito,
}

impl Preset {
    const ALL: [Preset; 6] = [
        Preset::Scalekit,
        Preset::Auth0,
        Preset::EntraId,
        Preset::Okta,
        Preset::Keycloak,
        Preset::Cognito,
    ];

    /// The name `SCOPEGATE_PRESET` gives it.
    fn name(self) -> &'static str {
        match self {
            Preset::Scalekit => "scalekit",
            Preset::Auth0 => "auth0",
            Preset::EntraId => "entra-id",
            Preset::Okta => "okta",
            Preset::Keycloak => "keycloak",
            Preset::Cognito => "cognito",
        }
    }

    fn parse(value: &str) -> Result<Preset, ConfigError> {
        Preset::ALL
            .into_iter()
            .find(|preset| value.eq_ignore_ascii_case(preset.name()))
            .ok_or_else(|| ConfigError::InvalidEnv {
                name: ENV_PRESET,
                reason: EnvValueError::UnknownPreset(printable(value, 32)),
            })
    }

    /// The variables only this preset reads.
    fn own_variables(self) -> &'static [&'static str] {
        match self {
            Preset::Scalekit => &[],
            Preset::Auth0 => &[ENV_AUTH0_DOMAIN],
            Preset::EntraId => &[ENV_ENTRA_TENANT, ENV_ENTRA_ANY_TENANT],
            Preset::Okta => &[ENV_OKTA_DOMAIN, ENV_OKTA_SERVER],
            Preset::Keycloak => &[ENV_KEYCLOAK_URL, ENV_KEYCLOAK_REALM],
            Preset::Cognito => &[
                ENV_COGNITO_REGION,
                ENV_COGNITO_POOL,
                ENV_COGNITO_SCOPE_PREFIX,
            ],
        }
    }
}

/// The variables, read through a lookup: trimmed, blank counting as unset.
struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// A variable `preset` cannot do without.
    fn needed(&self, preset: Preset, name: &'static str) -> Result<String, ConfigError> {
        self.var(name).ok_or(ConfigError::PresetNeedsEnv {
            preset: preset.name(),
            name,
        })
    }

    /// A boolean variable, `false` when unset.
    fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        self.var(name)
            .map_or(Ok(false), |value| parse_bool(name, &value))
    }

    /// A list separated by commas or spaces, empty when unset.
    fn list(&self, name: &str) -> Vec<String> {
        self.var(name)
            .map(|text| {
                text.split([',', ' '])
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads the variables of the builder's table (see
/// [`AuthenticatorBuilder`]) from the process environment into a builder.
pub(crate) fn builder_from_env() -> Result<AuthenticatorBuilder, ConfigError> {
    builder_from_lookup(|name| std::env::var(name).ok())
}

/// Like [`builder_from_env`], reading the variables through `lookup`.
pub(crate) fn builder_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<AuthenticatorBuilder, ConfigError> {
    let env = Env { lookup };
    let preset = env
        .var(ENV_PRESET)
        .map(|value| Preset::parse(&value))
        .transpose()?;
    for other in Preset::ALL.into_iter().filter(|p| Some(*p) != preset) {
        if let Some(name) = other
            .own_variables()
            .iter()
            .find(|name| env.var(name).is_some())
        {
            return Err(ConfigError::PresetForeignEnv {
                name,
                preset: other.name(),
            });
        }
    }
    let discovery = env.flag(ENV_DISCOVERY)?;
    let jwks_url = env.var(ENV_JWKS_URL);
    if jwks_url.is_some() && discovery {
        return Err(ConfigError::ConflictingEnv {
            first: ENV_JWKS_URL,
            second: ENV_DISCOVERY,
        });
    }
    let audiences = env.list(ENV_AUDIENCE);
    let mut builder = match preset {
        None => {
            // `SCOPEGATE_ISSUER` is the exact `iss`; a Scalekit environment
            // URL names the environment, whose `iss` never ends in `/`.
            let issuer = match env.var(ENV_ISSUER) {
                Some(issuer) => Issuer::new(issuer),
                None => env
                    .var(ENV_ENVIRONMENT_URL)
                    .map(|url| Issuer::scalekit(&url))
                    .ok_or(ConfigError::MissingEnv(ENV_ENVIRONMENT_URL))?,
            };
            AuthenticatorBuilder::new(issuer).audiences(audiences)
        }
        Some(preset) => preset_builder(&env, preset, audiences)?,
    };
    if let Some(url) = jwks_url {
        builder = builder.jwks_url(url);
    } else if discovery {
        if preset == Some(Preset::EntraId) {
            // Every Entra ID tenant shares the keys of the common
            // endpoint; a multi-tenant template has no discovery document.
            return Err(ConfigError::ConflictingEnv {
                first: ENV_PRESET,
                second: ENV_DISCOVERY,
            });
        }
        builder = builder.discover();
    }
    Ok(builder)
}

/// The builder of `preset`, from its variables and the audiences.
fn preset_builder<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    preset: Preset,
    audiences: Vec<String>,
) -> Result<AuthenticatorBuilder, ConfigError> {
    // The preset is the issuer: another issuer beside it is a contradiction.
    let others: &[&'static str] = match preset {
        Preset::Scalekit => &[ENV_ISSUER],
        _ => &[ENV_ISSUER, ENV_ENVIRONMENT_URL],
    };
    if let Some(name) = others.iter().find(|name| env.var(name).is_some()) {
        return Err(ConfigError::ConflictingEnv {
            first: ENV_PRESET,
            second: name,
        });
    }
    // The presets whose tokens share keys with ID tokens or other APIs'
    // tokens need the audience; Cognito's access tokens carry none.
    let audience = || {
        audiences
            .first()
            .cloned()
            .ok_or(ConfigError::PresetNeedsEnv {
                preset: preset.name(),
                name: ENV_AUDIENCE,
            })
    };
    let issuer = match preset {
        Preset::Scalekit => {
            return Ok(AuthenticatorBuilder::new(Issuer::scalekit(
                &env.needed(preset, ENV_ENVIRONMENT_URL)?,
            ))
            .audiences(audiences));
        }
        Preset::Auth0 => {
            let domain = host(ENV_AUTH0_DOMAIN, &env.needed(preset, ENV_AUTH0_DOMAIN)?)?;
            Issuer::auth0(&domain, audience()?)
        }
        Preset::EntraId => entra_id(env, audience()?)?,
        Preset::Okta => {
            let domain = host(ENV_OKTA_DOMAIN, &env.needed(preset, ENV_OKTA_DOMAIN)?)?;
            let server = match env.var(ENV_OKTA_SERVER) {
                Some(server) => segment(ENV_OKTA_SERVER, server)?,
                None => "default".to_owned(),
            };
            Issuer::okta(&domain, &server, audience()?)
        }
        Preset::Keycloak => {
            let url = env.needed(preset, ENV_KEYCLOAK_URL)?;
            let realm = segment(ENV_KEYCLOAK_REALM, env.needed(preset, ENV_KEYCLOAK_REALM)?)?;
            Issuer::keycloak(&url, &realm)
        }
        Preset::Cognito => {
            if !audiences.is_empty() {
                return Err(ConfigError::ConflictingEnv {
                    first: ENV_PRESET,
                    second: ENV_AUDIENCE,
                });
            }
            let region = segment(ENV_COGNITO_REGION, env.needed(preset, ENV_COGNITO_REGION)?)?;
            let pool = segment(ENV_COGNITO_POOL, env.needed(preset, ENV_COGNITO_POOL)?)?;
            let issuer = Issuer::cognito(&region, &pool);
            match env.var(ENV_COGNITO_SCOPE_PREFIX) {
                Some(prefix) => issuer.scope_prefix(prefix),
                None => issuer,
            }
        }
    };
    // The first audience went to the preset; the others are accepted too.
    let rest = match preset {
        Preset::Keycloak => &audiences[..],
        _ => audiences.get(1..).unwrap_or_default(),
    };
    Ok(AuthenticatorBuilder::new(
        issuer.audiences(rest.iter().cloned()),
    ))
}

/// Microsoft Entra ID: one tenant, a list, or every tenant with the
/// opt-in.
fn entra_id<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    audience: String,
) -> Result<Issuer, ConfigError> {
    env.needed(Preset::EntraId, ENV_ENTRA_TENANT)?;
    let tenants = env.list(ENV_ENTRA_TENANT);
    let opt_in = env.flag(ENV_ENTRA_ANY_TENANT)?;
    let invalid = |reason| ConfigError::InvalidEnv {
        name: ENV_ENTRA_TENANT,
        reason,
    };
    let every = |tenant: &String| tenant == "*" || tenant.eq_ignore_ascii_case("any");
    if tenants.iter().any(every) {
        if tenants.len() > 1 {
            return Err(invalid(EnvValueError::AnyTenantInList));
        }
        if !opt_in {
            return Err(invalid(EnvValueError::AnyTenantNeedsOptIn));
        }
        return Ok(Issuer::entra_id_any_tenant(audience));
    }
    if opt_in {
        // The opt-in confirms `*`; beside a list it says the opposite.
        return Err(ConfigError::ConflictingEnv {
            first: ENV_ENTRA_TENANT,
            second: ENV_ENTRA_ANY_TENANT,
        });
    }
    let tenants = tenants
        .into_iter()
        .map(|tenant| segment(ENV_ENTRA_TENANT, tenant))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Issuer::entra_id_tenants(tenants, audience))
}

/// A host name, given with or without `https://` and a trailing `/`.
fn host(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let host = value.strip_prefix("https://").unwrap_or(value);
    let host = host.strip_suffix('/').unwrap_or(host);
    let bad = |c: char| matches!(c, '/' | '?' | '#' | '@' | '%') || c.is_whitespace();
    if host.is_empty() || host.contains(bad) {
        return Err(ConfigError::InvalidEnv {
            name,
            reason: EnvValueError::NotHost(printable(value, 32)),
        });
    }
    Ok(host.to_owned())
}

/// One path segment of a URL (an id, a realm, a region).
fn segment(name: &'static str, value: String) -> Result<String, ConfigError> {
    let bad = |c: char| {
        matches!(c, '/' | '\\' | '?' | '#' | '@' | '%') || c.is_whitespace() || c.is_control()
    };
    if value.contains(bad) || value == "." || value == ".." {
        return Err(ConfigError::InvalidEnv {
            name,
            reason: EnvValueError::NotPathSegment(printable(&value, 32)),
        });
    }
    Ok(value)
}

/// A boolean variable: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, in
/// any case.
fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::InvalidEnv {
            name,
            reason: EnvValueError::NotBoolean(printable(value, 32)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::KeyLocation;

    /// Variables, as name and value.
    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn lookup<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn from(vars: &[(&str, &str)]) -> Result<AuthenticatorBuilder, ConfigError> {
        builder_from_lookup(lookup(vars))
    }

    /// The error of `vars`, which must be refused.
    fn refused(vars: &[(&str, &str)]) -> ConfigError {
        match from(vars) {
            Ok(builder) => panic!("accepted: {:?}", builder.primary),
            Err(error) => error,
        }
    }

    #[test]
    fn the_environment_names_the_issuer_and_where_its_keys_are() {
        // Scalekit: the environment URL, keys at <url>/keys.
        let builder = from(&[(ENV_ENVIRONMENT_URL, " https://acme.scalekit.dev ")]).unwrap();
        assert_eq!(builder.primary.issuer, "https://acme.scalekit.dev");
        assert!(matches!(builder.primary.key, KeyLocation::Default));
        assert!(builder.primary.audiences.is_empty());

        // Any issuer: SCOPEGATE_ISSUER wins over the Scalekit variable.
        let builder = from(&[
            (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev"),
            (ENV_ISSUER, "https://login.example.com/tenant-1"),
            (ENV_JWKS_URL, "https://login.example.com/tenant-1/jwks"),
            (ENV_AUDIENCE, "api-1, api-2 api-3"),
        ])
        .unwrap();
        assert_eq!(builder.primary.issuer, "https://login.example.com/tenant-1");
        assert_eq!(
            builder.primary.key_url().as_deref(),
            Some("https://login.example.com/tenant-1/jwks")
        );
        assert_eq!(builder.primary.audiences, ["api-1", "api-2", "api-3"]);
        assert!(builder.build().is_ok());

        // Discovery, in the spellings of a boolean; false changes nothing.
        for yes in ["true", "TRUE", "1", "yes", "On"] {
            let builder =
                from(&[(ENV_ISSUER, "https://idp.example"), (ENV_DISCOVERY, yes)]).unwrap();
            assert!(
                matches!(builder.primary.key, KeyLocation::Discover),
                "{yes}"
            );
        }
        let builder = from(&[
            (ENV_ISSUER, "https://idp.example"),
            (ENV_DISCOVERY, "false"),
            (ENV_JWKS_URL, "https://idp.example/jwks"),
        ])
        .unwrap();
        assert!(matches!(builder.primary.key, KeyLocation::Jwks(_)));
        // Blank counts as unset, the preset variable too.
        let builder = from(&[
            (ENV_ISSUER, "https://idp.example"),
            (ENV_DISCOVERY, " "),
            (ENV_JWKS_URL, ""),
            (ENV_PRESET, " "),
        ])
        .unwrap();
        assert!(matches!(builder.primary.key, KeyLocation::Default));
    }

    #[test]
    fn environment_errors_name_their_variables() {
        let error = from(&[(ENV_ISSUER, " ")]).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::MissingEnv(ENV_ENVIRONMENT_URL)
        ));

        let error = from(&[
            (ENV_ISSUER, "https://idp.example"),
            (ENV_JWKS_URL, "https://idp.example/jwks"),
            (ENV_DISCOVERY, "yes"),
        ])
        .unwrap_err();
        assert!(matches!(
            error,
            ConfigError::ConflictingEnv {
                first: ENV_JWKS_URL,
                second: ENV_DISCOVERY
            }
        ));
        let message = error.to_string();
        assert!(
            message.contains("SCOPEGATE_JWKS_URL") && message.contains("SCOPEGATE_DISCOVERY"),
            "{message}"
        );

        let error = from(&[
            (ENV_ISSUER, "https://idp.example"),
            (ENV_DISCOVERY, "maybe"),
        ])
        .unwrap_err();
        assert!(matches!(
            error,
            ConfigError::InvalidEnv {
                name: ENV_DISCOVERY,
                reason: EnvValueError::NotBoolean(_),
            }
        ));
        assert!(
            error.to_string().contains("`maybe` is not a boolean"),
            "{error}"
        );

        // URLs are checked when the builder builds, naming the setting.
        let error = from(&[
            (ENV_ISSUER, "https://idp.example"),
            (ENV_JWKS_URL, "not a url"),
        ])
        .unwrap()
        .build()
        .unwrap_err();
        assert!(
            matches!(
                error,
                ConfigError::InvalidUrl {
                    field: "jwks_url",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    /// Each preset, from its variables: the issuer, the keys and the
    /// audiences its constructor gives, and it builds.
    #[test]
    fn each_preset_is_configured_from_its_variables() {
        let cases: [(Vars, &str, &str, &[&str]); 7] = [
            (
                &[
                    (ENV_PRESET, "scalekit"),
                    (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev/"),
                ],
                "https://acme.scalekit.dev",
                "https://acme.scalekit.dev/keys",
                &[],
            ),
            (
                &[
                    (ENV_PRESET, "Auth0"),
                    (ENV_AUTH0_DOMAIN, "https://acme.us.auth0.com/"),
                    (ENV_AUDIENCE, "https://api.acme, https://api2.acme"),
                ],
                "https://acme.us.auth0.com/",
                "https://acme.us.auth0.com/.well-known/jwks.json",
                &["https://api.acme", "https://api2.acme"],
            ),
            (
                &[
                    (ENV_PRESET, "entra-id"),
                    (ENV_ENTRA_TENANT, "9188040d-6c67-4c5b-b112-36a304b66dad"),
                    (ENV_AUDIENCE, "6e74172b-be56-4843-9ff4-e66a39bb12e3"),
                ],
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                "https://login.microsoftonline.com/common/discovery/v2.0/keys",
                &["6e74172b-be56-4843-9ff4-e66a39bb12e3"],
            ),
            (
                &[
                    (ENV_PRESET, "okta"),
                    (ENV_OKTA_DOMAIN, "acme.okta.com"),
                    (ENV_AUDIENCE, "api://default"),
                ],
                "https://acme.okta.com/oauth2/default",
                "https://acme.okta.com/oauth2/default/v1/keys",
                &["api://default"],
            ),
            (
                &[
                    (ENV_PRESET, "okta"),
                    (ENV_OKTA_DOMAIN, "acme.okta.com"),
                    (ENV_OKTA_SERVER, "aus8a7b6c5"),
                    (ENV_AUDIENCE, "api://deployments"),
                ],
                "https://acme.okta.com/oauth2/aus8a7b6c5",
                "https://acme.okta.com/oauth2/aus8a7b6c5/v1/keys",
                &["api://deployments"],
            ),
            (
                &[
                    (ENV_PRESET, "KEYCLOAK"),
                    (ENV_KEYCLOAK_URL, "https://sso.acme.example/"),
                    (ENV_KEYCLOAK_REALM, "ops"),
                    (ENV_AUDIENCE, "deployments"),
                ],
                "https://sso.acme.example/realms/ops",
                "https://sso.acme.example/realms/ops/protocol/openid-connect/certs",
                &["deployments"],
            ),
            (
                &[
                    (ENV_PRESET, "cognito"),
                    (ENV_COGNITO_REGION, "us-east-1"),
                    (ENV_COGNITO_POOL, "us-east-1_Ab12Cd34E"),
                ],
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E/.well-known/jwks.json",
                &[],
            ),
        ];
        for (vars, issuer, keys, audiences) in cases {
            let builder = from(vars).unwrap_or_else(|e| panic!("{vars:?}: {e}"));
            assert_eq!(builder.primary.issuer(), issuer);
            assert_eq!(builder.primary.key_url().as_deref(), Some(keys), "{issuer}");
            assert_eq!(builder.primary.audiences, audiences, "{issuer}");
            let auth = builder.build().unwrap_or_else(|e| panic!("{issuer}: {e}"));
            assert_eq!(auth.trusted_issuers().len(), 1);
        }
        // The Scalekit preset is the Scalekit variable alone, exactly.
        let auth = from(&[
            (ENV_PRESET, "scalekit"),
            (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev/"),
        ])
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(auth.issuer(), "https://acme.scalekit.dev");
    }

    #[test]
    fn cognito_takes_an_optional_scope_prefix() {
        let cognito = |prefix: &str| {
            from(&[
                (ENV_PRESET, "cognito"),
                (ENV_COGNITO_REGION, "us-east-1"),
                (ENV_COGNITO_POOL, "us-east-1_Ab12Cd34E"),
                (ENV_COGNITO_SCOPE_PREFIX, prefix),
            ])
        };
        let builder = cognito(" https://deployments.acme.com/ ").unwrap();
        assert_eq!(
            builder.primary.scope_prefix.as_deref(),
            Some("https://deployments.acme.com/")
        );
        assert_eq!(cognito("").unwrap().primary.scope_prefix, None);
        let error = cognito("two words").unwrap().build().unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidScopePrefix { .. }),
            "{error}"
        );
        // Another preset's variable is refused, not ignored.
        let error = from(&[
            (ENV_PRESET, "keycloak"),
            (ENV_KEYCLOAK_URL, "https://sso.acme.example"),
            (ENV_KEYCLOAK_REALM, "ops"),
            (ENV_COGNITO_SCOPE_PREFIX, "https://deployments.acme.com/"),
        ])
        .unwrap_err();
        assert!(
            matches!(
                error,
                ConfigError::PresetForeignEnv {
                    name: ENV_COGNITO_SCOPE_PREFIX,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn entra_id_takes_one_tenant_a_list_or_every_tenant_with_the_opt_in() {
        let entra = |tenant: &str, any: &str| {
            from(&[
                (ENV_PRESET, "entra-id"),
                (ENV_ENTRA_TENANT, tenant),
                (ENV_ENTRA_ANY_TENANT, any),
                (ENV_AUDIENCE, "api"),
            ])
        };
        let listed = entra("tenant-a, tenant-b tenant_c", "").unwrap();
        let shown = format!("{:?}", listed.primary);
        assert!(
            shown.contains(r#"tenants: Some(["tenant-a", "tenant-b", "tenant_c"])"#),
            "{shown}"
        );
        assert!(shown.contains("any_tenant: false"), "{shown}");
        listed.build().unwrap();
        for every in ["*", "any", "ANY"] {
            let any = entra(every, "true").unwrap();
            let shown = format!("{:?}", any.primary);
            assert!(shown.contains("any_tenant: true"), "{shown}");
            assert!(shown.contains("tenants: None"), "{shown}");
            any.build().unwrap();
        }
        // Every tenant without the opt-in, or with `false`.
        for opt_in in ["", "false"] {
            let error = entra("*", opt_in).unwrap_err();
            assert!(
                matches!(
                    error,
                    ConfigError::InvalidEnv {
                        name: ENV_ENTRA_TENANT,
                        reason: EnvValueError::AnyTenantNeedsOptIn,
                    }
                ),
                "{error:?}"
            );
            assert!(
                error
                    .to_string()
                    .contains("SCOPEGATE_ENTRA_ANY_TENANT=true"),
                "{error}"
            );
        }
        assert!(matches!(
            entra("tenant-a,*", "true").unwrap_err(),
            ConfigError::InvalidEnv {
                name: ENV_ENTRA_TENANT,
                reason: EnvValueError::AnyTenantInList,
            }
        ));
        // The opt-in beside tenant ids says the opposite of them.
        assert!(matches!(
            entra("tenant-a", "yes").unwrap_err(),
            ConfigError::ConflictingEnv {
                first: ENV_ENTRA_TENANT,
                second: ENV_ENTRA_ANY_TENANT,
            }
        ));
        assert!(matches!(
            entra("tenant-a", "sometimes").unwrap_err(),
            ConfigError::InvalidEnv {
                name: ENV_ENTRA_ANY_TENANT,
                reason: EnvValueError::NotBoolean(_),
            }
        ));
        assert!(matches!(
            entra("tenant/a", "").unwrap_err(),
            ConfigError::InvalidEnv {
                name: ENV_ENTRA_TENANT,
                reason: EnvValueError::NotPathSegment(_),
            }
        ));
    }

    #[test]
    fn a_preset_names_what_it_misses() {
        let cases: [(Vars, &str, &str); 10] = [
            (&[(ENV_PRESET, "scalekit")], "scalekit", ENV_ENVIRONMENT_URL),
            (
                &[(ENV_PRESET, "auth0"), (ENV_AUDIENCE, "https://api.acme")],
                "auth0",
                ENV_AUTH0_DOMAIN,
            ),
            (
                &[
                    (ENV_PRESET, "auth0"),
                    (ENV_AUTH0_DOMAIN, "acme.us.auth0.com"),
                ],
                "auth0",
                ENV_AUDIENCE,
            ),
            (
                &[(ENV_PRESET, "entra-id"), (ENV_AUDIENCE, "api")],
                "entra-id",
                ENV_ENTRA_TENANT,
            ),
            (
                &[(ENV_PRESET, "entra-id"), (ENV_ENTRA_TENANT, "tenant-a")],
                "entra-id",
                ENV_AUDIENCE,
            ),
            (
                &[(ENV_PRESET, "okta"), (ENV_AUDIENCE, "api://default")],
                "okta",
                ENV_OKTA_DOMAIN,
            ),
            (
                &[(ENV_PRESET, "okta"), (ENV_OKTA_DOMAIN, "acme.okta.com")],
                "okta",
                ENV_AUDIENCE,
            ),
            (
                &[(ENV_PRESET, "keycloak"), (ENV_KEYCLOAK_REALM, "ops")],
                "keycloak",
                ENV_KEYCLOAK_URL,
            ),
            (
                &[
                    (ENV_PRESET, "keycloak"),
                    (ENV_KEYCLOAK_URL, "https://sso.acme.example"),
                ],
                "keycloak",
                ENV_KEYCLOAK_REALM,
            ),
            (
                &[(ENV_PRESET, "cognito"), (ENV_COGNITO_REGION, "us-east-1")],
                "cognito",
                ENV_COGNITO_POOL,
            ),
        ];
        for (vars, preset, missing) in cases {
            let error = refused(vars);
            match &error {
                ConfigError::PresetNeedsEnv { preset: p, name } => {
                    assert_eq!((*p, *name), (preset, missing), "{vars:?}");
                }
                other => panic!("{vars:?}: {other:?}"),
            }
            assert_eq!(
                error.to_string(),
                format!("SCOPEGATE_PRESET={preset} needs the environment variable {missing}")
            );
        }
        let error = refused(&[(ENV_PRESET, "cognito"), (ENV_COGNITO_POOL, "pool")]);
        assert!(matches!(
            error,
            ConfigError::PresetNeedsEnv {
                preset: "cognito",
                name: ENV_COGNITO_REGION,
            }
        ));
    }

    #[test]
    fn a_preset_refuses_what_contradicts_it() {
        let auth0 = [
            (ENV_PRESET, "auth0"),
            (ENV_AUTH0_DOMAIN, "acme.us.auth0.com"),
            (ENV_AUDIENCE, "https://api.acme"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = auth0.to_vec();
            vars.extend_from_slice(extra);
            refused(&vars)
        };
        let conflict = |error: ConfigError, first: &str, second: &str| match error {
            ConfigError::ConflictingEnv {
                first: f,
                second: s,
            } => {
                assert_eq!((f, s), (first, second));
            }
            other => panic!("{other:?}"),
        };
        conflict(
            with(&[(ENV_ISSUER, "https://idp.example")]),
            ENV_PRESET,
            ENV_ISSUER,
        );
        conflict(
            with(&[(ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev")]),
            ENV_PRESET,
            ENV_ENVIRONMENT_URL,
        );
        conflict(
            refused(&[
                (ENV_PRESET, "scalekit"),
                (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev"),
                (ENV_ISSUER, "https://idp.example"),
            ]),
            ENV_PRESET,
            ENV_ISSUER,
        );
        conflict(
            with(&[
                (ENV_JWKS_URL, "https://keys.example/jwks"),
                (ENV_DISCOVERY, "true"),
            ]),
            ENV_JWKS_URL,
            ENV_DISCOVERY,
        );
        conflict(
            refused(&[
                (ENV_PRESET, "cognito"),
                (ENV_COGNITO_REGION, "us-east-1"),
                (ENV_COGNITO_POOL, "us-east-1_Ab12Cd34E"),
                (ENV_AUDIENCE, "api"),
            ]),
            ENV_PRESET,
            ENV_AUDIENCE,
        );
        conflict(
            refused(&[
                (ENV_PRESET, "entra-id"),
                (ENV_ENTRA_TENANT, "tenant-a"),
                (ENV_AUDIENCE, "api"),
                (ENV_DISCOVERY, "true"),
            ]),
            ENV_PRESET,
            ENV_DISCOVERY,
        );

        // A variable of another preset, or of a preset that is not chosen.
        let error = with(&[(ENV_OKTA_DOMAIN, "acme.okta.com")]);
        assert!(
            matches!(
                error,
                ConfigError::PresetForeignEnv {
                    name: ENV_OKTA_DOMAIN,
                    preset: "okta",
                }
            ),
            "{error:?}"
        );
        let error = refused(&[
            (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev"),
            (ENV_AUTH0_DOMAIN, "acme.us.auth0.com"),
        ]);
        assert!(matches!(
            error,
            ConfigError::PresetForeignEnv {
                name: ENV_AUTH0_DOMAIN,
                preset: "auth0",
            }
        ));
        assert!(
            error.to_string().contains("SCOPEGATE_PRESET=auth0"),
            "{error}"
        );

        // Values that are not what they name.
        let error = refused(&[(ENV_PRESET, "ping")]);
        assert!(matches!(
            &error,
            ConfigError::InvalidEnv {
                name: ENV_PRESET,
                reason: EnvValueError::UnknownPreset(value),
            } if value == "ping"
        ));
        assert!(error.to_string().contains("entra-id"), "{error}");
        for domain in ["acme.us.auth0.com/api", "http://acme.us.auth0.com", "a b"] {
            let error = refused(&[
                (ENV_PRESET, "auth0"),
                (ENV_AUTH0_DOMAIN, domain),
                (ENV_AUDIENCE, "api"),
            ]);
            assert!(
                matches!(
                    error,
                    ConfigError::InvalidEnv {
                        name: ENV_AUTH0_DOMAIN,
                        reason: EnvValueError::NotHost(_),
                    }
                ),
                "{domain}: {error:?}"
            );
        }
        for (name, value) in [
            (ENV_COGNITO_POOL, "pool/../other"),
            (ENV_COGNITO_REGION, ".."),
        ] {
            let mut vars = vec![
                (ENV_PRESET, "cognito"),
                (ENV_COGNITO_REGION, "us-east-1"),
                (ENV_COGNITO_POOL, "us-east-1_Ab12Cd34E"),
            ];
            vars.retain(|(key, _)| *key != name);
            vars.push((name, value));
            let error = refused(&vars);
            assert!(
                matches!(
                    &error,
                    ConfigError::InvalidEnv { name: n, reason: EnvValueError::NotPathSegment(_) }
                        if *n == name
                ),
                "{error:?}"
            );
        }
        let error = refused(&[
            (ENV_PRESET, "keycloak"),
            (ENV_KEYCLOAK_URL, "https://sso.acme.example"),
            (ENV_KEYCLOAK_REALM, "ops?x=1"),
        ]);
        assert!(matches!(
            error,
            ConfigError::InvalidEnv {
                name: ENV_KEYCLOAK_REALM,
                ..
            }
        ));
        // The Keycloak URL is checked when the builder builds, like any URL.
        let error = from(&[
            (ENV_PRESET, "keycloak"),
            (ENV_KEYCLOAK_URL, "http://sso.acme.example"),
            (ENV_KEYCLOAK_REALM, "ops"),
        ])
        .unwrap()
        .build()
        .unwrap_err();
        assert!(matches!(
            error,
            ConfigError::InvalidUrl {
                field: "issuer",
                ..
            }
        ));
    }

    /// `SCOPEGATE_JWKS_URL` replaces a preset's keys and nothing else;
    /// discovery starts at the preset's issuer.
    #[test]
    fn a_preset_takes_a_jwks_url_or_discovery() {
        let okta = [
            (ENV_PRESET, "okta"),
            (ENV_OKTA_DOMAIN, "acme.okta.com"),
            (ENV_AUDIENCE, "api://default"),
        ];
        let mut vars = okta.to_vec();
        vars.push((ENV_JWKS_URL, "https://keys.acme.example/okta.json"));
        let builder = from(&vars).unwrap();
        assert_eq!(
            builder.primary.issuer(),
            "https://acme.okta.com/oauth2/default"
        );
        assert_eq!(
            builder.primary.key_url().as_deref(),
            Some("https://keys.acme.example/okta.json")
        );
        assert_eq!(builder.primary.audiences, ["api://default"]);
        let mut vars = okta.to_vec();
        vars.push((ENV_DISCOVERY, "on"));
        let builder = from(&vars).unwrap();
        assert_eq!(
            builder.primary.key_url().as_deref(),
            Some("https://acme.okta.com/oauth2/default/.well-known/openid-configuration")
        );
        // Entra ID's tenants share one key set, which a JWKS URL may name.
        let builder = from(&[
            (ENV_PRESET, "entra-id"),
            (ENV_ENTRA_TENANT, "tenant-a"),
            (ENV_AUDIENCE, "api"),
            (ENV_JWKS_URL, "https://keys.acme.example/entra.json"),
        ])
        .unwrap();
        assert_eq!(
            builder.primary.key_url().as_deref(),
            Some("https://keys.acme.example/entra.json")
        );
        builder.build().unwrap();
    }
}
