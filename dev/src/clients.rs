//! API clients: validation of the management API's requests, and the
//! in-memory store.
//!
//! What goes on the wire is the model of `scopegate_wire::management`, the
//! one the admin client of `scopegate-client` uses too. The dev issuer reads
//! requests into it and then holds them to stricter rules than the shape
//! alone ([`validate_new`], [`validate_update`]): a name that is not blank,
//! scopes of the `resource:action` grammar and no repeats, no reserved claim
//! names, bounded counts, lengths and lifetimes. A request breaking one is
//! refused with `400 invalid_request` naming the field.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use scopegate_wire::Secret;
use scopegate_wire::management::{
    ClientPage, ClientSecret, ClientUpdate, CreatedClientSecret, CreatedOrganizationClient,
    CustomClaim, NewOrganizationClient, OrganizationClient,
};

use crate::error::{DevError, printable};
use crate::fields::check_text;
use crate::ids::{self, IdSource, SecretHash};
use crate::organizations::OrganizationStore;
use crate::paging::PageWindow;

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

struct SecretRecord {
    id: String,
    hash: SecretHash,
    suffix: String,
    create_time: SystemTime,
    last_used: Option<SystemTime>,
}

impl SecretRecord {
    fn info(&self) -> ClientSecret {
        let mut info = ClientSecret::default();
        info.id = self.id.clone();
        info.create_time = Some(ids::rfc3339(self.create_time));
        info.update_time = Some(ids::rfc3339(self.last_used.unwrap_or(self.create_time)));
        info.secret_suffix = self.suffix.clone();
        info.status = "ACTIVE".into();
        info.last_used_time = self.last_used.map(ids::rfc3339);
        info
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

/// The validated, changeable part of a client: what [`validate_new`] and
/// [`validate_update`] accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    name: String,
    description: Option<String>,
    scopes: Vec<String>,
    audience: Vec<String>,
    custom_claims: Vec<CustomClaim>,
    expiry: u64,
}

impl ClientRecord {
    fn info(&self) -> OrganizationClient {
        let s = &self.settings;
        let mut info = OrganizationClient::default();
        info.client_id = self.client_id.clone();
        info.secrets = self.secrets.iter().map(SecretRecord::info).collect();
        info.name = s.name.clone();
        info.description = s.description.clone();
        info.organization_id = self.org_id.clone();
        info.create_time = Some(ids::rfc3339(self.create_time));
        info.update_time = Some(ids::rfc3339(self.update_time));
        info.scopes = s.scopes.clone();
        info.audience = s.audience.clone();
        info.custom_claims = s.custom_claims.clone();
        info.expiry = Some(s.expiry);
        info
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
/// Registering a client under an organization id the issuer does not know
/// creates that organization (see [`organizations`](crate::organizations)).
/// Listing the clients of an organization that has none (or that does not
/// exist) gives an empty page; reading a client of it gives `404`.
#[derive(Default)]
pub(crate) struct ClientStore {
    /// Organization id to its client ids, oldest first.
    orgs: BTreeMap<String, Vec<String>>,
    clients: HashMap<String, ClientRecord>,
    organizations: OrganizationStore,
}

impl ClientStore {
    pub(crate) fn organizations(&self) -> &OrganizationStore {
        &self.organizations
    }

    pub(crate) fn organizations_mut(&mut self) -> &mut OrganizationStore {
        &mut self.organizations
    }

    pub(crate) fn create(
        &mut self,
        ids: &IdSource,
        org_id: &str,
        new: &NewOrganizationClient,
    ) -> Result<CreatedOrganizationClient, DevError> {
        check_org_id(org_id)?;
        let settings = validate_new(new)?;
        if self.clients.len() >= MAX_CLIENTS {
            return Err(DevError::LimitReached(format!(
                "the dev issuer holds at most {MAX_CLIENTS} clients; delete some first"
            )));
        }
        let now = SystemTime::now();
        let client_id = ids.next("m2morg_");
        let (secret, plain_secret) = new_secret(ids, now)?;
        // The last step that can fail: nothing is changed before it.
        self.organizations.ensure(org_id, now)?;
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
        Ok(CreatedOrganizationClient::new(client, plain_secret))
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
        let window = PageWindow::new(ids.len(), page_size, page_token)?;
        let mut page = ClientPage::default();
        page.clients = ids
            .get(window.range.clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.clients.get(id))
            .map(ClientRecord::info)
            .collect();
        page.next_page_token = window.next_page_token;
        page.prev_page_token = window.prev_page_token;
        page.total_size = window.total_size;
        Ok(page)
    }

    pub(crate) fn get(
        &self,
        org_id: &str,
        client_id: &str,
    ) -> Result<OrganizationClient, DevError> {
        self.record(org_id, client_id).map(ClientRecord::info)
    }

    pub(crate) fn update(
        &mut self,
        org_id: &str,
        client_id: &str,
        update: &ClientUpdate,
    ) -> Result<OrganizationClient, DevError> {
        let record = self.record(org_id, client_id)?;
        let settings = validate_update(&record.settings, update)?;
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
    ) -> Result<CreatedClientSecret, DevError> {
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
        Ok(CreatedClientSecret::new(info, plain_secret))
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
                "client `{}` has no secret `{}`",
                printable(client_id),
                printable(secret_id)
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
                printable(org_id)
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
        printable(org_id),
        printable(client_id)
    ))
}

fn new_secret(ids: &IdSource, now: SystemTime) -> Result<(SecretRecord, Secret), DevError> {
    let plain = ids::new_plain_secret()?;
    let record = SecretRecord {
        id: ids.next("sks_"),
        hash: ids::hash_secret(&plain),
        suffix: ids::secret_suffix(&plain),
        create_time: now,
        last_used: None,
    };
    Ok((record, Secret::new(plain)))
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

/// Checks a registration beyond its shape and returns the settings it
/// gives: every rule of the dev issuer, field by field (the first field at
/// fault is named in the error).
pub(crate) fn validate_new(new: &NewOrganizationClient) -> Result<Settings, DevError> {
    Ok(Settings {
        name: check_name(&new.name)?,
        description: check_description(new.description.as_deref())?,
        scopes: check_scopes(&new.scopes)?,
        audience: check_audience(&new.audience)?,
        custom_claims: check_custom_claims(&new.custom_claims)?,
        expiry: check_expiry(new.expiry)?,
    })
}

/// Checks a change to a client whose settings are `current` with the rules
/// of [`validate_new`], and returns the settings after it. Fields left unset
/// keep their value; an empty or blank `description` clears it.
pub(crate) fn validate_update(
    current: &Settings,
    update: &ClientUpdate,
) -> Result<Settings, DevError> {
    let mut settings = current.clone();
    if let Some(name) = &update.name {
        settings.name = check_name(name)?;
    }
    if let Some(description) = &update.description {
        settings.description = check_description(Some(description))?;
    }
    if let Some(scopes) = &update.scopes {
        settings.scopes = check_scopes(scopes)?;
    }
    if let Some(audience) = &update.audience {
        settings.audience = check_audience(audience)?;
    }
    if let Some(claims) = &update.custom_claims {
        settings.custom_claims = check_custom_claims(claims)?;
    }
    if update.expiry.is_some() {
        settings.expiry = check_expiry(update.expiry)?;
    }
    Ok(settings)
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

fn check_description(description: Option<&str>) -> Result<Option<String>, DevError> {
    let Some(description) = description.filter(|d| !d.trim().is_empty()) else {
        return Ok(None);
    };
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(DevError::invalid_field(
            "description",
            format!("is longer than {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(Some(description.to_owned()))
}

fn check_scopes(scopes: &[String]) -> Result<Vec<String>, DevError> {
    check_count("scopes", scopes.len(), MAX_SCOPES, "scopes")?;
    for (i, scope) in scopes.iter().enumerate() {
        let field = format!("scopes[{i}]");
        scopegate_grammar::parse_scope(scope)
            .map_err(|error| DevError::invalid_field(&field, error))?;
        if let Some(first) = scopes.iter().take(i).position(|s| s == scope) {
            return Err(DevError::invalid_field(
                field,
                format!("repeats scopes[{first}]"),
            ));
        }
    }
    Ok(scopes.to_vec())
}

fn check_audience(audience: &[String]) -> Result<Vec<String>, DevError> {
    check_count("audience", audience.len(), MAX_AUDIENCES, "audiences")?;
    for (i, aud) in audience.iter().enumerate() {
        let field = format!("audience[{i}]");
        if aud.trim().is_empty() || aud.trim() != aud {
            return Err(DevError::invalid_field(
                field,
                "must be a non-empty string without surrounding spaces",
            ));
        }
        check_text(&field, aud, MAX_TEXT)?;
        if let Some(first) = audience.iter().take(i).position(|a| a == aud) {
            return Err(DevError::invalid_field(
                field,
                format!("repeats audience[{first}]"),
            ));
        }
    }
    Ok(audience.to_vec())
}

fn check_custom_claims(claims: &[CustomClaim]) -> Result<Vec<CustomClaim>, DevError> {
    check_count(
        "custom_claims",
        claims.len(),
        MAX_CUSTOM_CLAIMS,
        "custom claims",
    )?;
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
        if let Some(first) = claims.iter().take(i).position(|c| c.key == claim.key) {
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
    Ok(claims.to_vec())
}

/// Refuses a list field with more than `max` entries.
fn check_count(field: &str, count: usize, max: usize, entries: &str) -> Result<(), DevError> {
    if count > max {
        return Err(DevError::invalid_field(
            field,
            format!("at most {max} {entries}"),
        ));
    }
    Ok(())
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

    fn new(name: &str, scopes: &[&str]) -> NewOrganizationClient {
        NewOrganizationClient::new(name).scopes(scopes.iter().copied())
    }

    fn store_with(n: usize) -> (ClientStore, IdSource) {
        let ids = IdSource::new().unwrap();
        let mut store = ClientStore::default();
        for i in 0..n {
            store
                .create(&ids, "org_1", &new(&format!("c{i}"), &["a:b"]))
                .unwrap();
        }
        (store, ids)
    }

    #[test]
    fn registration_is_validated_field_by_field() {
        let bad = |new: NewOrganizationClient| validate_new(&new).unwrap_err();
        assert_eq!(bad(new(" ", &["a:b"])).field(), Some("name"));
        assert_eq!(
            bad(NewOrganizationClient::default()).field(),
            Some("name"),
            "a missing name reads as empty, and is refused as blank"
        );
        assert_eq!(bad(new("x", &["a:b", "nope"])).field(), Some("scopes[1]"));
        assert_eq!(bad(new("x", &["a:b", "a:b"])).field(), Some("scopes[1]"));
        assert_eq!(
            bad(new("x", &["a:b"]).custom_claim("sub", "x")).field(),
            Some("custom_claims[0].key")
        );
        assert_eq!(
            bad(new("x", &["a:b"])
                .custom_claim("k", "x")
                .custom_claim("k", "y"))
            .field(),
            Some("custom_claims[1].key")
        );
        assert_eq!(bad(new("x", &["a:b"]).expiry(0)).field(), Some("expiry"));
        assert_eq!(
            bad(new("x", &[]).expiry(MAX_EXPIRY + 1)).field(),
            Some("expiry")
        );
        assert_eq!(
            bad(new("x", &[]).audience(" api")).field(),
            Some("audience[0]")
        );
        assert_eq!(
            bad(new("x", &[]).description("d".repeat(MAX_DESCRIPTION + 1))).field(),
            Some("description")
        );
        let settings = validate_new(&new(" x ", &["a:b"]).description("  ")).unwrap();
        assert_eq!(
            (
                settings.name.as_str(),
                settings.description,
                settings.expiry
            ),
            ("x", None, DEFAULT_EXPIRY)
        );
        let (mut store, ids) = store_with(0);
        assert_eq!(
            store
                .create(&ids, "org 1", &new("x", &["a:b"]))
                .unwrap_err()
                .field(),
            Some("organization_id")
        );
    }

    #[test]
    fn updates_follow_the_same_rules_and_keep_what_they_leave_out() {
        let current = validate_new(&new("x", &["a:b"]).description("d").expiry(60)).unwrap();
        let changed = validate_update(&current, &ClientUpdate::new().scopes(["c:d"])).unwrap();
        assert_eq!(changed.scopes, ["c:d"]);
        assert_eq!(
            (changed.description.as_deref(), changed.expiry),
            (Some("d"), 60)
        );
        let cleared = validate_update(&current, &ClientUpdate::new().description("")).unwrap();
        assert_eq!(cleared.description, None);
        let error = validate_update(&current, &ClientUpdate::new().scopes(["nope"])).unwrap_err();
        assert_eq!(error.field(), Some("scopes[0]"));
        let error = validate_update(&current, &ClientUpdate::new().name(" ")).unwrap_err();
        assert_eq!(error.field(), Some("name"));
    }

    #[test]
    fn secrets_authenticate_until_removed() {
        let (mut store, ids) = store_with(0);
        let created = store.create(&ids, "org_1", &new("x", &["a:b"])).unwrap();
        let plain = created.plain_secret.expose().to_owned();
        let id = created.client.client_id.clone();
        assert_eq!(created.client.expiry, Some(DEFAULT_EXPIRY));
        assert_eq!(
            created.client.secrets[0].secret_suffix,
            ids::secret_suffix(&plain)
        );
        let hash = ids::hash_secret(&plain);
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
        let second = ids::hash_secret(second.plain_secret.expose());
        store
            .delete_secret("org_1", &id, &created.client.secrets[0].id)
            .unwrap();
        assert!(store.authenticate(&id, &hash).is_none());
        assert!(store.authenticate(&id, &second).is_some());
        assert!(
            store.get("org_2", &id).is_err(),
            "a client is only found in its organization"
        );
        store.delete("org_1", &id).unwrap();
        assert!(store.authenticate(&id, &second).is_none());
        assert_eq!(store.list("org_1", None, None).unwrap().total_size, 0);
    }

    #[test]
    fn pages_link_both_ways() {
        let (store, _) = store_with(5);
        let first = store.list("org_1", Some(2), None).unwrap();
        assert_eq!((first.clients.len(), first.total_size), (2, 5));
        assert_eq!(first.prev_page_token, None);
        let second = store
            .list("org_1", Some(2), first.next_page_token.as_deref())
            .unwrap();
        assert_eq!(second.clients[0].name, "c2");
        let back = store
            .list("org_1", Some(2), second.prev_page_token.as_deref())
            .unwrap();
        assert_eq!(back.clients, first.clients);
        let last = store
            .list("org_1", Some(2), second.next_page_token.as_deref())
            .unwrap();
        assert_eq!((last.clients.len(), last.next_page_token), (1, None));
        assert!(store.list("org_1", None, Some("garbage")).is_err());
        let empty = store.list("org_9", None, None).unwrap();
        assert_eq!((empty.clients.len(), empty.total_size), (0, 0));
    }
}
