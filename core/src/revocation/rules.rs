//! The revocation rules ([`Revocation`]) and the set a process holds of
//! them ([`RuleSet`]): what is revoked, how long a rule can matter, and
//! whether it covers a token's claims.

use std::collections::HashMap;
use std::time::Duration;

use crate::claims::Claims;
use crate::error::RevokedBy;

/// The longest time a rule outlives the last token it can cover: the most
/// leeway an [`Authenticator`](crate::Authenticator) allows on `exp`
/// (5 minutes), so that no authenticator accepts a token its rule no
/// longer covers.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

/// The default longest lifetime of a token (`exp - iat`): 24 hours, the
/// longest Scalekit issues client-credentials tokens for.
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// One revocation (RFC 7009 §2): a token by its `jti`, or every token of
/// a client or subject issued before a time.
///
/// A rule is kept until no token it covers can still be valid (see
/// [`expires_at`](Self::expires_at)), then forgotten: a token rule as long
/// as the token's own `exp`, however far ahead.
///
/// A rule may be scoped to one issuer with [`issued_by`](Self::issued_by):
/// it then covers only tokens whose verified `iss` equals that issuer
/// (a case-sensitive string, as RFC 7519 §4.1.1 compares it), except that
/// trailing `/`s are ignored: a rule for `https://sso.example/realms/a/`
/// also covers the tokens of `https://sso.example/realms/a`, so a stray
/// slash never leaves a rule covering nothing. A multi-tenant template is
/// refused. Ids are unique only per issuer: two Keycloak realms may both
/// have a client `backend`, and a `jti` is unique per issuer (RFC 7519
/// §4.1.7). A rule without an issuer covers the tokens of every trusted
/// issuer that carry its id; with several trusted issuers whose ids can
/// coincide, scope each rule to the issuer it is meant for.
///
/// ```
/// use scopegate::revocation::Revocation;
///
/// let one = Revocation::token("tkn_123", 1_900_000_000);
/// let all = Revocation::client("m2morg_42", 1_800_000_000);
/// assert_eq!(all.expires_at(24 * 3600), 1_800_000_000 + 24 * 3600 + 300);
/// assert_eq!(all.issuer(), None);
///
/// // Only realm A's client `backend`, not realm B's.
/// let realm_a = Revocation::client("backend", 1_800_000_000)
///     .issued_by("https://sso.example/realms/a");
/// assert_eq!(realm_a.issuer(), Some("https://sso.example/realms/a"));
/// # let _ = one;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation {
    /// The token whose `jti` is `jti`; it expires at `exp` (seconds since
    /// the Unix epoch).
    Token {
        /// The token's `jti`.
        jti: String,
        /// The token's `exp`.
        exp: i64,
        /// The issuer whose token it is; `None` for every issuer's.
        issuer: Option<String>,
    },
    /// Every token whose `client_id` is `client_id` and whose `iat` is
    /// before `issued_before` (seconds since the Unix epoch), or that has
    /// no `iat`.
    Client {
        /// The client.
        client_id: String,
        /// Tokens issued at or after this second are not covered.
        issued_before: i64,
        /// The issuer of the tokens covered; `None` for every issuer.
        issuer: Option<String>,
    },
    /// Every token whose `sub` is `sub` and whose `iat` is before
    /// `issued_before`, or that has no `iat`.
    Subject {
        /// The subject.
        sub: String,
        /// Tokens issued at or after this second are not covered.
        issued_before: i64,
        /// The issuer of the tokens covered; `None` for every issuer.
        issuer: Option<String>,
    },
}

impl Revocation {
    /// Revokes the token with this `jti`, which expires at `exp`.
    pub fn token(jti: impl Into<String>, exp: i64) -> Self {
        Revocation::Token {
            jti: jti.into(),
            exp,
            issuer: None,
        }
    }

    /// Revokes every token of `client_id` issued before `issued_before`.
    pub fn client(client_id: impl Into<String>, issued_before: i64) -> Self {
        Revocation::Client {
            client_id: client_id.into(),
            issued_before,
            issuer: None,
        }
    }

    /// Revokes every token of `sub` issued before `issued_before`.
    pub fn subject(sub: impl Into<String>, issued_before: i64) -> Self {
        Revocation::Subject {
            sub: sub.into(),
            issued_before,
            issuer: None,
        }
    }

    /// Scopes the rule to the tokens of one issuer: those whose verified
    /// `iss` equals `issuer`, or differs from it only by trailing `/`s (a
    /// rule errs toward covering). The issuer is a URL (RFC 8414 §2), so
    /// it may not be empty, hold whitespace or be a multi-tenant template
    /// (`{tenantid}`); a store refuses a rule whose issuer is
    /// ([`RevocationError::InvalidIssuer`](crate::revocation::RevocationError::InvalidIssuer)).
    #[must_use]
    pub fn issued_by(mut self, issuer: impl Into<String>) -> Self {
        let scoped = match &mut self {
            Revocation::Token { issuer, .. }
            | Revocation::Client { issuer, .. }
            | Revocation::Subject { issuer, .. } => issuer,
        };
        *scoped = Some(issuer.into());
        self
    }

    /// The issuer the rule is scoped to, or `None` when it covers every
    /// issuer's tokens.
    pub fn issuer(&self) -> Option<&str> {
        match self {
            Revocation::Token { issuer, .. }
            | Revocation::Client { issuer, .. }
            | Revocation::Subject { issuer, .. } => issuer.as_deref(),
        }
    }

    /// The id the rule names: a `jti`, a `client_id` or a `sub`.
    pub fn id(&self) -> &str {
        match self {
            Revocation::Token { jti, .. } => jti,
            Revocation::Client { client_id, .. } => client_id,
            Revocation::Subject { sub, .. } => sub,
        }
    }

    /// Which kind of rule this is.
    pub fn kind(&self) -> RevokedBy {
        match self {
            Revocation::Token { .. } => RevokedBy::Token,
            Revocation::Client { .. } => RevokedBy::Client,
            Revocation::Subject { .. } => RevokedBy::Subject,
        }
    }

    /// The time (seconds since the Unix epoch) from which no token the rule
    /// covers can still be valid, given the issuer's longest token lifetime
    /// in seconds: the token's `exp`, or `issued_before` plus that
    /// lifetime; plus [`EXPIRY_MARGIN`] for the leeway on `exp`.
    pub fn expires_at(&self, max_token_lifetime: i64) -> i64 {
        let margin = EXPIRY_MARGIN.as_secs() as i64;
        let end = match self {
            Revocation::Token { exp, .. } => *exp,
            Revocation::Client { issued_before, .. }
            | Revocation::Subject { issued_before, .. } => {
                issued_before.saturating_add(max_token_lifetime)
            }
        };
        end.saturating_add(margin)
    }

    /// The second the rule applies from (`exp` for a token rule).
    pub(crate) fn time(&self) -> i64 {
        match self {
            Revocation::Token { exp, .. } => *exp,
            Revocation::Client { issued_before, .. }
            | Revocation::Subject { issued_before, .. } => *issued_before,
        }
    }
}

/// Why an issuer cannot scope a revocation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidIssuer {
    /// It is empty.
    #[error("is empty")]
    Empty,
    /// It holds whitespace: no issuer URL does (RFC 8414 §2), and stores
    /// that share rules write it space-delimited.
    #[error("holds whitespace, which no issuer URL does")]
    Whitespace,
    /// It is a multi-tenant template (`{tenantid}`), which is no token's
    /// `iss`: scope the rule to one tenant's issuer, or to none.
    #[error(
        "is a multi-tenant template, which no token's `iss` equals: scope the rule to one tenant's issuer, or leave it unscoped"
    )]
    Template,
}

/// Whether `issuer` can scope a rule: non-empty, without whitespace (no
/// issuer URL holds any, and shared stores write it space-delimited), and
/// not a multi-tenant template (`{` and `}` are in no URL either).
pub(crate) fn check_issuer(issuer: &str) -> Result<(), InvalidIssuer> {
    if issuer.is_empty() {
        Err(InvalidIssuer::Empty)
    } else if issuer.contains(char::is_whitespace) {
        Err(InvalidIssuer::Whitespace)
    } else if issuer.contains(['{', '}']) {
        Err(InvalidIssuer::Template)
    } else {
        Ok(())
    }
}

/// Whether a rule scoped to `rule` covers a token whose `iss` is `iss`:
/// equal, or equal but for trailing `/`s. An issuer identifier is
/// compared exactly when a token is verified (RFC 7519 §4.1.1), but a rule
/// written with a stray trailing `/` must not silently cover nothing;
/// covering a token of the issuer that differs only by it errs toward
/// refusing. Allocates nothing.
fn same_issuer(rule: &str, iss: &str) -> bool {
    rule == iss || rule.trim_end_matches('/') == iss.trim_end_matches('/')
}

/// A client or subject rule: tokens issued before `issued_before` are
/// revoked until `expires_at`.
#[derive(Debug, Clone, Copy)]
struct Cutoff {
    issued_before: i64,
    expires_at: i64,
}

/// What is kept of one rule, and how two rules for the same id and issuer
/// combine.
trait Held: Copy {
    /// The second from which the rule no longer matters.
    fn expires_at(&self) -> i64;
    /// Combines with a rule published for the same id and issuer.
    fn merge(&mut self, other: Self);
}

/// A token rule: when it expires. Two rules for one token: the later
/// expiry.
impl Held for i64 {
    fn expires_at(&self) -> i64 {
        *self
    }

    fn merge(&mut self, other: Self) {
        *self = (*self).max(other);
    }
}

/// A later cutoff for the same client or subject wins; an earlier one
/// changes nothing.
impl Held for Cutoff {
    fn expires_at(&self) -> i64 {
        self.expires_at
    }

    fn merge(&mut self, other: Self) {
        if other.issued_before > self.issued_before {
            *self = other;
        }
    }
}

/// The rules for one id: the one for every issuer, and those scoped to one
/// issuer each (rarely more than a few, so a list).
#[derive(Debug)]
struct Scoped<T> {
    any: Option<T>,
    issuers: Vec<(String, T)>,
}

impl<T: Held> Scoped<T> {
    fn new() -> Self {
        Scoped {
            any: None,
            issuers: Vec::new(),
        }
    }

    fn insert(&mut self, issuer: Option<&str>, rule: T) {
        let slot = match issuer {
            None => &mut self.any,
            Some(issuer) => {
                match self.issuers.iter_mut().find(|(held, _)| held == issuer) {
                    Some((_, held)) => held.merge(rule),
                    None => self.issuers.push((issuer.to_owned(), rule)),
                }
                return;
            }
        };
        match slot {
            Some(held) => held.merge(rule),
            None => *slot = Some(rule),
        }
    }

    /// Whether a rule for every issuer, or for `iss`, passes `test`.
    /// Allocates nothing.
    fn covers(&self, iss: &str, test: impl Fn(&T) -> bool) -> bool {
        self.any.as_ref().is_some_and(&test)
            || self
                .issuers
                .iter()
                .any(|(issuer, rule)| same_issuer(issuer, iss) && test(rule))
    }

    /// Forgets the rules expired at `now`; `false` once none is left.
    fn retain_live(&mut self, now: i64) -> bool {
        self.any = self.any.filter(|rule| rule.expires_at() > now);
        self.issuers.retain(|(_, rule)| rule.expires_at() > now);
        self.any.is_some() || !self.issuers.is_empty()
    }

    fn len(&self) -> usize {
        usize::from(self.any.is_some()) + self.issuers.len()
    }
}

/// Rules by the id they name.
type ById<T> = HashMap<String, Scoped<T>>;

fn insert<T: Held>(rules: &mut ById<T>, rule: &Revocation, held: T) {
    rules
        .entry(rule.id().to_owned())
        .or_insert_with(Scoped::new)
        .insert(rule.issuer(), held);
}

/// The rules one process holds, by id, then by issuer.
#[derive(Debug, Default)]
pub(crate) struct RuleSet {
    /// `jti` → when the rule expires.
    tokens: ById<i64>,
    clients: ById<Cutoff>,
    subjects: ById<Cutoff>,
}

impl RuleSet {
    /// Adds `rule`, unless it has already expired at `now`. A later cutoff
    /// for the same client or subject (and issuer, or lack of one) wins;
    /// an earlier one changes nothing.
    pub(crate) fn apply(&mut self, rule: &Revocation, max_token_lifetime: i64, now: i64) {
        let expires_at = rule.expires_at(max_token_lifetime);
        if expires_at <= now {
            return;
        }
        let cutoff = Cutoff {
            issued_before: rule.time(),
            expires_at,
        };
        match rule {
            Revocation::Token { .. } => insert(&mut self.tokens, rule, expires_at),
            Revocation::Client { .. } => insert(&mut self.clients, rule, cutoff),
            Revocation::Subject { .. } => insert(&mut self.subjects, rule, cutoff),
        }
    }

    /// The rule that revokes a token with these claims, if one does: a
    /// rule for the token's id, for every issuer or for the token's `iss`.
    /// A token with no `iat` counts as issued before any cutoff of its
    /// client or subject. Allocates nothing.
    pub(crate) fn covering(&self, claims: &Claims) -> Option<RevokedBy> {
        let iss = claims.iss();
        let covered = |cutoffs: &ById<Cutoff>, id: Option<&str>| {
            if cutoffs.is_empty() {
                return false;
            }
            id.and_then(|id| cutoffs.get(id)).is_some_and(|scoped| {
                scoped.covers(iss, |cutoff| {
                    claims.iat().is_none_or(|iat| iat < cutoff.issued_before)
                })
            })
        };
        if !self.tokens.is_empty()
            && claims
                .jti()
                .and_then(|jti| self.tokens.get(jti))
                .is_some_and(|scoped| scoped.covers(iss, |_| true))
        {
            return Some(RevokedBy::Token);
        }
        if covered(&self.clients, claims.client_id()) {
            return Some(RevokedBy::Client);
        }
        if covered(&self.subjects, claims.sub()) {
            return Some(RevokedBy::Subject);
        }
        None
    }

    /// Forgets the rules that have expired at `now`.
    pub(crate) fn purge(&mut self, now: i64) {
        self.tokens.retain(|_, scoped| scoped.retain_live(now));
        self.clients.retain(|_, scoped| scoped.retain_live(now));
        self.subjects.retain(|_, scoped| scoped.retain_live(now));
    }

    /// How many rules are held (one per id and issuer, or lack of one).
    pub(crate) fn len(&self) -> usize {
        count(&self.tokens) + count(&self.clients) + count(&self.subjects)
    }
}

/// How many rules a map holds.
fn count<T: Held>(rules: &ById<T>) -> usize {
    rules.values().map(Scoped::len).sum()
}
