//! The scope catalog: the scopes an API defines, with a one-line
//! description each, in one plain-text file (by default `scopes.catalog` at
//! the crate root).
//!
//! # Format
//!
//! ```text
//! # scopes.catalog: the scopes of the deployment API.
//! deploy:applications   Deploy a new version of an application
//! read:deployments      List deployments and their versions
//! ```
//!
//! * one scope per line: the scope, then whitespace, then its description
//!   (the rest of the line, trimmed; it may not be empty);
//! * every scope follows the grammar of [`parse_scope`];
//! * a scope is listed once;
//! * empty lines and lines whose first non-blank character is `#` are
//!   ignored;
//! * the file is UTF-8 and declares at least one scope.
//!
//! [`parse_catalog`] reports every broken line at once, each with its line
//! number, so that one build shows all that is wrong with the file.
//!
//! ```
//! use scopegate_grammar::catalog::parse_catalog;
//!
//! let catalog = parse_catalog("deploy:applications  Deploy an application\n").unwrap();
//! assert_eq!(catalog.description("deploy:applications"), Some("Deploy an application"));
//! assert_eq!(catalog.suggest("deploy:aplications"), Some("deploy:applications"));
//! ```

use std::fmt;

use crate::{ScopeError, parse_scope};

/// The conventional file name of a catalog, looked up at the crate root.
pub const CATALOG_FILE: &str = "scopes.catalog";

/// One declared scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The scope, valid under the grammar.
    pub scope: String,
    /// Its one-line description.
    pub description: String,
    /// The 1-based line it is declared on.
    pub line: usize,
}

/// A parsed, valid catalog: at least one scope, each valid, each once,
/// each described; in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// The declared scopes, in file order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// Whether `scope` is declared.
    pub fn contains(&self, scope: &str) -> bool {
        self.entries.iter().any(|entry| entry.scope == scope)
    }

    /// The description of `scope`, if it is declared.
    pub fn description(&self, scope: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| entry.scope == scope)
            .map(|entry| entry.description.as_str())
    }

    /// The declared scope closest to `scope` (a typo's likely intent), if
    /// one is close enough: at most a third of its length in edits
    /// (insertions, deletions, substitutions, adjacent swaps), and at least
    /// one edit allowed.
    pub fn suggest(&self, scope: &str) -> Option<&str> {
        let limit = (scope.chars().count() / 3).max(1);
        self.entries
            .iter()
            .map(|entry| (edit_distance(scope, &entry.scope), entry.scope.as_str()))
            .filter(|(distance, _)| *distance <= limit)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, scope)| scope)
    }
}

/// What is wrong with one line of a catalog (or with the whole file, for
/// [`CatalogErrorKind::NoScopes`], whose line is 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// The 1-based line, 0 for the whole file.
    pub line: usize,
    /// What is wrong.
    pub kind: CatalogErrorKind,
}

/// The kinds of [`CatalogError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogErrorKind {
    /// The scope breaks the grammar.
    InvalidScope {
        /// The scope as written.
        scope: String,
        /// Why it is not valid.
        error: ScopeError,
    },
    /// The scope has no description after it.
    MissingDescription {
        /// The scope.
        scope: String,
    },
    /// The scope was already declared.
    Duplicate {
        /// The scope.
        scope: String,
        /// The line of its first declaration.
        first: usize,
    },
    /// The file declares no scope at all.
    NoScopes,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        match &self.kind {
            CatalogErrorKind::InvalidScope { scope, error } => {
                write!(f, "invalid scope {scope:?}: {error}")
            }
            CatalogErrorKind::MissingDescription { scope } => write!(
                f,
                "scope {scope:?} has no description; write one after it on the same line, \
                 e.g. `{scope}  What this scope allows`"
            ),
            CatalogErrorKind::Duplicate { scope, first } => write!(
                f,
                "scope {scope:?} is already declared on line {first}; declare each scope once"
            ),
            CatalogErrorKind::NoScopes => write!(
                f,
                "the catalog declares no scope; add one per line, e.g. \
                 `deploy:applications  Deploy an application`"
            ),
        }
    }
}

impl std::error::Error for CatalogError {}

/// Parses a catalog's text; see the [module documentation](self) for the
/// format. Every error of the file is returned, in line order.
pub fn parse_catalog(text: &str) -> Result<Catalog, Vec<CatalogError>> {
    let mut entries: Vec<CatalogEntry> = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (scope, description) = match trimmed.find(char::is_whitespace) {
            Some(at) => (&trimmed[..at], trimmed[at..].trim()),
            None => (trimmed, ""),
        };
        let error = |kind| CatalogError { line, kind };
        if let Err(scope_error) = parse_scope(scope) {
            errors.push(error(CatalogErrorKind::InvalidScope {
                scope: scope.to_owned(),
                error: scope_error,
            }));
            continue;
        }
        if let Some(first) = entries.iter().find(|entry| entry.scope == scope) {
            errors.push(error(CatalogErrorKind::Duplicate {
                scope: scope.to_owned(),
                first: first.line,
            }));
            continue;
        }
        if description.is_empty() {
            errors.push(error(CatalogErrorKind::MissingDescription {
                scope: scope.to_owned(),
            }));
        }
        entries.push(CatalogEntry {
            scope: scope.to_owned(),
            description: description.to_owned(),
            line,
        });
    }
    if entries.is_empty() && errors.is_empty() {
        errors.push(CatalogError {
            line: 0,
            kind: CatalogErrorKind::NoScopes,
        });
    }
    if errors.is_empty() {
        Ok(Catalog { entries })
    } else {
        Err(errors)
    }
}

/// The optimal-string-alignment distance between `a` and `b`: insertions,
/// deletions, substitutions and swaps of two adjacent characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
# the deployment API
deploy:applications   Deploy an application

read:deployments\tList deployments
   # an indented comment
";

    #[test]
    fn parses_entries_in_order_with_their_lines() {
        let catalog = parse_catalog(GOOD).unwrap();
        let scopes: Vec<_> = catalog
            .entries()
            .iter()
            .map(|e| (e.scope.as_str(), e.description.as_str(), e.line))
            .collect();
        assert_eq!(
            scopes,
            [
                ("deploy:applications", "Deploy an application", 2),
                ("read:deployments", "List deployments", 4),
            ]
        );
        assert!(catalog.contains("read:deployments"));
        assert!(!catalog.contains("read:deployment"));
    }

    #[test]
    fn reports_every_broken_line() {
        let text = "deploy:applications ok\nDeploy:x bad\ndeploy:applications again\nread:x\n";
        let errors = parse_catalog(text).unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(matches!(
            errors[1].kind,
            CatalogErrorKind::Duplicate { first: 1, .. }
        ));
        assert!(errors[2].to_string().contains("no description"));
    }

    #[test]
    fn an_empty_catalog_is_an_error() {
        let errors = parse_catalog("# nothing yet\n\n").unwrap_err();
        assert_eq!(errors[0].kind, CatalogErrorKind::NoScopes);
    }

    #[test]
    fn suggests_near_scopes_only() {
        let catalog = parse_catalog(GOOD).unwrap();
        assert_eq!(
            catalog.suggest("deploy:aplications"),
            Some("deploy:applications")
        );
        assert_eq!(
            catalog.suggest("raed:deployments"),
            Some("read:deployments")
        );
        assert_eq!(catalog.suggest("billing:invoices"), None);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
