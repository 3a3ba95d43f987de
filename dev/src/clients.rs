//! API clients: the registration wire format of the seeds, validation, and
//! the in-memory store.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::DevError;
use crate::ids::{self, IdSource, SecretHash};

/// Token lifetime of a client registered without `expiry`, in seconds.
pub const DEFAULT_EXPIRY: u64 = 3600;
/// The longest `expiry` accepted: one year.
pub const MAX_EXPIRY: u64 = 365 * 86_400;
/// How many clients one issuer holds, over all organizations.
pub const MAX_CLIENTS: usize = 10_000;
/// How many secrets one client may hold at once.
pub const MAX_SECRETS: usize = 10;
const MAX_SCOPES: usize = 100;
const MAX_AUDIENCES: usize = 20;
const MAX_CUSTOM_CLAIMS: usize = 50;
const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 2000;
const MAX_TEXT: usize = 500;
const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 100;

/// Claims a custom claim may not replace: the ones the issuer sets.
pub const RESERVED_CLAIMS: [&str; 11] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "oid",
    "scope",
    "scopes",
];

/// A client registration request: the body of
/// `POST /api/v1/organizations/{org_id}/clients` (seed 000).
///
/// ```json
/// {"name": "GitHub Actions Deployment Service",
///  "scopes": ["deploy:applications", "read:deployments"],
///  "audience": ["deployment-api.acmecorp.com"],
///  "custom_claims": [{"key": "github_repository", "value": "acmecorp/inventory-service"}],
///  "expiry": 3600}
/// ```
///
/// Only `name` is required. Each scope must follow the `resource:action`
/// grammar ([`scopegate_grammar::parse_scope`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewClient {
    /// Display name (required, not blank).
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The scopes the client may be granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The `aud` values of the client's tokens.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Extra claims put in every token of the client.
    #[serde(default)]
    pub custom_claims: Vec<CustomClaim>,
    /// Token lifetime in seconds (default [`DEFAULT_EXPIRY`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
}

impl NewClient {
    /// A registration with this name and these scopes, nothing else.
    pub fn new<I, S>(name: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NewClient {
            name: name.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            ..NewClient::default()
        }
    }
}

/// A change to a client: the body of
/// `PATCH /api/v1/organizations/{org_id}/clients/{client_id}`. Fields left
/// out keep their value; an empty `description` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateClient {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description (empty: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New scopes (replace the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// New audience (replaces the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<String>>,
    /// New custom claims (replace the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_claims: Option<Vec<CustomClaim>>,
    /// New token lifetime in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
}

/// A custom claim: a string-valued claim added to every token of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomClaim {
    /// The claim name (not one of [`RESERVED_CLAIMS`]).
    pub key: String,
    /// The claim value.
    pub value: String,
}

/// What a secret looks like from outside: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    /// `sks_<digits>`.
    pub id: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The last four characters of the plain secret.
    pub secret_suffix: String,
    /// `ACTIVE`.
    pub status: String,
    /// When the secret last obtained a token (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_time: Option<String>,
}

/// A registered client, as the management API shows it (seed 002).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// `m2morg_<digits>`.
    pub client_id: String,
    /// The client's secrets (without their values).
    pub secrets: Vec<SecretInfo>,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organization the client belongs to (its tokens' `oid`).
    pub organization_id: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The scopes the client may be granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The `aud` of its tokens.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Extra claims of its tokens.
    #[serde(default)]
    pub custom_claims: Vec<CustomClaim>,
    /// Token lifetime in seconds.
    pub expiry: u64,
}

/// The answer to a registration: the client, and its first secret in plain
/// text, shown this once (seed 002).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedClient {
    /// The registered client.
    pub client: ClientInfo,
    /// The secret; the issuer keeps only its SHA-256.
    pub plain_secret: String,
}

/// The answer to `POST .../clients/{client_id}/secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedSecret {
    /// The new secret's description.
    pub secret: SecretInfo,
    /// The secret, shown this once.
    pub plain_secret: String,
}

/// One page of an organization's clients, shaped like seed 004's
/// organization listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientPage {
    /// The clients of this page, oldest first.
    pub clients: Vec<ClientInfo>,
    /// Token of the next page; empty on the last page.
    pub next_page_token: String,
    /// Token of the previous page; empty on the first page.
    pub prev_page_token: String,
    /// How many clients the organization has.
    pub total_size: usize,
}

struct SecretRecord {
    id: String,
    hash: SecretHash,
    suffix: String,
    create_time: SystemTime,
    last_used: Option<SystemTime>,
}

impl SecretRecord {
    fn info(&self) -> SecretInfo {
        SecretInfo {
            id: self.id.clone(),
            create_time: ids::rfc3339(self.create_time),
            update_time: ids::rfc3339(self.last_used.unwrap_or(self.create_time)),
            secret_suffix: self.suffix.clone(),
            status: "ACTIVE".into(),
            last_used_time: self.last_used.map(ids::rfc3339),
        }
    }
}

struct ClientRecord {
    client_id: String,
    org_id: String,
    settings: Settings,
    secrets: Vec<SecretRecord>,
    create_time: SystemTime,
    update_time: SystemTime,
}

/// The validated, changeable part of a client.
#[derive(Clone)]
struct Settings {
    name: String,
    description: Option<String>,
    scopes: Vec<String>,
    audience: Vec<String>,
    custom_claims: Vec<CustomClaim>,
    expiry: u64,
}

impl ClientRecord {
    fn info(&self) -> ClientInfo {
        let s = &self.settings;
        ClientInfo {
            client_id: self.client_id.clone(),
            secrets: self.secrets.iter().map(SecretRecord::info).collect(),
            name: s.name.clone(),
            description: s.description.clone(),
            organization_id: self.org_id.clone(),
            create_time: ids::rfc3339(self.create_time),
            update_time: ids::rfc3339(self.update_time),
            scopes: s.scopes.clone(),
            audience: s.audience.clone(),
            custom_claims: s.custom_claims.clone(),
            expiry: s.expiry,
        }
    }
}

/// What the token endpoint needs of an authenticated client.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    /// `None` for the management client, which belongs to no organization.
    pub(crate) org_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) custom_claims: Vec<CustomClaim>,
    pub(crate) expiry: u64,
}

/// Every organization and client, in memory.
///
/// An organization is known by its clients: listing one that has none gives
/// an empty page; reading a client of it gives `404`.
#[derive(Default)]
pub(crate) struct ClientStore {
    /// Organization id to its client ids, oldest first.
    orgs: BTreeMap<String, Vec<String>>,
    clients: HashMap<String, ClientRecord>,
}

impl ClientStore {
    pub(crate) fn create(
        &mut self,
        ids: &IdSource,
        org_id: &str,
        new: NewClient,
    ) -> Result<CreatedClient, DevError> {
        check_org_id(org_id)?;
        let settings = Settings {
            name: check_name(&new.name)?,
            description: check_description(new.description)?,
            scopes: check_scopes(new.scopes)?,
            audience: check_audience(new.audience)?,
            custom_claims: check_custom_claims(new.custom_claims)?,
            expiry: check_expiry(new.expiry)?,
        };
        if self.clients.len() >= MAX_CLIENTS {
            return Err(DevError::LimitReached(format!(
                "the dev issuer holds at most {MAX_CLIENTS} clients; delete some first"
            )));
        }
        let now = SystemTime::now();
        let client_id = ids.next("m2morg_");
        let (secret, plain_secret) = new_secret(ids, now)?;
        let record = ClientRecord {
            client_id: client_id.clone(),
            org_id: org_id.to_owned(),
            settings,
            secrets: vec![secret],
            create_time: now,
            update_time: now,
        };
        let client = record.info();
        self.orgs
            .entry(org_id.to_owned())
            .or_default()
            .push(client_id.clone());
        self.clients.insert(client_id, record);
        Ok(CreatedClient {
            client,
            plain_secret,
        })
    }

    pub(crate) fn list(
        &self,
        org_id: &str,
        page_size: Option<usize>,
        page_token: Option<&str>,
    ) -> Result<ClientPage, DevError> {
        // An organization without clients lists as an empty page, as a
        // management API listing a collection does.
        let ids: &[String] = self.orgs.get(org_id).map_or(&[], Vec::as_slice);
        let size = match page_size {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(size) => size.min(MAX_PAGE_SIZE),
        };
        let offset = match page_token {
            None => 0,
            Some(token) => decode_page_token(token)
                .filter(|&offset| offset <= ids.len())
                .ok_or_else(|| {
                    DevError::invalid_field("page_token", "not a page token from this issuer")
                })?,
        };
        let end = offset.saturating_add(size).min(ids.len());
        let clients = ids[offset..end]
            .iter()
            .filter_map(|id| self.clients.get(id))
            .map(ClientRecord::info)
            .collect();
        Ok(ClientPage {
            clients,
            next_page_token: if end < ids.len() {
                encode_page_token(end)
            } else {
                String::new()
            },
            prev_page_token: if offset > 0 {
                encode_page_token(offset.saturating_sub(size))
            } else {
                String::new()
            },
            total_size: ids.len(),
        })
    }

    pub(crate) fn get(&self, org_id: &str, client_id: &str) -> Result<ClientInfo, DevError> {
        self.record(org_id, client_id).map(ClientRecord::info)
    }

    pub(crate) fn update(
        &mut self,
        org_id: &str,
        client_id: &str,
        update: UpdateClient,
    ) -> Result<ClientInfo, DevError> {
        let record = self.record(org_id, client_id)?;
        let mut settings = record.settings.clone();
        if let Some(name) = update.name {
            settings.name = check_name(&name)?;
        }
        if let Some(description) = update.description {
            settings.description = check_description(Some(description))?;
        }
        if let Some(scopes) = update.scopes {
            settings.scopes = check_scopes(scopes)?;
        }
        if let Some(audience) = update.audience {
            settings.audience = check_audience(audience)?;
        }
        if let Some(claims) = update.custom_claims {
            settings.custom_claims = check_custom_claims(claims)?;
        }
        if update.expiry.is_some() {
            settings.expiry = check_expiry(update.expiry)?;
        }
        let record = self.record_mut(org_id, client_id)?;
        record.settings = settings;
        record.update_time = SystemTime::now();
        Ok(record.info())
    }

    pub(crate) fn delete(&mut self, org_id: &str, client_id: &str) -> Result<(), DevError> {
        self.record(org_id, client_id)?;
        self.clients.remove(client_id);
        if let Some(ids) = self.orgs.get_mut(org_id) {
            ids.retain(|id| id != client_id);
        }
        Ok(())
    }

    pub(crate) fn add_secret(
        &mut self,
        ids: &IdSource,
        org_id: &str,
        client_id: &str,
    ) -> Result<CreatedSecret, DevError> {
        let record = self.record_mut(org_id, client_id)?;
        if record.secrets.len() >= MAX_SECRETS {
            return Err(DevError::LimitReached(format!(
                "a client holds at most {MAX_SECRETS} secrets; delete one first"
            )));
        }
        let now = SystemTime::now();
        let (secret, plain_secret) = new_secret(ids, now)?;
        let info = secret.info();
        record.secrets.push(secret);
        record.update_time = now;
        Ok(CreatedSecret {
            secret: info,
            plain_secret,
        })
    }

    pub(crate) fn delete_secret(
        &mut self,
        org_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), DevError> {
        let record = self.record_mut(org_id, client_id)?;
        let before = record.secrets.len();
        record.secrets.retain(|s| s.id != secret_id);
        if record.secrets.len() == before {
            return Err(DevError::NotFound(format!(
                "client `{client_id}` has no secret `{}`",
                shorten(secret_id)
            )));
        }
        record.update_time = SystemTime::now();
        Ok(())
    }

    /// Checks `secret` against every secret of `client_id` (hashes compared
    /// in constant time) and returns what a token for it needs.
    pub(crate) fn authenticate(&mut self, client_id: &str, secret: &SecretHash) -> Option<Grant> {
        let record = self.clients.get_mut(client_id)?;
        // Compare against every secret, not just until the first match.
        let mut matched = None;
        for (index, candidate) in record.secrets.iter().enumerate() {
            if ids::same_secret(&candidate.hash, secret) {
                matched = Some(index);
            }
        }
        let secret = record.secrets.get_mut(matched?)?;
        secret.last_used = Some(SystemTime::now());
        let s = &record.settings;
        Some(Grant {
            client_id: record.client_id.clone(),
            org_id: Some(record.org_id.clone()),
            scopes: s.scopes.clone(),
            audience: s.audience.clone(),
            custom_claims: s.custom_claims.clone(),
            expiry: s.expiry,
        })
    }

    fn org(&self, org_id: &str) -> Result<&Vec<String>, DevError> {
        self.orgs.get(org_id).ok_or_else(|| {
            DevError::NotFound(format!(
                "organization `{}` has no clients registered",
                shorten(org_id)
            ))
        })
    }

    fn record(&self, org_id: &str, client_id: &str) -> Result<&ClientRecord, DevError> {
        self.org(org_id)?;
        self.clients
            .get(client_id)
            .filter(|r| r.org_id == org_id)
            .ok_or_else(|| client_not_found(org_id, client_id))
    }

    fn record_mut(&mut self, org_id: &str, client_id: &str) -> Result<&mut ClientRecord, DevError> {
        self.org(org_id)?;
        self.clients
            .get_mut(client_id)
            .filter(|r| r.org_id == org_id)
            .ok_or_else(|| client_not_found(org_id, client_id))
    }
}

fn client_not_found(org_id: &str, client_id: &str) -> DevError {
    DevError::NotFound(format!(
        "organization `{}` has no client `{}`",
        shorten(org_id),
        shorten(client_id)
    ))
}

/// Keeps a caller-chosen identifier short and printable in a message.
fn shorten(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if text.chars().count() > 64 {
        out.push_str("...");
    }
    out
}

fn new_secret(ids: &IdSource, now: SystemTime) -> Result<(SecretRecord, String), DevError> {
    let plain = ids::new_plain_secret()?;
    let record = SecretRecord {
        id: ids.next("sks_"),
        hash: ids::hash_secret(&plain),
        suffix: ids::secret_suffix(&plain),
        create_time: now,
        last_used: None,
    };
    Ok((record, plain))
}

fn encode_page_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// Organization ids: 1 to 100 ASCII letters, digits, `_` or `-`
/// (`org_59615193906282635`).
pub(crate) fn check_org_id(org_id: &str) -> Result<(), DevError> {
    let ok = !org_id.is_empty()
        && org_id.len() <= 100
        && org_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(DevError::invalid_field(
            "organization_id",
            "must be 1 to 100 ASCII letters, digits, `_` or `-` (like `org_59615193906282635`)",
        ))
    }
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), DevError> {
    if text.chars().count() > max {
        return Err(DevError::invalid_field(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DevError::invalid_field(
            field,
            "contains control characters",
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<String, DevError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DevError::invalid_field(
            "name",
            "is required and may not be blank",
        ));
    }
    check_text("name", name, MAX_NAME)?;
    Ok(name.to_owned())
}

fn check_description(description: Option<String>) -> Result<Option<String>, DevError> {
    let Some(description) = description.filter(|d| !d.trim().is_empty()) else {
        return Ok(None);
    };
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(DevError::invalid_field(
            "description",
            format!("is longer than {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(Some(description))
}

fn check_scopes(scopes: Vec<String>) -> Result<Vec<String>, DevError> {
    if scopes.len() > MAX_SCOPES {
        return Err(DevError::invalid_field(
            "scopes",
            format!("at most {MAX_SCOPES} scopes"),
        ));
    }
    for (i, scope) in scopes.iter().enumerate() {
        let field = format!("scopes[{i}]");
        scopegate_grammar::parse_scope(scope)
            .map_err(|error| DevError::invalid_field(&field, error))?;
        if let Some(first) = scopes[..i].iter().position(|s| s == scope) {
            return Err(DevError::invalid_field(
                field,
                format!("repeats scopes[{first}]"),
            ));
        }
    }
    Ok(scopes)
}

fn check_audience(audience: Vec<String>) -> Result<Vec<String>, DevError> {
    if audience.len() > MAX_AUDIENCES {
        return Err(DevError::invalid_field(
            "audience",
            format!("at most {MAX_AUDIENCES} audiences"),
        ));
    }
    for (i, aud) in audience.iter().enumerate() {
        let field = format!("audience[{i}]");
        if aud.trim().is_empty() || aud.trim() != aud {
            return Err(DevError::invalid_field(
                field,
                "must be a non-empty string without surrounding spaces",
            ));
        }
        check_text(&field, aud, MAX_TEXT)?;
        if let Some(first) = audience[..i].iter().position(|a| a == aud) {
            return Err(DevError::invalid_field(
                field,
                format!("repeats audience[{first}]"),
            ));
        }
    }
    Ok(audience)
}

fn check_custom_claims(claims: Vec<CustomClaim>) -> Result<Vec<CustomClaim>, DevError> {
    if claims.len() > MAX_CUSTOM_CLAIMS {
        return Err(DevError::invalid_field(
            "custom_claims",
            format!("at most {MAX_CUSTOM_CLAIMS} custom claims"),
        ));
    }
    for (i, claim) in claims.iter().enumerate() {
        let field = format!("custom_claims[{i}].key");
        if claim.key.is_empty() {
            return Err(DevError::invalid_field(field, "may not be empty"));
        }
        check_text(&field, &claim.key, 100)?;
        if RESERVED_CLAIMS.contains(&claim.key.as_str()) {
            return Err(DevError::invalid_field(
                field,
                format!(
                    "`{}` is set by the issuer and cannot be a custom claim",
                    claim.key
                ),
            ));
        }
        if let Some(first) = claims[..i].iter().position(|c| c.key == claim.key) {
            return Err(DevError::invalid_field(
                field,
                format!("repeats custom_claims[{first}].key"),
            ));
        }
        check_text(
            &format!("custom_claims[{i}].value"),
            &claim.value,
            MAX_DESCRIPTION,
        )?;
    }
    Ok(claims)
}

fn check_expiry(expiry: Option<u64>) -> Result<u64, DevError> {
    match expiry {
        None => Ok(DEFAULT_EXPIRY),
        Some(seconds) if (1..=MAX_EXPIRY).contains(&seconds) => Ok(seconds),
        Some(_) => Err(DevError::invalid_field(
            "expiry",
            format!("must be between 1 and {MAX_EXPIRY} seconds"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(n: usize) -> (ClientStore, IdSource) {
        let ids = IdSource::new().unwrap();
        let mut store = ClientStore::default();
        for i in 0..n {
            store
                .create(&ids, "org_1", NewClient::new(format!("c{i}"), ["a:b"]))
                .unwrap();
        }
        (store, ids)
    }

    #[test]
    fn registration_is_validated_field_by_field() {
        let (mut store, ids) = store_with(0);
        let bad = |new: NewClient| store_with(0).0.create(&ids, "org_1", new).unwrap_err();
        assert_eq!(bad(NewClient::new(" ", ["a:b"])).field(), Some("name"));
        assert_eq!(
            bad(NewClient::new("x", ["a:b", "nope"])).field(),
            Some("scopes[1]")
        );
        assert_eq!(
            bad(NewClient::new("x", ["a:b", "a:b"])).field(),
            Some("scopes[1]")
        );
        let claims = vec![CustomClaim {
            key: "sub".into(),
            value: "x".into(),
        }];
        let new = NewClient {
            custom_claims: claims,
            ..NewClient::new("x", ["a:b"])
        };
        assert_eq!(bad(new).field(), Some("custom_claims[0].key"));
        let new = NewClient {
            expiry: Some(0),
            ..NewClient::new("x", ["a:b"])
        };
        assert_eq!(bad(new).field(), Some("expiry"));
        assert_eq!(
            store
                .create(&ids, "org 1", NewClient::new("x", ["a:b"]))
                .unwrap_err()
                .field(),
            Some("organization_id")
        );
    }

    #[test]
    fn secrets_authenticate_until_removed() {
        let (mut store, ids) = store_with(0);
        let created = store
            .create(&ids, "org_1", NewClient::new("x", ["a:b"]))
            .unwrap();
        let id = created.client.client_id.clone();
        assert_eq!(created.client.expiry, DEFAULT_EXPIRY);
        assert_eq!(
            created.client.secrets[0].secret_suffix,
            ids::secret_suffix(&created.plain_secret)
        );
        let hash = ids::hash_secret(&created.plain_secret);
        let grant = store.authenticate(&id, &hash).unwrap();
        assert_eq!(grant.org_id.as_deref(), Some("org_1"));
        assert!(
            store.get("org_1", &id).unwrap().secrets[0]
                .last_used_time
                .is_some()
        );
        assert!(
            store
                .authenticate(&id, &ids::hash_secret("test_wrong"))
                .is_none()
        );
        let second = store.add_secret(&ids, "org_1", &id).unwrap();
        store
            .delete_secret("org_1", &id, &created.client.secrets[0].id)
            .unwrap();
        assert!(store.authenticate(&id, &hash).is_none());
        assert!(
            store
                .authenticate(&id, &ids::hash_secret(&second.plain_secret))
                .is_some()
        );
        assert!(
            store.get("org_2", &id).is_err(),
            "a client is only found in its organization"
        );
        store.delete("org_1", &id).unwrap();
        assert!(
            store
                .authenticate(&id, &ids::hash_secret(&second.plain_secret))
                .is_none()
        );
        assert_eq!(store.list("org_1", None, None).unwrap().total_size, 0);
    }

    #[test]
    fn pages_link_both_ways() {
        let (store, _) = store_with(5);
        let first = store.list("org_1", Some(2), None).unwrap();
        assert_eq!((first.clients.len(), first.total_size), (2, 5));
        assert_eq!(first.prev_page_token, "");
        let second = store
            .list("org_1", Some(2), Some(&first.next_page_token))
            .unwrap();
        assert_eq!(second.clients[0].name, "c2");
        let back = store
            .list("org_1", Some(2), Some(&second.prev_page_token))
            .unwrap();
        assert_eq!(back.clients, first.clients);
        let last = store
            .list("org_1", Some(2), Some(&second.next_page_token))
            .unwrap();
        assert_eq!((last.clients.len(), last.next_page_token.as_str()), (1, ""));
        assert!(store.list("org_1", None, Some("garbage")).is_err());
        let empty = store.list("org_9", None, None).unwrap();
        assert_eq!((empty.clients.len(), empty.total_size), (0, 0));
    }
}
