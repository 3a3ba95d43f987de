//! Organizations: validation of `POST /api/v1/organizations`, and the
//! in-memory store.
//!
//! An organization comes into existence in one of two ways:
//!
//! * explicitly, through `POST /api/v1/organizations`
//!   ([`NewOrganization`]): it gets a fresh `org_<17 digits>` id;
//! * implicitly, when a client is registered under an organization id the
//!   issuer does not know yet (as the issuer has always allowed): the
//!   organization is created with that id, `display_name` = the id, and no
//!   `external_id`, `region_code` or metadata.
//!
//! Both kinds are listed and read alike. Organizations are never deleted
//! (the management API here has no call for it); they are listed oldest
//! first, so page tokens stay valid while organizations are added.
//!
//! The rules, beyond the shape of the request: `display_name` not blank and
//! at most 200 characters; `external_id` at most 255 characters, without
//! control characters or surrounding spaces, and unique within the issuer
//! (`409 conflict` otherwise); `region_code` `US` or `EU` (absent or empty:
//! none); at most 10 metadata pairs, keys of 3 to 25 characters, values of 1
//! to 256 (the limits of Scalekit's management API). A request breaking
//! one is refused with `400 invalid_request` naming the field.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use scopegate_wire::management::{NewOrganization, Organization, OrganizationPage, region};

use crate::error::{DevError, printable};
use crate::fields::check_text;
use crate::ids::{self, IdSource};
use crate::paging::PageWindow;

/// How many organizations one issuer holds (explicit and implicit alike).
pub const MAX_ORGANIZATIONS: usize = 10_000;
const MAX_DISPLAY_NAME: usize = 200;
const MAX_EXTERNAL_ID: usize = 255;
const MAX_METADATA: usize = 10;
const METADATA_KEY_CHARS: std::ops::RangeInclusive<usize> = 3..=25;
const METADATA_VALUE_CHARS: std::ops::RangeInclusive<usize> = 1..=256;

struct OrganizationRecord {
    id: String,
    settings: OrganizationSettings,
    create_time: SystemTime,
    update_time: SystemTime,
}

impl OrganizationRecord {
    fn info(&self) -> Organization {
        let s = &self.settings;
        let mut info = Organization::default();
        info.id = self.id.clone();
        info.create_time = Some(ids::rfc3339(self.create_time));
        info.update_time = Some(ids::rfc3339(self.update_time));
        info.display_name = s.display_name.clone();
        info.region_code = s.region_code.clone();
        info.external_id = s.external_id.clone();
        info.metadata = s.metadata.clone();
        info
    }
}

/// The validated part of an organization: what [`validate_new`] accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrganizationSettings {
    display_name: String,
    external_id: Option<String>,
    region_code: Option<String>,
    metadata: BTreeMap<String, String>,
}

/// Every organization, in memory, oldest first.
#[derive(Default)]
pub(crate) struct OrganizationStore {
    order: Vec<String>,
    records: HashMap<String, OrganizationRecord>,
    /// `external_id` to organization id.
    external_ids: HashMap<String, String>,
}

impl OrganizationStore {
    /// Creates an organization from a request (`POST /api/v1/organizations`).
    pub(crate) fn create(
        &mut self,
        ids: &IdSource,
        new: &NewOrganization,
    ) -> Result<Organization, DevError> {
        let settings = validate_new(new)?;
        if let Some(external_id) = &settings.external_id
            && let Some(owner) = self.external_ids.get(external_id)
        {
            return Err(DevError::Conflict {
                description: format!(
                    "external_id: `{}` is already the external id of organization `{owner}`",
                    printable(external_id)
                ),
                field: Some("external_id".into()),
            });
        }
        self.check_capacity()?;
        // Ids come from one counter, but an implicit organization may have
        // been given any id: skip one that is taken.
        let id = std::iter::repeat_with(|| ids.next("org_"))
            .take(4)
            .find(|id| !self.records.contains_key(id))
            .ok_or_else(|| DevError::Internal("no free organization id".into()))?;
        Ok(self.insert(id, settings, SystemTime::now()))
    }

    /// Makes sure organization `org_id` exists, creating it implicitly
    /// (named after its id) if not. Called when a client is registered.
    pub(crate) fn ensure(&mut self, org_id: &str, now: SystemTime) -> Result<(), DevError> {
        if self.records.contains_key(org_id) {
            return Ok(());
        }
        self.check_capacity()?;
        let settings = OrganizationSettings {
            display_name: org_id.to_owned(),
            external_id: None,
            region_code: None,
            metadata: BTreeMap::new(),
        };
        self.insert(org_id.to_owned(), settings, now);
        Ok(())
    }

    pub(crate) fn get(&self, org_id: &str) -> Result<Organization, DevError> {
        self.records
            .get(org_id)
            .map(OrganizationRecord::info)
            .ok_or_else(|| DevError::NotFound(format!("no organization `{}`", printable(org_id))))
    }

    pub(crate) fn list(
        &self,
        page_size: Option<usize>,
        page_token: Option<&str>,
    ) -> Result<OrganizationPage, DevError> {
        let window = PageWindow::new(self.order.len(), page_size, page_token)?;
        let mut page = OrganizationPage::default();
        page.organizations = self
            .order
            .get(window.range.clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.records.get(id))
            .map(OrganizationRecord::info)
            .collect();
        page.next_page_token = window.next_page_token;
        page.prev_page_token = window.prev_page_token;
        page.total_size = window.total_size;
        Ok(page)
    }

    fn check_capacity(&self) -> Result<(), DevError> {
        if self.records.len() >= MAX_ORGANIZATIONS {
            return Err(DevError::LimitReached(format!(
                "the dev issuer holds at most {MAX_ORGANIZATIONS} organizations"
            )));
        }
        Ok(())
    }

    fn insert(
        &mut self,
        id: String,
        settings: OrganizationSettings,
        now: SystemTime,
    ) -> Organization {
        if let Some(external_id) = &settings.external_id {
            self.external_ids.insert(external_id.clone(), id.clone());
        }
        let record = OrganizationRecord {
            id: id.clone(),
            settings,
            create_time: now,
            update_time: now,
        };
        let info = record.info();
        self.order.push(id.clone());
        self.records.insert(id, record);
        info
    }
}

/// Checks a creation request beyond its shape and returns the settings it
/// gives (the first field at fault is named in the error).
pub(crate) fn validate_new(new: &NewOrganization) -> Result<OrganizationSettings, DevError> {
    Ok(OrganizationSettings {
        display_name: check_display_name(&new.display_name)?,
        external_id: check_external_id(new.external_id.as_deref())?,
        region_code: check_region_code(new.region_code.as_deref())?,
        metadata: check_metadata(&new.metadata)?,
    })
}

fn check_display_name(name: &str) -> Result<String, DevError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DevError::invalid_field(
            "display_name",
            "is required and may not be blank",
        ));
    }
    check_text("display_name", name, MAX_DISPLAY_NAME)?;
    Ok(name.to_owned())
}

fn check_external_id(external_id: Option<&str>) -> Result<Option<String>, DevError> {
    let Some(external_id) = external_id.filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    if external_id.trim() != external_id {
        return Err(DevError::invalid_field(
            "external_id",
            "may not be blank or start or end with spaces",
        ));
    }
    check_text("external_id", external_id, MAX_EXTERNAL_ID)?;
    Ok(Some(external_id.to_owned()))
}

fn check_region_code(code: Option<&str>) -> Result<Option<String>, DevError> {
    match code {
        None | Some("") => Ok(None),
        Some(code @ (region::US | region::EU)) => Ok(Some(code.to_owned())),
        Some(_) => Err(DevError::invalid_field(
            "region_code",
            "must be `US` or `EU` (or left out)",
        )),
    }
}

fn check_metadata(
    metadata: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, DevError> {
    if metadata.len() > MAX_METADATA {
        return Err(DevError::invalid_field(
            "metadata",
            format!("at most {MAX_METADATA} pairs"),
        ));
    }
    for (key, value) in metadata {
        let field = format!("metadata.{}", printable(key));
        if !METADATA_KEY_CHARS.contains(&key.chars().count()) {
            return Err(DevError::invalid_field(
                field,
                "keys are 3 to 25 characters long",
            ));
        }
        check_text(&field, key, *METADATA_KEY_CHARS.end())?;
        if !METADATA_VALUE_CHARS.contains(&value.chars().count()) {
            return Err(DevError::invalid_field(
                field,
                "values are 1 to 256 characters long",
            ));
        }
        check_text(&field, value, *METADATA_VALUE_CHARS.end())?;
    }
    Ok(metadata.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_is_validated_field_by_field() {
        let bad = |new: NewOrganization| validate_new(&new).unwrap_err();
        assert_eq!(bad(NewOrganization::new(" ")).field(), Some("display_name"));
        assert_eq!(
            bad(NewOrganization::default()).field(),
            Some("display_name"),
            "a missing name reads as empty, and is refused as blank"
        );
        assert_eq!(
            bad(NewOrganization::new("x".repeat(201))).field(),
            Some("display_name")
        );
        assert_eq!(
            bad(NewOrganization::new("x").external_id(" a")).field(),
            Some("external_id")
        );
        assert_eq!(
            bad(NewOrganization::new("x").external_id("a\nb")).field(),
            Some("external_id")
        );
        assert_eq!(
            bad(NewOrganization::new("x").region_code("us")).field(),
            Some("region_code")
        );
        assert_eq!(
            bad(NewOrganization::new("x").metadata("ab", "v")).field(),
            Some("metadata.ab")
        );
        assert_eq!(
            bad(NewOrganization::new("x").metadata("plan", "")).field(),
            Some("metadata.plan")
        );
        let mut many = NewOrganization::new("x");
        for n in 0..=MAX_METADATA {
            many = many.metadata(format!("key{n}"), "v");
        }
        assert_eq!(bad(many).field(), Some("metadata"));
        let settings = validate_new(
            &NewOrganization::new(" Looney Corp ")
                .external_id("")
                .region_code(region::EU)
                .metadata("plan", "enterprise"),
        )
        .unwrap();
        assert_eq!(settings.display_name, "Looney Corp");
        assert_eq!(settings.external_id, None, "empty means none");
        assert_eq!(settings.region_code.as_deref(), Some("EU"));
    }

    #[test]
    fn external_ids_are_unique_and_implicit_organizations_are_listed() {
        let ids = IdSource::new().unwrap();
        let mut store = OrganizationStore::default();
        let first = store
            .create(&ids, &NewOrganization::new("A").external_id("ext-1"))
            .unwrap();
        assert!(first.id.starts_with("org_"));
        let error = store
            .create(&ids, &NewOrganization::new("B").external_id("ext-1"))
            .unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code(), error.field()),
            (409, "conflict", Some("external_id"))
        );
        store.ensure("org_implicit", SystemTime::now()).unwrap();
        store.ensure("org_implicit", SystemTime::now()).unwrap();
        let implicit = store.get("org_implicit").unwrap();
        assert_eq!(implicit.display_name, "org_implicit");
        let page = store.list(None, None).unwrap();
        assert_eq!(page.total_size, 2);
        assert_eq!(page.organizations[0], first, "oldest first");
        assert_eq!(store.get("org_404").unwrap_err().status().as_u16(), 404);
    }
}
