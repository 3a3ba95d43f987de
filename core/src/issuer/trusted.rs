//! [`TrustedIssuer`]: one issuer entry of a built authenticator, with its
//! settings and its own key cache.

use std::sync::Arc;

use crate::error::KeyFetchError;
use crate::issuer::key_cache::KeyCache;
use crate::issuer::settings::{IssuerSettings, Settings};
use crate::jose::jwk::Algorithm;

/// One issuer an [`Authenticator`](crate::Authenticator) trusts, as built:
/// for introspection, per issuer (metrics, health checks).
///
/// Listed by [`Authenticator::trusted_issuers`](crate::Authenticator::trusted_issuers)
/// in the order configured; [`Claims::issuer_entry`](crate::Claims::issuer_entry)
/// is an index into that list.
pub struct TrustedIssuer {
    pub(crate) settings: IssuerSettings,
    pub(crate) jwks: Arc<KeyCache>,
}

impl std::fmt::Debug for TrustedIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedIssuer")
            .field("label", &self.label())
            .field("audiences", &self.settings.audiences)
            .field("algorithms", &self.settings.algorithms)
            .finish_non_exhaustive()
    }
}

impl TrustedIssuer {
    pub(crate) fn new(
        issuer: IssuerSettings,
        settings: &Settings,
        client: Option<reqwest::Client>,
    ) -> Self {
        let jwks = Arc::new(KeyCache::new(&issuer, settings, client));
        TrustedIssuer {
            settings: issuer,
            jwks,
        }
    }

    /// The issuer as configured: its exact `iss`, or its multi-tenant
    /// template. A bounded set of values (one per entry), never a token's
    /// raw `iss`: fit for a metrics label.
    pub fn label(&self) -> &str {
        &self.settings.label
    }

    /// Whether this entry is a multi-tenant template.
    pub fn is_multi_tenant(&self) -> bool {
        self.settings.pattern.tenant_claim().is_some()
    }

    /// The audiences accepted (empty: `aud` is not checked).
    pub fn audiences(&self) -> &[String] {
        &self.settings.audiences
    }

    /// The signature algorithms accepted.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.settings.algorithms
    }

    /// How many times this issuer's key set has been fetched so far.
    pub fn jwks_fetch_count(&self) -> u64 {
        self.jwks.fetch_count()
    }

    /// Why the last fetch of this issuer's keys failed, if it did and no
    /// fetch succeeded since.
    pub fn last_key_fetch_error(&self) -> Option<KeyFetchError> {
        self.jwks.last_error()
    }
}
