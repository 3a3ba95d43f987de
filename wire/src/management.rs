//! The request and response bodies of Scalekit's management API for API
//! clients (`/api/v1/organizations/{org_id}/clients...`) and for
//! organizations (`/api/v1/organizations[/{id}]`).
//!
//! One model for both sides: `scopegate-client`'s admin client serializes
//! the requests and reads the responses, `scopegate-dev`'s issuer reads the
//! requests and serializes the responses.
//!
//! Responses are read leniently: unknown fields are ignored, absent or
//! `null` lists are empty, and 64-bit numbers may come as strings (as gRPC
//! gateways write them). Requests are read as they are written: every field
//! but the ones given takes its default, numbers are JSON numbers; what a
//! server accepts beyond the shape (scope grammar, limits) is the server's
//! own rule, checked after reading.
//!
//! Field order is the order Scalekit writes: serializing a response gives
//! the members in the order Scalekit's management API sends them.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::Secret;
use crate::serde_helpers::{empty_if_none, lenient_u64, null_default, page_token};

/// A string-valued claim added to every token of a client (the
/// `custom_claims` of a registration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomClaim {
    /// The claim name.
    pub key: String,
    /// The claim value.
    pub value: String,
}

impl CustomClaim {
    /// A claim `key` with `value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        CustomClaim {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A client registration request: the body of
/// `POST /api/v1/organizations/{org_id}/clients`.
///
/// ```
/// use scopegate_wire::management::NewOrganizationClient;
///
/// let request = NewOrganizationClient::new("GitHub Actions Deployment Service")
///     .description("Deploys to production via GitHub Actions")
///     .scopes(["deploy:applications", "read:deployments"])
///     .audience("deployment-api.acmecorp.com")
///     .custom_claim("github_repository", "acmecorp/inventory-service")
///     .expiry(3600);
/// assert_eq!(request.scopes.len(), 2);
/// ```
///
/// Each scope must follow the `resource:action` grammar; the
/// admin client of `scopegate-client` checks them before sending.
///
/// Read from JSON, every field is optional (an absent `name` reads as the
/// empty string, which a server then refuses as blank), so that a server
/// can name the missing field in its own words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct NewOrganizationClient {
    /// Display name (required).
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The scopes the client may be granted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The `aud` values of the client's tokens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<String>,
    /// Extra claims put in every token of the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_claims: Vec<CustomClaim>,
    /// Token lifetime in seconds (the server's default, 3600 at Scalekit,
    /// when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
}

impl NewOrganizationClient {
    /// A registration named `name`, with nothing else yet.
    pub fn new(name: impl Into<String>) -> Self {
        NewOrganizationClient {
            name: name.into(),
            ..NewOrganizationClient::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds an audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// Adds a custom claim.
    pub fn custom_claim(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_claims.push(CustomClaim::new(key, value));
        self
    }

    /// Sets the token lifetime in seconds.
    pub fn expiry(mut self, seconds: u64) -> Self {
        self.expiry = Some(seconds);
        self
    }
}

/// A change to a client: the body of
/// `PATCH /api/v1/organizations/{org_id}/clients/{client_id}`. Fields left
/// unset keep their value; lists replace the old lists.
///
/// ```
/// use scopegate_wire::management::ClientUpdate;
///
/// let update = ClientUpdate::new().name("Deploy bot").scopes(["read:deployments"]);
/// assert!(!update.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ClientUpdate {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// New audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<String>>,
    /// New custom claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_claims: Option<Vec<CustomClaim>>,
    /// New token lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
}

impl ClientUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        ClientUpdate::default()
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &ClientUpdate::default()
    }

    /// Changes the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Replaces the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the audience.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = Some(audience.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the custom claims.
    pub fn custom_claims(mut self, claims: impl IntoIterator<Item = CustomClaim>) -> Self {
        self.custom_claims = Some(claims.into_iter().collect());
        self
    }

    /// Changes the token lifetime.
    pub fn expiry(mut self, seconds: u64) -> Self {
        self.expiry = Some(seconds);
        self
    }
}

/// A client secret as the management API shows it: never the secret
/// itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientSecret {
    /// The secret's id (`sks_...`), for
    /// `remove_organization_client_secret` of the admin client.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// The last characters of the secret, to recognise it.
    #[serde(default, deserialize_with = "null_default")]
    pub secret_suffix: String,
    /// `ACTIVE`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
    /// When the secret last obtained a token (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_time: Option<String>,
}

/// A registered API client (the `client` of the management API's answers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrganizationClient {
    /// `m2morg_...`: what the client sends as `client_id`.
    #[serde(default, deserialize_with = "null_default")]
    pub client_id: String,
    /// Its secrets (without their values).
    #[serde(default, deserialize_with = "null_default")]
    pub secrets: Vec<ClientSecret>,
    /// Display name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organization (its tokens' `oid`).
    #[serde(default, deserialize_with = "null_default")]
    pub organization_id: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// The scopes the client may be granted.
    #[serde(default, deserialize_with = "null_default")]
    pub scopes: Vec<String>,
    /// The `aud` of its tokens.
    #[serde(default, deserialize_with = "null_default")]
    pub audience: Vec<String>,
    /// Extra claims of its tokens.
    #[serde(default, deserialize_with = "null_default")]
    pub custom_claims: Vec<CustomClaim>,
    /// Token lifetime in seconds.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiry: Option<u64>,
}

/// The answer to a registration: the client, and its secret in plain text,
/// shown this once and never retrievable again.
///
/// This type is the one response that hands the secret out: unlike
/// [`Secret`] on its own, it serializes with `plain_secret` written in
/// clear (`{"client": {...}, "plain_secret": "..."}`), because that is what
/// the management API answers. Its `Debug` output still redacts the secret.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct CreatedOrganizationClient {
    /// The registered client.
    pub client: OrganizationClient,
    /// The client's secret. Hand it to the client's owner now.
    pub plain_secret: Secret,
}

impl CreatedOrganizationClient {
    /// The answer for `client`, with its secret `plain_secret`.
    pub fn new(client: OrganizationClient, plain_secret: Secret) -> Self {
        CreatedOrganizationClient {
            client,
            plain_secret,
        }
    }
}

impl Serialize for CreatedOrganizationClient {
    /// Writes `client` and `plain_secret`, the secret in clear: see the
    /// type's documentation.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("CreatedOrganizationClient", 2)?;
        body.serialize_field("client", &self.client)?;
        body.serialize_field("plain_secret", self.plain_secret.expose())?;
        body.end()
    }
}

/// The answer to adding a secret: its description and, this once, its
/// value.
///
/// This type is the one response that hands the secret out: it serializes
/// with `plain_secret` written in clear (`{"secret": {...}, "plain_secret":
/// "..."}`), as the management API answers. Its `Debug` output still
/// redacts the secret.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct CreatedClientSecret {
    /// The new secret's description.
    pub secret: ClientSecret,
    /// The secret itself.
    pub plain_secret: Secret,
}

impl CreatedClientSecret {
    /// The answer for `secret`, whose value is `plain_secret`.
    pub fn new(secret: ClientSecret, plain_secret: Secret) -> Self {
        CreatedClientSecret {
            secret,
            plain_secret,
        }
    }
}

impl Serialize for CreatedClientSecret {
    /// Writes `secret` and `plain_secret`, the secret in clear: see the
    /// type's documentation.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("CreatedClientSecret", 2)?;
        body.serialize_field("secret", &self.secret)?;
        body.serialize_field("plain_secret", self.plain_secret.expose())?;
        body.end()
    }
}

/// One page of an organization's clients: the answer to
/// `GET /api/v1/organizations/{org_id}/clients?page_size=&page_token=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientPage {
    /// The clients of this page.
    #[serde(default, deserialize_with = "null_default")]
    pub clients: Vec<OrganizationClient>,
    /// Pass it as `page_token` for the next page; `None` on the last page
    /// (the wire's empty string, written as such).
    #[serde(
        default,
        deserialize_with = "page_token",
        serialize_with = "empty_if_none"
    )]
    pub next_page_token: Option<String>,
    /// The token of the previous page; `None` on the first (written as the
    /// empty string).
    #[serde(
        default,
        deserialize_with = "page_token",
        serialize_with = "empty_if_none"
    )]
    pub prev_page_token: Option<String>,
    /// How many clients the organization has in all.
    #[serde(default, deserialize_with = "lenient_total")]
    pub total_size: u64,
}

fn lenient_total<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(lenient_u64(deserializer)?.unwrap_or(0))
}

/// A response body holding one client: `{"client": {...}}`, or the client
/// itself (both forms are met in the wild). Serialized, each form is written
/// as it is (Scalekit's management API answers the wrapped form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClientEnvelope {
    /// `{"client": {...}}`.
    Wrapped {
        /// The client.
        client: OrganizationClient,
    },
    /// The client itself.
    Bare(OrganizationClient),
}

impl ClientEnvelope {
    /// The client, whichever form it came in.
    pub fn into_client(self) -> OrganizationClient {
        match self {
            ClientEnvelope::Wrapped { client } | ClientEnvelope::Bare(client) => client,
        }
    }
}

/// The region an organization's data is kept in, as Scalekit's management
/// API writes it.
pub mod region {
    /// The United States.
    pub const US: &str = "US";
    /// The European Union.
    pub const EU: &str = "EU";
    /// What gRPC gateways write for "no region": read as no region.
    pub const UNSPECIFIED: &str = "REGION_CODE_UNSPECIFIED";
}

/// An organization (a tenant) of the environment, as Scalekit's management
/// API shows it: the `organization` of `GET /api/v1/organizations/{id}`,
/// and the entries of [`OrganizationPage`].
///
/// Read leniently: absent or `null` text is empty, a `null` `metadata` is
/// empty, and an empty `external_id` or `region_code` (or
/// `REGION_CODE_UNSPECIFIED`) reads as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// `org_...`: the id the management API's paths and tokens' `oid` use.
    #[serde(default, deserialize_with = "null_default")]
    pub id: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    /// Where its data is kept: [`region::US`] or [`region::EU`].
    #[serde(
        default,
        deserialize_with = "region_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_code: Option<String>,
    /// The application's own id for the organization, unique within the
    /// environment.
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<String>,
    /// Free key-value pairs.
    #[serde(default, deserialize_with = "null_default")]
    pub metadata: BTreeMap<String, String>,
}

/// An organization creation request: the body of
/// `POST /api/v1/organizations`.
///
/// ```
/// use scopegate_wire::management::{NewOrganization, region};
///
/// let request = NewOrganization::new("Looney Corp")
///     .external_id("my_unique_id")
///     .region_code(region::US)
///     .metadata("plan", "enterprise");
/// assert_eq!(request.metadata["plan"], "enterprise");
/// ```
///
/// Read from JSON, every field is optional (an absent `display_name` reads
/// as the empty string, which a server then refuses as blank), so that a
/// server can name the missing field in its own words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct NewOrganization {
    /// Display name (required).
    pub display_name: String,
    /// The application's own id for the organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Where its data is kept: [`region::US`] or [`region::EU`] (the
    /// server's default when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Free key-value pairs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl NewOrganization {
    /// An organization named `display_name`, with nothing else yet.
    pub fn new(display_name: impl Into<String>) -> Self {
        NewOrganization {
            display_name: display_name.into(),
            ..NewOrganization::default()
        }
    }

    /// Sets the application's own id for the organization.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the region ([`region::US`], [`region::EU`]).
    pub fn region_code(mut self, region_code: impl Into<String>) -> Self {
        self.region_code = Some(region_code.into());
        self
    }

    /// Adds a metadata entry (replacing one of the same key).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// One page of the environment's organizations: the answer to
/// `GET /api/v1/organizations?page_size=&page_token=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrganizationPage {
    /// The organizations of this page.
    #[serde(default, deserialize_with = "null_default")]
    pub organizations: Vec<Organization>,
    /// Pass it as `page_token` for the next page; `None` on the last page
    /// (the wire's empty string, written as such).
    #[serde(
        default,
        deserialize_with = "page_token",
        serialize_with = "empty_if_none"
    )]
    pub next_page_token: Option<String>,
    /// The token of the previous page; `None` on the first (written as the
    /// empty string).
    #[serde(
        default,
        deserialize_with = "page_token",
        serialize_with = "empty_if_none"
    )]
    pub prev_page_token: Option<String>,
    /// How many organizations the environment has in all.
    #[serde(default, deserialize_with = "lenient_total")]
    pub total_size: u64,
}

/// A response body holding one organization: `{"organization": {...}}`
/// (what Scalekit's management API answers to `POST /api/v1/organizations`
/// and `GET /api/v1/organizations/{id}`), or the organization itself. Like
/// [`ClientEnvelope`], both forms are read and each is written as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrganizationEnvelope {
    /// `{"organization": {...}}`.
    Wrapped {
        /// The organization.
        organization: Organization,
    },
    /// The organization itself.
    Bare(Organization),
}

impl OrganizationEnvelope {
    /// The organization, whichever form it came in.
    pub fn into_organization(self) -> Organization {
        match self {
            OrganizationEnvelope::Wrapped { organization }
            | OrganizationEnvelope::Bare(organization) => organization,
        }
    }
}

/// Optional text whose `null` and `""` both mean "none".
fn non_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|t| !t.is_empty()))
}

/// A region code: `null`, `""` and `REGION_CODE_UNSPECIFIED` mean "none".
fn region_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(non_empty(deserializer)?.filter(|code| code != region::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scalekits_registration_response() {
        let body = r#"{"client": {"client_id": "m2morg_68315758685323697","secrets": [{"id": "sks_68315758802764209","create_time": "2025-04-16T06:56:05.360Z","update_time": "2025-04-16T06:56:05.367190455Z","secret_suffix": "UZ0X","status": "ACTIVE","last_used_time": "2025-04-16T06:56:05.360Z"}],"name": "GitHub Actions Deployment Service","description": "Service account","organization_id": "org_59615193906282635","create_time": "2025-04-16T06:56:05.290Z","update_time": "2025-04-16T06:56:05.292145150Z","scopes": ["deploy:applications","read:deployments"]},"plain_secret": "test_ly8G57h0ErRJSObJI6dShkoaq6bigo11Dxcfa6reKG1kKNVbqBKW4H5Ctmb5UZ0X"}"#;
        let created: CreatedOrganizationClient = serde_json::from_str(body).unwrap();
        assert_eq!(created.client.client_id, "m2morg_68315758685323697");
        assert_eq!(created.client.secrets[0].secret_suffix, "UZ0X");
        assert_eq!(created.client.scopes.len(), 2);
        assert_eq!(created.client.expiry, None);
        assert!(created.plain_secret.expose().ends_with("UZ0X"));
        assert!(!format!("{created:?}").contains("test_ly8G"));
    }

    #[test]
    fn reads_pages_with_empty_tokens_and_string_counts() {
        let page: ClientPage = serde_json::from_str(
            r#"{"clients":[{"client_id":"a","expiry":"60","audience":null}],"next_page_token":"","prev_page_token":"","total_size":"1"}"#,
        )
        .unwrap();
        assert_eq!(page.clients[0].expiry, Some(60));
        assert_eq!(page.next_page_token, None);
        assert_eq!(page.total_size, 1);
    }

    #[test]
    fn requests_leave_unset_fields_out() {
        let body = serde_json::to_value(NewOrganizationClient::new("CI").scope("a:b")).unwrap();
        assert_eq!(body, serde_json::json!({"name": "CI", "scopes": ["a:b"]}));
        let body = serde_json::to_value(ClientUpdate::new().expiry(60)).unwrap();
        assert_eq!(body, serde_json::json!({"expiry": 60}));
    }

    #[test]
    fn requests_read_back_what_they_write() {
        let request = NewOrganizationClient::new("CI")
            .description("d")
            .scopes(["a:b"])
            .audience("api")
            .custom_claim("k", "v")
            .expiry(60);
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<NewOrganizationClient>(&json).unwrap(),
            request
        );
        let missing: NewOrganizationClient = serde_json::from_str("{}").unwrap();
        assert_eq!(missing, NewOrganizationClient::default());
        let update = ClientUpdate::new().scopes(Vec::<String>::new()).expiry(5);
        let json = serde_json::to_string(&update).unwrap();
        assert_eq!(serde_json::from_str::<ClientUpdate>(&json).unwrap(), update);
    }

    #[test]
    fn responses_write_what_the_api_sends() {
        let secret = ClientSecret {
            id: "sks_1".into(),
            create_time: Some("2025-04-16T06:56:05.360Z".into()),
            update_time: Some("2025-04-16T06:56:05.360Z".into()),
            secret_suffix: "UZ0X".into(),
            status: "ACTIVE".into(),
            ..ClientSecret::default()
        };
        let client = OrganizationClient {
            client_id: "m2morg_1".into(),
            secrets: vec![secret.clone()],
            expiry: Some(3600),
            ..OrganizationClient::default()
        };
        let created = CreatedOrganizationClient::new(client.clone(), Secret::new("test_xUZ0X"));
        let body = serde_json::to_value(&created).unwrap();
        assert_eq!(body["plain_secret"], "test_xUZ0X");
        assert_eq!(body["client"]["expiry"], 3600);
        assert!(body["client"].get("description").is_none());
        assert!(body["client"]["secrets"][0].get("last_used_time").is_none());
        let added = CreatedClientSecret::new(secret, Secret::new("test_y"));
        let body = serde_json::to_value(&added).unwrap();
        assert_eq!(body["plain_secret"], "test_y");
        assert_eq!(body["secret"]["id"], "sks_1");
        let page = ClientPage {
            clients: vec![client.clone()],
            total_size: 1,
            ..ClientPage::default()
        };
        let body = serde_json::to_value(&page).unwrap();
        assert_eq!(body["next_page_token"], "");
        assert_eq!(body["prev_page_token"], "");
        assert_eq!(serde_json::from_value::<ClientPage>(body).unwrap(), page);
        let wrapped = serde_json::to_value(ClientEnvelope::Wrapped { client }).unwrap();
        assert_eq!(wrapped["client"]["client_id"], "m2morg_1");
    }
    #[test]
    fn reads_scalekits_organizations() {
        let body = r#"{"organizations": [{"id": "org_64444217115541813", "create_time": "2025-03-20T13:55:46.690Z", "update_time": "2025-03-21T05:55:03.416772Z", "display_name": "Looney Corp", "region_code": "US", "external_id": "my_unique_id", "metadata": {}}, {"id": "org_2", "display_name": null, "region_code": "REGION_CODE_UNSPECIFIED", "external_id": "", "metadata": null}], "next_page_token": "", "prev_page_token": "", "total_size": "3"}"#;
        let page: OrganizationPage = serde_json::from_str(body).unwrap();
        assert_eq!(page.total_size, 3);
        assert_eq!(page.next_page_token, None);
        let looney = &page.organizations[0];
        assert_eq!(looney.id, "org_64444217115541813");
        assert_eq!(looney.display_name, "Looney Corp");
        assert_eq!(looney.region_code.as_deref(), Some(region::US));
        assert_eq!(looney.external_id.as_deref(), Some("my_unique_id"));
        assert_eq!(
            looney.update_time.as_deref(),
            Some("2025-03-21T05:55:03.416772Z")
        );
        let bare = &page.organizations[1];
        assert_eq!(
            (
                bare.display_name.as_str(),
                &bare.region_code,
                &bare.external_id
            ),
            ("", &None, &None)
        );
        assert!(bare.metadata.is_empty());
    }

    #[test]
    fn organizations_come_wrapped_or_bare_and_write_as_scalekit_does() {
        let org = Organization {
            id: "org_1".into(),
            create_time: Some("2025-03-20T13:55:46.690Z".into()),
            display_name: "Looney Corp".into(),
            region_code: Some(region::EU.into()),
            ..Organization::default()
        };
        let wrapped = serde_json::to_value(OrganizationEnvelope::Wrapped {
            organization: org.clone(),
        })
        .unwrap();
        assert_eq!(wrapped["organization"]["id"], "org_1");
        assert_eq!(wrapped["organization"]["metadata"], serde_json::json!({}));
        assert!(wrapped["organization"].get("external_id").is_none());
        let read = |value: serde_json::Value| {
            serde_json::from_value::<OrganizationEnvelope>(value)
                .unwrap()
                .into_organization()
        };
        assert_eq!(read(wrapped.clone()), org);
        assert_eq!(read(wrapped["organization"].clone()), org);
        assert_eq!(
            serde_json::to_string(&org).unwrap(),
            r#"{"id":"org_1","create_time":"2025-03-20T13:55:46.690Z","display_name":"Looney Corp","region_code":"EU","metadata":{}}"#,
            "the members in the order Scalekit's management API sends them"
        );
        let page = OrganizationPage {
            organizations: vec![org],
            total_size: 1,
            ..OrganizationPage::default()
        };
        let body = serde_json::to_value(&page).unwrap();
        assert_eq!(body["next_page_token"], "");
        assert_eq!(
            serde_json::from_value::<OrganizationPage>(body).unwrap(),
            page
        );
    }

    #[test]
    fn organization_requests_leave_unset_fields_out_and_read_back() {
        let body = serde_json::to_value(NewOrganization::new("Looney Corp")).unwrap();
        assert_eq!(body, serde_json::json!({"display_name": "Looney Corp"}));
        let request = NewOrganization::new("Looney Corp")
            .external_id("my_unique_id")
            .region_code(region::US)
            .metadata("plan", "enterprise");
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<NewOrganization>(&json).unwrap(),
            request
        );
        let missing: NewOrganization = serde_json::from_str("{}").unwrap();
        assert_eq!(missing, NewOrganization::default());
    }
}
