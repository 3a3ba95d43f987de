//! A requirement tree as OR-of-AND: the list of alternative scope sets, any
//! one of which satisfies it. This is the shape of an OpenAPI `security`
//! list (each entry a set of scopes that are all needed; the entries are
//! alternatives), so `#[require_scopes]` and the runtime expand their trees
//! with this one function.
//!
//! * a scope is one alternative holding that scope;
//! * `any(a, b, ...)` is the alternatives of `a`, then those of `b`, ...;
//! * `all(a, b, ...)` is every combination of one alternative of each
//!   (their unions);
//! * then repeated scopes within an alternative are dropped, and an
//!   alternative that holds every scope of another one is dropped (it
//!   adds nothing: the smaller one already suffices).
//!
//! The expansion can grow as a product (`all(any(a, b), any(c, d), ...)`),
//! so it is bounded: a tree with more than [`MAX_ALTERNATIVES`] alternatives
//! is an error ([`TooManyAlternatives`]), and so is one whose intermediate
//! products exceed [`MAX_INTERMEDIATE`].
//!
//! ```
//! use scopegate_grammar::alternatives::{Expr, or_of_and, MAX_ALTERNATIVES};
//!
//! // all("deploy:applications", any("read:deployments", all("admin:x", "admin:y")))
//! let tree = Expr::All(vec![
//!     Expr::Scope("deploy:applications"),
//!     Expr::Any(vec![
//!         Expr::Scope("read:deployments"),
//!         Expr::All(vec![Expr::Scope("admin:x"), Expr::Scope("admin:y")]),
//!     ]),
//! ]);
//! assert_eq!(
//!     or_of_and(&tree, MAX_ALTERNATIVES).unwrap(),
//!     vec![
//!         vec!["deploy:applications", "read:deployments"],
//!         vec!["deploy:applications", "admin:x", "admin:y"],
//!     ]
//! );
//! ```

use std::fmt;

/// The most alternatives an expansion may have: past it, an OpenAPI
/// document would list more security requirements than a reader can take
/// in, and the requirement is better split across handlers or simplified.
pub const MAX_ALTERNATIVES: usize = 16;

/// The most alternatives an intermediate product may have before the
/// expansion gives up, whatever the final count would be.
pub const MAX_INTERMEDIATE: usize = 1024;

/// A requirement tree, borrowed from wherever it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr<'a> {
    /// One scope.
    Scope(&'a str),
    /// Every branch.
    All(Vec<Expr<'a>>),
    /// At least one branch.
    Any(Vec<Expr<'a>>),
}

/// The expansion has more alternatives than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyAlternatives {
    /// The bound that was passed.
    pub max: usize,
}

impl fmt::Display for TooManyAlternatives {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the requirement expands to more than {} alternative sets of scopes (OR of AND, as OpenAPI \
             `security` lists them); simplify it, e.g. require a broader scope with any(...) at the top",
            self.max
        )
    }
}

impl std::error::Error for TooManyAlternatives {}

/// The alternatives of `expr` (see the [module documentation](self)), at
/// most `max` of them. `any()` with no branch has no alternative; `all()`
/// with none has one, empty.
pub fn or_of_and<'a>(
    expr: &Expr<'a>,
    max: usize,
) -> Result<Vec<Vec<&'a str>>, TooManyAlternatives> {
    let alternatives = expand(expr, max)?;
    if alternatives.len() > max {
        return Err(TooManyAlternatives { max });
    }
    Ok(alternatives)
}

fn expand<'a>(expr: &Expr<'a>, max: usize) -> Result<Vec<Vec<&'a str>>, TooManyAlternatives> {
    let limit = MAX_INTERMEDIATE.max(max);
    match expr {
        Expr::Scope(scope) => Ok(vec![vec![*scope]]),
        Expr::Any(branches) => {
            let mut out = Vec::new();
            for branch in branches {
                out.extend(expand(branch, max)?);
                if out.len() > limit {
                    return Err(TooManyAlternatives { max });
                }
            }
            Ok(absorb(out))
        }
        Expr::All(branches) => {
            let mut out: Vec<Vec<&'a str>> = vec![Vec::new()];
            for branch in branches {
                let right = expand(branch, max)?;
                if out.len().saturating_mul(right.len()) > limit {
                    return Err(TooManyAlternatives { max });
                }
                let mut product = Vec::with_capacity(out.len() * right.len());
                for left in &out {
                    for extra in &right {
                        let mut set = left.clone();
                        for scope in extra {
                            if !set.contains(scope) {
                                set.push(scope);
                            }
                        }
                        product.push(set);
                    }
                }
                out = absorb(product);
            }
            Ok(out)
        }
    }
}

/// Drops repeated alternatives and those that contain another one.
fn absorb<'a>(sets: Vec<Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    let contains = |big: &Vec<&str>, small: &Vec<&str>| small.iter().all(|s| big.contains(s));
    let mut out: Vec<Vec<&'a str>> = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let redundant = sets.iter().enumerate().any(|(j, other)| {
            j != i
                && contains(set, other)
                // Equal sets: keep the first one.
                && (!contains(other, set) || j < i)
        });
        if !redundant {
            out.push(set.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Expr::*;
    use super::*;

    #[test]
    fn scopes_and_groups_expand() {
        assert_eq!(or_of_and(&Scope("a:a"), 16).unwrap(), vec![vec!["a:a"]]);
        let any = Any(vec![Scope("a:a"), Scope("b:b")]);
        assert_eq!(or_of_and(&any, 16).unwrap(), vec![vec!["a:a"], vec!["b:b"]]);
        let all = All(vec![any.clone(), Any(vec![Scope("c:c"), Scope("d:d")])]);
        assert_eq!(
            or_of_and(&all, 16).unwrap(),
            vec![
                vec!["a:a", "c:c"],
                vec!["a:a", "d:d"],
                vec!["b:b", "c:c"],
                vec!["b:b", "d:d"]
            ]
        );
    }

    #[test]
    fn redundant_alternatives_are_dropped() {
        // all(any(a, b), a) = a
        let tree = All(vec![Any(vec![Scope("a:a"), Scope("b:b")]), Scope("a:a")]);
        assert_eq!(or_of_and(&tree, 16).unwrap(), vec![vec!["a:a"]]);
        let tree = Any(vec![Scope("a:a"), Scope("a:a")]);
        assert_eq!(or_of_and(&tree, 16).unwrap(), vec![vec!["a:a"]]);
        assert_eq!(
            or_of_and(&Any(vec![]), 16).unwrap(),
            Vec::<Vec<&str>>::new()
        );
        assert_eq!(
            or_of_and(&All(vec![]), 16).unwrap(),
            vec![Vec::<&str>::new()]
        );
    }

    #[test]
    fn the_bound_holds() {
        let pair = |n: usize| {
            Any(vec![
                Scope(
                    [
                        "a:a", "b:b", "c:c", "d:d", "e:e", "f:f", "g:g", "h:h", "i:i", "j:j",
                    ][n],
                ),
                Scope(
                    [
                        "k:k", "l:l", "m:m", "n:n", "o:o", "p:p", "q:q", "r:r", "s:s", "t:t",
                    ][n],
                ),
            ])
        };
        // 2^4 = 16 alternatives: allowed; 2^5 = 32: not.
        let sixteen = All((0..4).map(pair).collect());
        assert_eq!(or_of_and(&sixteen, MAX_ALTERNATIVES).unwrap().len(), 16);
        let thirty_two = All((0..5).map(pair).collect());
        assert_eq!(
            or_of_and(&thirty_two, MAX_ALTERNATIVES),
            Err(TooManyAlternatives { max: 16 })
        );
        // 2^10 intermediate products stop early rather than grow.
        let huge = All((0..10).map(pair).collect());
        assert!(or_of_and(&huge, MAX_ALTERNATIVES).is_err());
    }
}
