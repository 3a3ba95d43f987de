//! What a handler requires: a tree of scopes joined by `all` and `any`.

use std::fmt;

/// The scopes a caller must hold, as a tree that can be built in a `const`.
///
/// `#[require_scopes]` builds one of these at compile time; it can also be
/// written by hand for [`Authenticator::authorize`](crate::Authenticator::authorize).
///
/// ```
/// use scopegate::policy::Requirement;
///
/// const LIST: Requirement = Requirement::Any(&[
///     Requirement::Scope("read:deployments"),
///     Requirement::Scope("admin:deployments"),
/// ]);
/// assert!(LIST.is_satisfied_by(&["admin:deployments"]));
/// assert!(!LIST.is_satisfied_by(&["read:deployment"]));
/// assert_eq!(LIST.to_string(), "any(read:deployments, admin:deployments)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// One scope, compared exactly (case-sensitive, no prefix, no wildcard).
    Scope(&'static str),
    /// Every branch must be satisfied. `All(&[])` is satisfied by anyone.
    All(&'static [Requirement]),
    /// At least one branch must be satisfied. `Any(&[])` is satisfied by no one.
    Any(&'static [Requirement]),
}

impl Requirement {
    /// Whether a caller holding `granted` satisfies this requirement.
    pub fn is_satisfied_by<S: AsRef<str>>(&self, granted: &[S]) -> bool {
        match self {
            Requirement::Scope(scope) => granted.iter().any(|g| g.as_ref() == *scope),
            Requirement::All(branches) => branches.iter().all(|b| b.is_satisfied_by(granted)),
            Requirement::Any(branches) => branches.iter().any(|b| b.is_satisfied_by(granted)),
        }
    }

    /// A set of scopes that would satisfy this requirement, chosen to add as
    /// few scopes as possible to `granted`. It fills the `scope` attribute of
    /// an `insufficient_scope` challenge (RFC 6750 §3), which is a plain list.
    pub fn scopes_to_request<S: AsRef<str>>(&self, granted: &[S]) -> Vec<&'static str> {
        let mut out = Vec::new();
        self.collect_suggestion(granted, &mut out);
        out
    }

    fn collect_suggestion<S: AsRef<str>>(&self, granted: &[S], out: &mut Vec<&'static str>) {
        match self {
            Requirement::Scope(scope) => {
                if !out.contains(scope) {
                    out.push(scope);
                }
            }
            Requirement::All(branches) => {
                for branch in *branches {
                    branch.collect_suggestion(granted, out);
                }
            }
            Requirement::Any(branches) => {
                // A branch no grant can satisfy (it holds an empty `Any`)
                // asks for nothing and would look cheapest: skip it.
                let best = branches
                    .iter()
                    .filter(|b| b.is_satisfiable())
                    .min_by_key(|branch| {
                        branch
                            .scopes_to_request(granted)
                            .iter()
                            .filter(|s| !granted.iter().any(|g| g.as_ref() == **s))
                            .count()
                    });
                if let Some(best) = best {
                    best.collect_suggestion(granted, out);
                }
            }
        }
    }

    /// Whether some set of scopes satisfies this requirement: false only
    /// when it holds an `Any(&[])` that every way through must pass.
    fn is_satisfiable(&self) -> bool {
        match self {
            Requirement::Scope(_) => true,
            Requirement::All(branches) => branches.iter().all(Requirement::is_satisfiable),
            Requirement::Any(branches) => branches.iter().any(Requirement::is_satisfiable),
        }
    }

    /// Calls `f` on every scope named in the tree, in order.
    pub fn for_each_scope(&self, f: &mut impl FnMut(&'static str)) {
        match self {
            Requirement::Scope(scope) => f(scope),
            Requirement::All(branches) | Requirement::Any(branches) => {
                for branch in *branches {
                    branch.for_each_scope(f);
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, branches) = match self {
            Requirement::Scope(scope) => return f.write_str(scope),
            Requirement::All(branches) => ("all", branches),
            Requirement::Any(branches) => ("any", branches),
        };
        write!(f, "{name}(")?;
        for (i, branch) in branches.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{branch}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::Requirement::{self, *};

    const NESTED: Requirement = All(&[
        Scope("deploy:applications"),
        Any(&[
            Scope("read:deployments"),
            All(&[Scope("admin:x"), Scope("admin:y")]),
        ]),
    ]);

    #[test]
    fn scopes_compare_exactly() {
        let req = Scope("deploy:applications");
        assert!(req.is_satisfied_by(&["deploy:applications"]));
        for near in [
            "deploy:applications2",
            "deploy:*",
            "DEPLOY:APPLICATIONS",
            "deploy:application",
            "",
        ] {
            assert!(!req.is_satisfied_by(&[near]), "{near}");
        }
    }

    #[test]
    fn nested_trees_evaluate() {
        assert!(NESTED.is_satisfied_by(&["deploy:applications", "read:deployments"]));
        assert!(NESTED.is_satisfied_by(&["deploy:applications", "admin:x", "admin:y"]));
        assert!(!NESTED.is_satisfied_by(&["deploy:applications", "admin:x"]));
        assert!(!NESTED.is_satisfied_by(&["read:deployments"]));
        assert!(All(&[]).is_satisfied_by::<&str>(&[]));
        assert!(!Any(&[]).is_satisfied_by(&["x:y"]));
    }

    #[test]
    fn suggestion_picks_the_cheapest_alternative() {
        assert_eq!(
            NESTED.scopes_to_request(&["admin:x"]),
            vec!["deploy:applications", "read:deployments"]
        );
        let req = Any(&[All(&[Scope("a:a"), Scope("b:b")]), Scope("c:c")]);
        assert_eq!(req.scopes_to_request(&["a:a", "b:b"]), vec!["a:a", "b:b"]);
        assert_eq!(req.scopes_to_request::<&str>(&[]), vec!["c:c"]);
    }

    #[test]
    fn suggestion_skips_branches_no_one_can_satisfy() {
        // Found by tests/properties.rs: the empty `Any` asked for nothing,
        // looked cheapest, and the hint named no scope at all.
        let req = Any(&[Any(&[]), Scope("c:c")]);
        assert_eq!(req.scopes_to_request::<&str>(&[]), vec!["c:c"]);
        assert!(req.is_satisfied_by(&["c:c"]));
    }

    #[test]
    fn displays_as_written() {
        assert_eq!(
            NESTED.to_string(),
            "all(deploy:applications, any(read:deployments, all(admin:x, admin:y)))"
        );
    }
}
