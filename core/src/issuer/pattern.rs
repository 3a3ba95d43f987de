//! Which `iss` values one trusted issuer entry accepts: one exact string,
//! or a multi-tenant template such as Microsoft Entra ID's
//! `https://login.microsoftonline.com/{tenantid}/v2.0`. A leaf module (it
//! reads only the error types).

use crate::error::TenantTemplateError;

/// The longest tenant id read from an `iss` (a GUID is 36 characters).
const MAX_TENANT: usize = 64;

/// The `iss` values of one trusted issuer entry.
#[derive(Debug, Clone)]
pub(crate) enum IssuerPattern {
    /// Exactly this `iss`.
    Exact(String),
    /// `prefix + tenant + suffix`, the tenant one path segment.
    Tenant(TenantIssuer),
}

/// A multi-tenant issuer: its template split around the placeholder, the
/// claim the tenant must equal, and the tenants allowed.
#[derive(Debug, Clone)]
pub(crate) struct TenantIssuer {
    pub(crate) template: String,
    prefix: String,
    suffix: String,
    pub(crate) claim: &'static str,
    /// `None`: any tenant.
    pub(crate) tenants: Option<Vec<String>>,
}

/// How an `iss` compares with a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssuerMatch<'a> {
    /// Not this entry's issuer.
    No,
    /// This entry's issuer; for a template, the tenant it names.
    Yes(Option<&'a str>),
    /// The template's form, with a tenant that is not allowed.
    TenantNotAllowed(&'a str),
}

/// Whether `tenant` can be a tenant segment of an `iss`.
pub(crate) fn is_tenant_id(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= MAX_TENANT
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl TenantIssuer {
    /// Splits `template` around its one `{name}` placeholder, which must be
    /// a whole path segment after the host.
    pub(crate) fn new(
        template: &str,
        claim: Option<&'static str>,
        tenants: Option<Vec<String>>,
    ) -> Result<Self, TenantTemplateError> {
        let open = template
            .find('{')
            .ok_or(TenantTemplateError::NoPlaceholder)?;
        let close = template[open..]
            .find('}')
            .map(|at| open + at)
            .ok_or(TenantTemplateError::SeveralPlaceholders)?;
        let (prefix, name, suffix) = (
            &template[..open],
            &template[open + 1..close],
            &template[close + 1..],
        );
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
            || prefix.contains('}')
            || suffix.contains(['{', '}'])
        {
            return Err(TenantTemplateError::SeveralPlaceholders);
        }
        let after_scheme = prefix.find("://").map_or(0, |at| at + 3);
        let host_ends = prefix[after_scheme..].find('/').map(|at| after_scheme + at);
        if after_scheme == 0
            || host_ends.is_none()
            || !prefix.ends_with('/')
            || !(suffix.is_empty() || suffix.starts_with('/'))
        {
            return Err(TenantTemplateError::NotAPathSegment);
        }
        let claim = claim.ok_or(TenantTemplateError::NoTenantClaim)?;
        match &tenants {
            Some(list) if list.is_empty() => return Err(TenantTemplateError::NoTenants),
            Some(list) => {
                if let Some(bad) = list.iter().find(|t| !is_tenant_id(t)) {
                    return Err(TenantTemplateError::InvalidTenant(bad.clone()));
                }
            }
            None => {}
        }
        Ok(TenantIssuer {
            template: template.to_owned(),
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            claim,
            tenants,
        })
    }

    /// The template with `tenant` in place of the placeholder.
    pub(crate) fn with_tenant(&self, tenant: &str) -> String {
        format!("{}{tenant}{}", self.prefix, self.suffix)
    }
}

impl IssuerPattern {
    /// The exact issuer, or the template as written: the entry's label.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            IssuerPattern::Exact(issuer) => issuer,
            IssuerPattern::Tenant(tenant) => &tenant.template,
        }
    }

    /// How `iss` compares with this pattern.
    pub(crate) fn matches<'a>(&self, iss: &'a str) -> IssuerMatch<'a> {
        match self {
            IssuerPattern::Exact(issuer) if issuer == iss => IssuerMatch::Yes(None),
            IssuerPattern::Exact(_) => IssuerMatch::No,
            IssuerPattern::Tenant(template) => {
                let Some(tenant) = iss
                    .strip_prefix(template.prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(template.suffix.as_str()))
                    .filter(|tenant| is_tenant_id(tenant))
                else {
                    return IssuerMatch::No;
                };
                match &template.tenants {
                    Some(allowed) if !allowed.iter().any(|t| t == tenant) => {
                        IssuerMatch::TenantNotAllowed(tenant)
                    }
                    _ => IssuerMatch::Yes(Some(tenant)),
                }
            }
        }
    }

    /// The tenant claim to compare with the tenant of `iss`, if any.
    pub(crate) fn tenant_claim(&self) -> Option<&'static str> {
        match self {
            IssuerPattern::Exact(_) => None,
            IssuerPattern::Tenant(template) => Some(template.claim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRA: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    #[test]
    fn a_template_matches_one_tenant_segment() {
        let any = IssuerPattern::Tenant(TenantIssuer::new(ENTRA, Some("tid"), None).unwrap());
        let iss = format!("https://login.microsoftonline.com/{TID}/v2.0");
        assert_eq!(any.matches(&iss), IssuerMatch::Yes(Some(TID)));
        for other in [
            "https://login.microsoftonline.com//v2.0",
            "https://login.microsoftonline.com/a/b/v2.0",
            "https://login.microsoftonline.com/a/v2.0/",
            "https://sts.windows.net/a/",
            "https://login.microsoftonline.com/a?/v2.0",
        ] {
            assert_eq!(any.matches(other), IssuerMatch::No, "{other}");
        }
        let listed = IssuerPattern::Tenant(
            TenantIssuer::new(ENTRA, Some("tid"), Some(vec![TID.to_owned()])).unwrap(),
        );
        assert_eq!(listed.matches(&iss), IssuerMatch::Yes(Some(TID)));
        assert_eq!(
            listed.matches("https://login.microsoftonline.com/other/v2.0"),
            IssuerMatch::TenantNotAllowed("other")
        );
    }

    #[test]
    fn broken_templates_are_refused() {
        let new = |t: &str| TenantIssuer::new(t, Some("tid"), None).err();
        assert_eq!(
            new("https://a.example/x"),
            Some(TenantTemplateError::NoPlaceholder)
        );
        assert_eq!(
            new("https://a.example/{a}/{b}"),
            Some(TenantTemplateError::SeveralPlaceholders)
        );
        assert_eq!(
            new("https://a.example/{}"),
            Some(TenantTemplateError::SeveralPlaceholders)
        );
        assert_eq!(
            new("https://{t}.example/"),
            Some(TenantTemplateError::NotAPathSegment)
        );
        assert_eq!(
            new("https://a.example/x{t}"),
            Some(TenantTemplateError::NotAPathSegment)
        );
        assert_eq!(
            TenantIssuer::new(ENTRA, None, None).err(),
            Some(TenantTemplateError::NoTenantClaim)
        );
        assert_eq!(
            TenantIssuer::new(ENTRA, Some("tid"), Some(vec![])).err(),
            Some(TenantTemplateError::NoTenants)
        );
        assert_eq!(
            TenantIssuer::new(ENTRA, Some("tid"), Some(vec!["a/b".into()])).err(),
            Some(TenantTemplateError::InvalidTenant("a/b".into()))
        );
    }
}
