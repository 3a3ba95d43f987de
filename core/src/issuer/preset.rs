//! Provider presets: an [`Issuer`] configured in one line the way each
//! provider documents its access tokens (issuer form, where the keys are,
//! which claims carry the scopes and the client id, audience handling).

use crate::claims::sources::{ClientIdClaim, ScopeSource};
use crate::issuer::Issuer;
use crate::policy::claim_requirement::{ClaimRequirement, ClaimTest, ClaimValue};

/// Microsoft Entra ID's v2.0 issuer, one tenant id in place of the
/// placeholder (written as Entra's own common discovery document writes it).
pub(crate) const ENTRA_TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
/// The signing keys of every Entra ID tenant (the v2.0 common endpoint).
pub(crate) const ENTRA_KEYS: &str = "https://login.microsoftonline.com/common/discovery/v2.0/keys";

/// Amazon Cognito puts `token_use: "access"` in access tokens and `"id"` in
/// ID tokens, which are signed by the same pool.
const COGNITO_ACCESS: ClaimRequirement =
    ClaimRequirement::new("token_use", ClaimTest::Equals(ClaimValue::str("access")));
/// Entra ID v2.0 tokens say `ver: "2.0"`.
const ENTRA_V2: ClaimRequirement =
    ClaimRequirement::new("ver", ClaimTest::Equals(ClaimValue::str("2.0")));

/// A host given with or without `https://` and trailing `/`.
fn host(domain: &str) -> &str {
    let domain = domain.trim().trim_end_matches('/');
    domain.strip_prefix("https://").unwrap_or(domain)
}

impl Issuer {
    /// Scalekit: the environment URL (`https://<env>.scalekit.dev`, or a
    /// custom domain) is the issuer; keys at `<url>/keys`; scopes from the
    /// `scopes` array (and the RFC 9068 `scope` string, intersected when
    /// both are present); client id from `client_id`. `aud` is not checked
    /// unless an [`audience`](Self::audience) is added. A trailing `/` on
    /// the URL is dropped: a Scalekit environment's `iss` never has one
    /// (anything else is compared exactly, as given).
    pub fn scalekit(environment_url: &str) -> Issuer {
        Issuer::new(environment_url.trim().trim_end_matches('/'))
            .scope_sources(ScopeSource::DEFAULT)
            .client_id_claims(ClientIdClaim::DEFAULT)
    }

    /// Auth0: issuer `https://<domain>/` (with its trailing `/`), keys at
    /// `https://<domain>/.well-known/jwks.json`, scopes from the `scope`
    /// string (and the `permissions` array when role-based access control
    /// adds it), client id from `azp` (the default token profile) or
    /// `client_id` (the RFC 9068 profile). `audience` is the API identifier
    /// the client asked a token for: required, since an Auth0 ID token is
    /// signed by the same keys and its `aud` is a client id instead.
    ///
    /// `domain` is the tenant's domain (`acme.us.auth0.com`) or a custom
    /// domain, with or without `https://`.
    pub fn auth0(domain: &str, audience: impl Into<String>) -> Issuer {
        let host = host(domain);
        Issuer::new(format!("https://{host}/"))
            .jwks_url(format!("https://{host}/.well-known/jwks.json"))
            .scope_sources([ScopeSource::Scope, ScopeSource::Permissions])
            .client_id_claims([ClientIdClaim::Azp, ClientIdClaim::ClientId])
            .audience(audience)
    }

    /// Microsoft Entra ID, v2.0 access tokens of one tenant: issuer
    /// `https://login.microsoftonline.com/<tenant id>/v2.0`, keys of the
    /// common endpoint, `tid` equal to the tenant, `ver` equal to `2.0`
    /// (a v1.0 token, issued by `https://sts.windows.net/<tenant id>/`, is
    /// refused), scopes from `scp` (delegated) and `roles` (application
    /// permissions: what a client-credentials token carries), client id
    /// from `azp` (or `appid`). `audience` is the API's application (client)
    /// id, which v2.0 tokens carry as `aud`.
    ///
    /// The API's app registration must ask for v2.0 tokens
    /// (`requestedAccessTokenVersion: 2` in its manifest).
    pub fn entra_id(tenant_id: &str, audience: impl Into<String>) -> Issuer {
        Issuer::entra_id_tenants([tenant_id], audience)
    }

    /// Microsoft Entra ID v2.0 for a list of tenants (a multi-tenant
    /// application with known customers); otherwise as
    /// [`entra_id`](Self::entra_id).
    pub fn entra_id_tenants<I, S>(tenants: I, audience: impl Into<String>) -> Issuer
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Issuer::entra_base(audience).tenants(tenants)
    }

    /// Microsoft Entra ID v2.0 for any tenant: an explicit opt-in, since a
    /// token of any Entra ID organization that your application is
    /// consented in is then accepted; otherwise as
    /// [`entra_id`](Self::entra_id). Check the tenant in handlers
    /// (`claims.claim("tid")`) where it matters.
    pub fn entra_id_any_tenant(audience: impl Into<String>) -> Issuer {
        Issuer::entra_base(audience).any_tenant()
    }

    fn entra_base(audience: impl Into<String>) -> Issuer {
        Issuer::multi_tenant(ENTRA_TEMPLATE)
            .tenant_claim("tid")
            .jwks_url(ENTRA_KEYS)
            .scope_sources([ScopeSource::Scp, ScopeSource::Roles])
            .client_id_claims([ClientIdClaim::Azp, ClientIdClaim::Appid])
            .token_check(ENTRA_V2)
            .audience(audience)
    }

    /// Okta, a custom authorization server: issuer
    /// `https://<domain>/oauth2/<authorization server id>` (`default` for
    /// the default one), keys at `<issuer>/v1/keys`, scopes from the `scp`
    /// array, client id from `cid`. `audience` is the authorization
    /// server's audience (`api://default` for the default server). Tokens
    /// of the org authorization server (issuer `https://<domain>`) are meant
    /// for Okta's own APIs and are not accepted.
    pub fn okta(
        domain: &str,
        authorization_server_id: &str,
        audience: impl Into<String>,
    ) -> Issuer {
        let issuer = format!("https://{}/oauth2/{authorization_server_id}", host(domain));
        Issuer::new(issuer.clone())
            .jwks_url(format!("{issuer}/v1/keys"))
            .scope_sources([ScopeSource::Scp])
            .client_id_claims([ClientIdClaim::Cid])
            .audience(audience)
    }

    /// Keycloak, one realm: issuer `<base url>/realms/<realm>` (`base_url`
    /// with its `/auth` path on Keycloak before version 17), keys at
    /// `<issuer>/protocol/openid-connect/certs`, scopes from the `scope`
    /// string, client id from `azp` (or the `client_id` of a service
    /// account's token). Keycloak puts no `aud` in a client-credentials
    /// token unless an audience mapper adds one, so none is required: add
    /// [`audience`](Self::audience) once the realm has such a mapper.
    pub fn keycloak(base_url: &str, realm: &str) -> Issuer {
        let issuer = format!("{}/realms/{realm}", base_url.trim().trim_end_matches('/'));
        Issuer::new(issuer.clone())
            .jwks_url(format!("{issuer}/protocol/openid-connect/certs"))
            .scope_sources([ScopeSource::Scope])
            .client_id_claims([ClientIdClaim::Azp, ClientIdClaim::ClientId])
    }

    /// Amazon Cognito, one user pool: issuer
    /// `https://cognito-idp.<region>.amazonaws.com/<user pool id>`, keys at
    /// `<issuer>/.well-known/jwks.json`, scopes from the `scope` string,
    /// client id from `client_id`, and `token_use` must be `access` (an ID
    /// token of the same pool is refused). Cognito access tokens have no
    /// `aud`: to accept only some app clients, add
    /// `.require(ClaimRequirement { claim: "client_id".into(), test: ClaimTest::OneOf(..) })`
    /// (another app client's token is then `403`). A token that fails the
    /// `token_use` check is `401 invalid_token`: it is not an access token.
    ///
    /// Cognito names a resource server's custom scope
    /// `<resource server identifier>/<scope name>`: give the identifier and
    /// its `/` to [`scope_prefix`](Self::scope_prefix), and
    /// `#[require_scopes("deploy:applications")]` names the scope without
    /// it.
    pub fn cognito(region: &str, user_pool_id: &str) -> Issuer {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
        Issuer::new(issuer.clone())
            .jwks_url(format!("{issuer}/.well-known/jwks.json"))
            .scope_sources([ScopeSource::Scope])
            .client_id_claims([ClientIdClaim::ClientId])
            .token_check(COGNITO_ACCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The issuer and key locations each provider documents.
    #[test]
    fn presets_use_the_documented_locations() {
        let cases = [
            (
                Issuer::scalekit("https://acme.scalekit.dev/"),
                "https://acme.scalekit.dev",
                "https://acme.scalekit.dev/keys",
            ),
            (
                Issuer::auth0("https://acme.us.auth0.com", "https://api.acme"),
                "https://acme.us.auth0.com/",
                "https://acme.us.auth0.com/.well-known/jwks.json",
            ),
            (
                Issuer::entra_id("9188040d-6c67-4c5b-b112-36a304b66dad", "api"),
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                "https://login.microsoftonline.com/common/discovery/v2.0/keys",
            ),
            (
                Issuer::okta("acme.okta.com", "default", "api://default"),
                "https://acme.okta.com/oauth2/default",
                "https://acme.okta.com/oauth2/default/v1/keys",
            ),
            (
                Issuer::keycloak("https://sso.acme.example", "ops"),
                "https://sso.acme.example/realms/ops",
                "https://sso.acme.example/realms/ops/protocol/openid-connect/certs",
            ),
            (
                Issuer::cognito("us-east-1", "us-east-1_Ab12Cd34E"),
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E/.well-known/jwks.json",
            ),
        ];
        for (issuer, iss, keys) in cases {
            assert_eq!(issuer.issuer(), iss);
            assert_eq!(issuer.key_url().as_deref(), Some(keys), "{iss}");
            assert!(issuer.resolve(false).is_ok(), "{iss}");
        }
    }
}
