//! The scope catalog, at compile time: where it is, reading and checking it,
//! checking required scopes against it, and telling rustc to rebuild when
//! it changes.
//!
//! Where the catalog is:
//!
//! * `catalog = "path"` in the attribute (or the guard macro): that file,
//!   relative to the source file the attribute is written in, as
//!   `include_str!` resolves paths;
//! * otherwise `scopes.catalog` at the root of the crate being compiled
//!   (`CARGO_MANIFEST_DIR`), if it exists;
//! * otherwise there is no catalog, and every valid scope is accepted.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use scopegate_grammar::catalog::{CATALOG_FILE, Catalog, parse_catalog};

use crate::ctxt::Ctxt;
use syn::LitStr;

use crate::model::{Node, Requirement};

/// A catalog that was found, read and is valid.
pub(crate) struct Loaded {
    /// The absolute path, for `include_bytes!`.
    pub path: PathBuf,
    /// The path as shown in messages.
    pub shown: String,
    pub catalog: Catalog,
}

/// What looking for the catalog gave.
pub(crate) enum Lookup {
    /// No `catalog = ...` and no `scopes.catalog` at the crate root.
    None,
    /// Found and valid.
    Found(Loaded),
    /// Found but broken, or named and missing: the errors are recorded.
    /// The path, if the file exists, still goes into the expansion so that
    /// fixing the file rebuilds the crate.
    Broken(Option<PathBuf>),
}

impl Lookup {
    /// The file to track, if there is one.
    pub(crate) fn tracked_path(&self) -> Option<&Path> {
        match self {
            Lookup::None => None,
            Lookup::Found(loaded) => Some(&loaded.path),
            Lookup::Broken(path) => path.as_deref(),
        }
    }
}

fn manifest_dir() -> Option<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)
}

/// The directory of the source file `span` is in, when rustc knows it.
fn source_dir(span: Span) -> Option<PathBuf> {
    let file = span.unwrap().local_file()?;
    let file = if file.is_relative() {
        // rustc names the files of the crate being compiled relative to
        // the directory it runs in, which cargo sets to the package root.
        std::env::current_dir().ok()?.join(file)
    } else {
        file
    };
    file.parent().map(Path::to_path_buf)
}

/// `path` relative to the crate root when it is inside it, else as it is.
fn shown(path: &Path) -> String {
    manifest_dir()
        .and_then(|root| path.strip_prefix(root).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// Finds, reads and checks the catalog. Every problem with the file is
/// recorded in `cx`, spanned at the `catalog = "..."` literal when there is
/// one, else at the whole attribute.
pub(crate) fn lookup(cx: &Ctxt, explicit: Option<&LitStr>) -> Lookup {
    let (path, span) = match explicit {
        Some(lit) => {
            let relative = PathBuf::from(lit.value());
            let base = source_dir(lit.span())
                .or_else(manifest_dir)
                .unwrap_or_default();
            (base.join(relative), lit.span())
        }
        None => {
            let Some(root) = manifest_dir() else {
                return Lookup::None;
            };
            let path = root.join(CATALOG_FILE);
            if !path.is_file() {
                return Lookup::None;
            }
            (path, Span::call_site())
        }
    };
    let shown = shown(&path);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let why = match error.kind() {
                std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
                _ => error.to_string(),
            };
            cx.error_at(
                span,
                format!(
                    "cannot read the scope catalog `{shown}`: {why}; the path is relative to this \
                     source file (create the file, one `scope  description` per line, or fix the path)"
                ),
            );
            return Lookup::Broken(None);
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        cx.error_at(
            span,
            format!("the scope catalog `{shown}` is not UTF-8 text; save it as UTF-8"),
        );
        return Lookup::Broken(Some(path));
    };
    match parse_catalog(&text) {
        Ok(catalog) => Lookup::Found(Loaded {
            path,
            shown,
            catalog,
        }),
        Err(errors) => {
            for error in errors {
                cx.error_at(span, format!("in the scope catalog `{shown}`, {error}"));
            }
            Lookup::Broken(Some(path))
        }
    }
}

/// Checks that every scope of `requirement` is declared in the catalog;
/// each one that is not gets an error at its literal.
pub(crate) fn check_declared(cx: &Ctxt, loaded: &Loaded, requirement: &Requirement) {
    check_nodes(cx, loaded, &requirement.nodes);
}

fn check_nodes(cx: &Ctxt, loaded: &Loaded, nodes: &[Node]) {
    for node in nodes {
        match node {
            Node::Scope(lit) => {
                let scope = lit.value();
                // A scope that breaks the grammar has its own error already.
                if scopegate_grammar::parse_scope(&scope).is_err()
                    || loaded.catalog.contains(&scope)
                {
                    continue;
                }
                let shown = &loaded.shown;
                let message = match loaded.catalog.suggest(&scope) {
                    Some(near) => format!(
                        "scope `{scope}` is not in the scope catalog `{shown}`: did you mean `{near}`? \
                         (a new scope is declared in the catalog with a description, e.g. `{scope}  What it allows`)"
                    ),
                    None => format!(
                        "scope `{scope}` is not in the scope catalog `{shown}`; require a declared scope, \
                         or declare this one there with a description, e.g. `{scope}  What it allows`"
                    ),
                };
                cx.error_at(lit.span(), message);
            }
            Node::Group { children, .. } => check_nodes(cx, loaded, children),
        }
    }
}

/// `include_bytes!` of the catalog, so that rustc records the file as an
/// input of the crate and cargo rebuilds it when the file changes. In item
/// position.
pub(crate) fn tracking(path: Option<&Path>) -> TokenStream {
    let Some(path) = path.and_then(Path::to_str) else {
        return TokenStream::new();
    };
    quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
    }
}
