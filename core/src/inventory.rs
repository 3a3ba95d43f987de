//! The route inventory: every handler protected by `#[require_scopes]` and
//! every `require_scopes_guard!`, with its requirement, listed at run time.
//!
//! Each expansion registers a [`ProtectedRoute`] in a linker section
//! (the [`inventory`](https://docs.rs/inventory) crate), so nothing needs
//! registering by hand: [`routes`] sees every protected handler compiled
//! into the running binary, whether or not it is mounted on an `App`.
//!
//! What an entry knows of the route depends on where the attribute stands:
//!
//! * `#[require_scopes]` **above** actix-web's `#[get("/x")]` (or `#[post]`,
//!   ..., `#[route("/x", method = "GET", ...)]`): method(s) and path, as
//!   written in the route attribute;
//! * **below** the route attribute, or on a handler registered with
//!   `web::resource(..).route(..)`: no method and no path (the route
//!   attribute has already been expanded, or there is none); name, module,
//!   file, line and requirement only;
//! * a path is the one written on the handler: the prefix of an enclosing
//!   `web::scope("/admin")` is not part of it;
//! * a guard knows where it is written and its requirement, not the scope
//!   it wraps.

use std::fmt;

use crate::policy::HandlerPolicy;
use crate::policy::requirement::Requirement;

/// A handler or a guard, and what it requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtectedRoute {
    kind: RouteKind,
    name: &'static str,
    module_path: &'static str,
    methods: &'static [&'static str],
    path: Option<&'static str>,
    requirement: Requirement,
    policy: HandlerPolicy,
    file: &'static str,
    line: u32,
}

/// What a [`ProtectedRoute`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteKind {
    /// A handler under `#[require_scopes]`.
    Handler,
    /// A `require_scopes_guard!` wrapping a scope or a resource.
    Guard,
}

::inventory::collect!(ProtectedRoute);

impl ProtectedRoute {
    /// What `#[require_scopes]` registers. Not a public API.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __handler(
        name: &'static str,
        module_path: &'static str,
        methods: &'static [&'static str],
        path: Option<&'static str>,
        requirement: Requirement,
        file: &'static str,
        line: u32,
    ) -> Self {
        ProtectedRoute {
            kind: RouteKind::Handler,
            name,
            module_path,
            methods,
            path,
            requirement,
            policy: HandlerPolicy::NONE,
            file,
            line,
        }
    }

    /// What `require_scopes_guard!` registers. Not a public API.
    #[doc(hidden)]
    pub const fn __guard(
        module_path: &'static str,
        requirement: Requirement,
        file: &'static str,
        line: u32,
    ) -> Self {
        ProtectedRoute {
            kind: RouteKind::Guard,
            name: "",
            module_path,
            methods: &[],
            path: None,
            requirement,
            policy: HandlerPolicy::NONE,
            file,
            line,
        }
    }

    /// The same entry with the handler's or guard's options beyond scopes.
    /// Not a public API.
    #[doc(hidden)]
    pub const fn __with_policy(self, policy: HandlerPolicy) -> Self {
        ProtectedRoute { policy, ..self }
    }

    /// A handler or a guard.
    pub fn kind(&self) -> RouteKind {
        self.kind
    }

    /// The handler function's name (empty for a guard).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module it is written in, as `module_path!()` says.
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// The HTTP methods from the route attribute under `#[require_scopes]`
    /// (uppercase), empty when the macro could not see one.
    pub fn methods(&self) -> &'static [&'static str] {
        self.methods
    }

    /// The path from the route attribute under `#[require_scopes]`, as
    /// written there (without any `web::scope` prefix).
    pub fn path(&self) -> Option<&'static str> {
        self.path
    }

    /// What it requires.
    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }

    /// What it requires beyond scopes: claim requirements, a tenant
    /// binding, the revocation check ([`HandlerPolicy::NONE`] when
    /// nothing).
    pub fn policy(&self) -> &HandlerPolicy {
        &self.policy
    }

    /// The source file of the attribute or the guard.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the attribute or the guard.
    pub fn line(&self) -> u32 {
        self.line
    }
}

impl fmt::Display for ProtectedRoute {
    /// `GET /deployments  deploy_api::deployments  requires read:deployments`,
    /// `guard at src/admin.rs:12  requires admin:users`, with the options
    /// beyond scopes after them:
    /// `requires deploy:applications, claim(gty == "client-credentials"), check_revocation`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RouteKind::Guard => write!(f, "guard at {}:{}", self.file, self.line)?,
            RouteKind::Handler => {
                if !self.methods.is_empty() {
                    write!(f, "{} ", self.methods.join(","))?;
                }
                if let Some(path) = self.path {
                    write!(f, "{path}  ")?;
                }
                write!(f, "{}::{}", self.module_path, self.name)?;
            }
        }
        write!(f, "  requires {}", self.requirement)?;
        if !self.policy.is_empty() {
            write!(f, ", {}", self.policy)?;
        }
        Ok(())
    }
}

/// Every protected handler and guard of the running binary, ordered by
/// source file and line.
///
/// ```
/// for route in scopegate_core::inventory::routes() {
///     println!("{route}");
/// }
/// ```
pub fn routes() -> Vec<&'static ProtectedRoute> {
    let mut routes: Vec<_> = ::inventory::iter::<ProtectedRoute>.into_iter().collect();
    routes.sort_by_key(|route| (route.file, route.line, route.name));
    routes
}

/// Every scope that some handler or guard of the binary requires, once
/// each, sorted.
pub fn required_scopes() -> Vec<&'static str> {
    let mut scopes = Vec::new();
    for route in routes() {
        route.requirement.for_each_scope(&mut |scope| {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        });
    }
    scopes.sort_unstable();
    scopes
}
