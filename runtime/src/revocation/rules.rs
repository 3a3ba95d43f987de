//! The revocation rules ([`Revocation`]) and the set a process holds of
//! them ([`RuleSet`]): what is revoked, how long a rule can matter, and
//! whether it covers a token's claims.

use std::collections::HashMap;
use std::time::Duration;

use crate::claims::Claims;
use crate::errors::RevokedBy;

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
/// A rule names an id, not an issuer: with several trusted issuers
/// checked against one store, a rule for `jti`, `client_id` or `sub` X
/// refuses every issuer's tokens that carry X. That errs toward refusing
/// (a `jti` is unique per issuer, RFC 7519 §4.1.7, and chosen by it, not
/// by a client); where the trusted issuers' client or subject ids can
/// coincide, a client or subject rule reaches the tokens of all of them.
///
/// ```
/// use scopegate::Revocation;
///
/// let one = Revocation::token("tkn_123", 1_900_000_000);
/// let all = Revocation::client("m2morg_42", 1_800_000_000);
/// assert_eq!(all.expires_at(24 * 3600), 1_800_000_000 + 24 * 3600 + 300);
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
    },
    /// Every token whose `client_id` is `client_id` and whose `iat` is
    /// before `issued_before` (seconds since the Unix epoch), or that has
    /// no `iat`.
    Client {
        /// The client.
        client_id: String,
        /// Tokens issued at or after this second are not covered.
        issued_before: i64,
    },
    /// Every token whose `sub` is `sub` and whose `iat` is before
    /// `issued_before`, or that has no `iat`.
    Subject {
        /// The subject.
        sub: String,
        /// Tokens issued at or after this second are not covered.
        issued_before: i64,
    },
}

impl Revocation {
    /// Revokes the token with this `jti`, which expires at `exp`.
    pub fn token(jti: impl Into<String>, exp: i64) -> Self {
        Revocation::Token {
            jti: jti.into(),
            exp,
        }
    }

    /// Revokes every token of `client_id` issued before `issued_before`.
    pub fn client(client_id: impl Into<String>, issued_before: i64) -> Self {
        Revocation::Client {
            client_id: client_id.into(),
            issued_before,
        }
    }

    /// Revokes every token of `sub` issued before `issued_before`.
    pub fn subject(sub: impl Into<String>, issued_before: i64) -> Self {
        Revocation::Subject {
            sub: sub.into(),
            issued_before,
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

/// A client or subject rule: tokens issued before `issued_before` are
/// revoked until `expires_at`.
#[derive(Debug, Clone, Copy)]
struct Cutoff {
    issued_before: i64,
    expires_at: i64,
}

/// The rules one process holds, by id.
#[derive(Debug, Default)]
pub(crate) struct RuleSet {
    /// `jti` → when the rule expires.
    tokens: HashMap<String, i64>,
    clients: HashMap<String, Cutoff>,
    subjects: HashMap<String, Cutoff>,
}

impl RuleSet {
    /// Adds `rule`, unless it has already expired at `now`. A later cutoff
    /// for the same client or subject wins; an earlier one changes nothing.
    pub(crate) fn apply(&mut self, rule: &Revocation, max_token_lifetime: i64, now: i64) {
        let expires_at = rule.expires_at(max_token_lifetime);
        if expires_at <= now {
            return;
        }
        let cutoffs = match rule {
            Revocation::Token { jti, .. } => {
                let entry = self.tokens.entry(jti.clone()).or_insert(expires_at);
                *entry = (*entry).max(expires_at);
                return;
            }
            Revocation::Client { .. } => &mut self.clients,
            Revocation::Subject { .. } => &mut self.subjects,
        };
        let issued_before = rule.time();
        let entry = cutoffs.entry(rule.id().to_owned()).or_insert(Cutoff {
            issued_before,
            expires_at,
        });
        if issued_before > entry.issued_before {
            *entry = Cutoff {
                issued_before,
                expires_at,
            };
        }
    }

    /// The rule that revokes a token with these claims, if one does. A
    /// token with no `iat` counts as issued before any cutoff of its client
    /// or subject. Allocates nothing.
    pub(crate) fn covering(&self, claims: &Claims) -> Option<RevokedBy> {
        let covered = |cutoffs: &HashMap<String, Cutoff>, id: Option<&str>| {
            if cutoffs.is_empty() {
                return false;
            }
            id.and_then(|id| cutoffs.get(id))
                .is_some_and(|cutoff| claims.iat().is_none_or(|iat| iat < cutoff.issued_before))
        };
        if !self.tokens.is_empty()
            && claims
                .jti()
                .is_some_and(|jti| self.tokens.contains_key(jti))
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
        self.tokens.retain(|_, expires_at| *expires_at > now);
        self.clients.retain(|_, cutoff| cutoff.expires_at > now);
        self.subjects.retain(|_, cutoff| cutoff.expires_at > now);
    }

    /// How many rules are held.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len() + self.clients.len() + self.subjects.len()
    }
}
