//! [`ScopeCatalog`]: the scopes an API declares, with their descriptions,
//! as `scope_catalog!()` reads them from the catalog file at compile time.

/// One declared scope and its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CatalogScope {
    /// The scope, valid under the grammar.
    pub scope: &'static str,
    /// Its one-line description.
    pub description: &'static str,
}

/// The scope catalog of a crate, built at compile time by
/// `scopegate::scope_catalog!()` from the same file `#[require_scopes]`
/// checks against (so it is always valid and up to date).
///
/// ```
/// use scopegate_core::policy::{CatalogScope, ScopeCatalog};
///
/// // What `scope_catalog!()` expands to, written by hand.
/// const CATALOG: ScopeCatalog = ScopeCatalog::__new(&[CatalogScope {
///     scope: "deploy:applications",
///     description: "Deploy an application",
/// }]);
/// assert_eq!(CATALOG.description("deploy:applications"), Some("Deploy an application"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeCatalog {
    scopes: &'static [CatalogScope],
}

impl ScopeCatalog {
    /// What `scope_catalog!()` expands to. Not a public API: the macro
    /// checks the scopes; this does not.
    #[doc(hidden)]
    pub const fn __new(scopes: &'static [CatalogScope]) -> Self {
        ScopeCatalog { scopes }
    }

    /// The declared scopes, in the order of the file.
    pub fn scopes(&self) -> &'static [CatalogScope] {
        self.scopes
    }

    /// Whether `scope` is declared.
    pub fn contains(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.scope == scope)
    }

    /// The description of `scope`, if it is declared.
    pub fn description(&self, scope: &str) -> Option<&'static str> {
        self.scopes
            .iter()
            .find(|s| s.scope == scope)
            .map(|s| s.description)
    }
}
