//! OpenAPI from `#[require_scopes]`, for [utoipa](https://docs.rs/utoipa)
//! (the `utoipa` feature).
//!
//! * **Per operation**: `#[require_scopes]` writes the operation's
//!   `security` into a `#[utoipa::path(...)]` placed *below* it, from the
//!   same requirement, under the scheme named [`SECURITY_SCHEME`]. OpenAPI
//!   security is OR-of-AND (a list of alternatives, each a set of scopes
//!   all needed), so nested `any`/`all` are expanded into that form (see
//!   [`scopegate_grammar::alternatives`]): `"a:b", any("c:d", "e:f")`
//!   becomes `[{oauth2: [a:b, c:d]}, {oauth2: [a:b, e:f]}]`. An expansion
//!   of more than [`MAX_ALTERNATIVES`] alternatives is a compile error.
//! * **The scheme**: [`OAuth2ClientCredentials`] is a [`utoipa::Modify`]
//!   that adds the OAuth 2.0 client-credentials scheme, with the token URL
//!   from configuration and the scopes (with their descriptions) from the
//!   catalog and the route inventory.
//! * **By hand**: [`security_requirements`] expands any [`Requirement`].

use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{
    ClientCredentials, Flow, OAuth2, Scopes, SecurityRequirement, SecurityScheme,
};

use crate::policy::catalog::ScopeCatalog;
use crate::policy::requirement::Requirement;
use scopegate_grammar::alternatives::{Expr, or_of_and};
pub use scopegate_grammar::alternatives::{MAX_ALTERNATIVES, TooManyAlternatives};

/// The name of the security scheme that `#[require_scopes]` refers to and
/// [`OAuth2ClientCredentials`] defines.
pub const SECURITY_SCHEME: &str = "oauth2";

fn expr(requirement: &Requirement) -> Expr<'static> {
    match requirement {
        Requirement::Scope(scope) => Expr::Scope(scope),
        Requirement::All(branches) => Expr::All(branches.iter().map(expr).collect()),
        Requirement::Any(branches) => Expr::Any(branches.iter().map(expr).collect()),
    }
}

/// `requirement` as OpenAPI security requirements under
/// [`SECURITY_SCHEME`]: one per alternative, at most [`MAX_ALTERNATIVES`].
/// The same expansion `#[require_scopes]` writes into `#[utoipa::path]`.
///
/// ```
/// use scopegate_core::policy::Requirement;
/// use scopegate_core::openapi::security_requirements;
///
/// const REQ: Requirement = Requirement::Any(&[
///     Requirement::Scope("read:deployments"),
///     Requirement::Scope("admin:deployments"),
/// ]);
/// assert_eq!(security_requirements(&REQ).unwrap().len(), 2);
/// ```
pub fn security_requirements(
    requirement: &Requirement,
) -> Result<Vec<SecurityRequirement>, TooManyAlternatives> {
    Ok(or_of_and(&expr(requirement), MAX_ALTERNATIVES)?
        .into_iter()
        .map(|scopes| SecurityRequirement::new(SECURITY_SCHEME, scopes))
        .collect())
}

/// A [`utoipa::Modify`] adding the OAuth 2.0 client-credentials security
/// scheme [`SECURITY_SCHEME`] to a document.
///
/// Its scopes are the catalog's, with their descriptions, then every scope
/// the route inventory requires that the catalog does not describe (with
/// an empty description), so that every scope an operation names is
/// defined.
///
/// ```ignore
/// let mut doc = ApiDoc::openapi();
/// OAuth2ClientCredentials::new(token_url)
///     .catalog(&CATALOG)
///     .modify(&mut doc);
/// ```
#[derive(Debug, Clone)]
pub struct OAuth2ClientCredentials {
    token_url: String,
    catalog: Option<ScopeCatalog>,
    description: Option<String>,
    from_inventory: bool,
}

impl OAuth2ClientCredentials {
    /// The scheme, for tokens from `token_url` (the authorization server's
    /// token endpoint).
    pub fn new(token_url: impl Into<String>) -> Self {
        OAuth2ClientCredentials {
            token_url: token_url.into(),
            catalog: None,
            description: None,
            from_inventory: true,
        }
    }

    /// Describes the scopes from `catalog`.
    pub fn catalog(mut self, catalog: &ScopeCatalog) -> Self {
        self.catalog = Some(*catalog);
        self
    }

    /// A description of the scheme.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Whether the scheme also lists the scopes the route inventory
    /// requires (default: yes).
    pub fn scopes_from_inventory(mut self, yes: bool) -> Self {
        self.from_inventory = yes;
        self
    }

    /// The scheme's scopes and their descriptions.
    pub fn scopes(&self) -> Vec<(String, String)> {
        let mut scopes: Vec<(String, String)> = Vec::new();
        if let Some(catalog) = &self.catalog {
            for entry in catalog.scopes() {
                scopes.push((entry.scope.to_owned(), entry.description.to_owned()));
            }
        }
        if self.from_inventory {
            for scope in crate::inventory::required_scopes() {
                if !scopes.iter().any(|(s, _)| s == scope) {
                    scopes.push((scope.to_owned(), String::new()));
                }
            }
        }
        scopes
    }

    /// The security scheme itself.
    pub fn scheme(&self) -> SecurityScheme {
        let flow = Flow::ClientCredentials(ClientCredentials::new(
            self.token_url.clone(),
            Scopes::from_iter(self.scopes()),
        ));
        let oauth2 = match &self.description {
            Some(description) => OAuth2::with_description([flow], description.clone()),
            None => OAuth2::new([flow]),
        };
        SecurityScheme::OAuth2(oauth2)
    }
}

impl utoipa::Modify for OAuth2ClientCredentials {
    fn modify(&self, openapi: &mut OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(SECURITY_SCHEME, self.scheme());
    }
}
