//! [`RedisRevocations`] (cargo feature `redis`): revocations shared by
//! every replica of an API through one Redis server.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::{BoxFuture, FutureExt};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use scopegate_wire::clock::unix_now;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use super::mirror::Mirror;
use super::rules::{DEFAULT_MAX_TOKEN_LIFETIME, Revocation, check_issuer};
use super::store::{RevocationError, RevocationStore, check_id};
use super::{RevocationCheck, Verdict};
use crate::claims::Claims;

/// Writes a rule unless a later one is there, and announces it.
const REVOKE_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
";

/// The first wait between reconnection attempts, and the longest.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(2));

/// Settings of a [`RedisRevocations`] before it connects.
///
/// | setting | default |
/// |---|---|
/// | key prefix and channel | `scopegate:revoked` |
/// | longest token lifetime (how long client and subject rules are kept) | 24 h |
/// | serve from the mirror after Redis is lost | 30 s |
/// | `Retry-After` once failing closed | 5 s |
/// | heartbeat (ping) | 1 s |
/// | connect and response timeouts | 2 s |
/// | wait for the first full sync in [`connect`](Self::connect) | 5 s |
#[derive(Clone)]
#[must_use]
pub struct RedisRevocationsBuilder {
    url: String,
    prefix: String,
    max_token_lifetime: Duration,
    grace: Duration,
    retry_after: Duration,
    heartbeat: Duration,
    timeout: Duration,
    ready_timeout: Duration,
}

impl std::fmt::Debug for RedisRevocationsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisRevocationsBuilder")
            .field("prefix", &self.prefix)
            .field("max_token_lifetime", &self.max_token_lifetime)
            .field("grace", &self.grace)
            .field("retry_after", &self.retry_after)
            .field("heartbeat", &self.heartbeat)
            .field("timeout", &self.timeout)
            .field("ready_timeout", &self.ready_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisRevocationsBuilder {
    /// The key prefix, which is also the pub/sub channel. Every replica
    /// and the publisher must use the same one. It may not hold the glob
    /// characters `*?[]\`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The issuer's longest token lifetime (`exp - iat`): how long client
    /// and subject rules are kept. Set it to at least the issuer's, and
    /// alike on every replica and publisher.
    pub fn max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_token_lifetime = lifetime;
        self
    }

    /// How long the mirror keeps serving once Redis is lost, before
    /// checked handlers answer `503`.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The `Retry-After` of a `503` once failing closed.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// How often the connection is pinged, to notice a silent loss.
    pub fn heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The connect and response timeout of every Redis call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long [`connect`](Self::connect) waits for the first full sync.
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// Starts the background task and waits for its first full sync: the
    /// handle answers only once it knows every rule. Fails if Redis cannot
    /// be reached within the ready timeout (the task is stopped).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub async fn connect(self) -> Result<RedisRevocations, RevocationError> {
        if self.prefix.is_empty() || self.prefix.contains(['*', '?', '[', ']', '\\']) {
            return Err(RevocationError::InvalidSetting {
                setting: "prefix",
                limit: "must be non-empty, without `*?[]\\`",
            });
        }
        let client = redis::Client::open(self.url.as_str())
            .map_err(|error| RevocationError::InvalidUrl(Box::new(error)))?;
        let mirror = Arc::new(Mirror::unsynced(
            self.max_token_lifetime,
            self.grace,
            self.retry_after,
        ));
        let (synced_tx, mut synced) = watch::channel(0_u64);
        let follower = Follower {
            mirror: mirror.clone(),
            client: client.clone(),
            prefix: self.prefix.clone(),
            heartbeat: self.heartbeat,
            config: connection_config(self.timeout),
            timeout: self.timeout,
            synced: synced_tx,
        };
        let task = tokio::spawn(follower.run());
        let shared = Arc::new(Shared {
            mirror,
            client,
            prefix: self.prefix,
            config: connection_config(self.timeout),
            writer: Mutex::new(None),
            task,
            synced: synced.clone(),
        });
        let first = tokio::time::timeout(self.ready_timeout, synced.wait_for(|n| *n > 0)).await;
        match first {
            Ok(Ok(_)) => Ok(RedisRevocations { shared }),
            _ => Err(RevocationError::NotSynchronised {
                secs: self.ready_timeout.as_secs(),
            }),
        }
    }
}

fn connection_config(timeout: Duration) -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
}

/// Revocations shared by every replica through Redis: a
/// [`RevocationStore`] that writes to Redis and a [`RevocationCheck`] that
/// reads the local mirror. Cheap to clone; the background task stops when
/// the last clone is dropped.
///
/// # Layout in Redis
///
/// Each rule is one key, `<prefix>:<kind>:<id>` with `kind` one of `jti`,
/// `client`, `sub`, holding the rule's time (the token's `exp`, or the
/// `issued_before` cutoff) in seconds since the Unix epoch, with a TTL
/// ending when no token the rule covers can still be valid
/// ([`Revocation::expires_at`]). A revocation is written and announced on
/// the pub/sub channel `<prefix>` (`<kind> <time> <id>`) by one Lua script,
/// so the two cannot part.
///
/// A rule scoped to an issuer ([`Revocation::issued_by`]) writes its kind
/// as `<kind>@<issuer>`: the key `<prefix>:<kind>@<issuer> <id>` and the
/// message `<kind>@<issuer> <time> <id>`. An issuer holds no whitespace,
/// so the first space ends it, and the id (which may hold spaces, `:` or
/// `@`) is the rest. Keys and messages without `@` after the kind are
/// rules for every issuer, as written before rules could be scoped.
/// (A replica of a release without issuer scoping ignores scoped rules
/// as malformed, with a warning: upgrade every replica before publishing
/// them.)
///
/// # The mirror
///
/// Each handle keeps every rule in a local mirror, which the request path
/// reads (no Redis round trip per request). A background task subscribes
/// to the channel, then reads every rule (`SCAN` + `MGET`): on start and
/// after every reconnection, so that revocations published while a
/// replica was cut off are picked up. Pub/sub brings a revocation to every
/// replica within milliseconds; the 1 s target holds with room to spare.
///
/// The task pings Redis every [`heartbeat`](RedisRevocationsBuilder::heartbeat)
/// (default 1 s). When the connection is lost, or a ping goes unanswered,
/// the mirror keeps serving for [`grace`](RedisRevocationsBuilder::grace)
/// (default 30 s): a revocation made meanwhile may be missed for that
/// long. After that, checked handlers fail closed with `503` and a
/// `Retry-After` of [`retry_after`](RedisRevocationsBuilder::retry_after)
/// (default 5 s), until the task has reconnected and resynced (it retries
/// every 250 ms, backing off to 2 s).
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// // Through the facade: `scopegate::revocation::RedisRevocations`, with its feature `redis`.
/// use scopegate_core::{Authenticator, revocation::{RedisRevocations, RevocationMode}};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let revocations = RedisRevocations::builder("redis://127.0.0.1:6379")
///     .grace(Duration::from_secs(30))
///     .connect()
///     .await?;
/// let auth = Authenticator::builder_from_env()?
///     .revocation(revocations.clone(), RevocationMode::OptIn)
///     .build()?;
/// # let _ = auth; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRevocations {
    shared: Arc<Shared>,
}

struct Shared {
    mirror: Arc<Mirror>,
    client: redis::Client,
    prefix: String,
    config: AsyncConnectionConfig,
    /// The connection writes go through, opened on first use and dropped
    /// after a failure.
    writer: Mutex<Option<MultiplexedConnection>>,
    task: JoinHandle<()>,
    /// Counts the full syncs.
    synced: watch::Receiver<u64>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisRevocations")
            .field("prefix", &self.shared.prefix)
            .field("in_sync", &self.is_in_sync())
            .finish_non_exhaustive()
    }
}

impl RedisRevocations {
    /// Settings for a store at `url` (`redis://[:password@]host:port[/db]`).
    ///
    /// ```
    /// let builder = scopegate_core::revocation::RedisRevocations::builder("redis://:hunter2@127.0.0.1:6379");
    /// assert!(!format!("{builder:?}").contains("hunter2"));
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisRevocationsBuilder {
        RedisRevocationsBuilder {
            url: url.into(),
            prefix: "scopegate:revoked".to_owned(),
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
            grace: Duration::from_secs(30),
            retry_after: Duration::from_secs(5),
            heartbeat: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            ready_timeout: Duration::from_secs(5),
        }
    }

    /// Whether the mirror is in sync with Redis now (`false` from the loss
    /// of the connection until the next full resync).
    pub fn is_in_sync(&self) -> bool {
        self.shared.mirror.is_in_sync()
    }

    /// How many full syncs the mirror has made: 1 after
    /// [`connect`](RedisRevocationsBuilder::connect), one more after every
    /// reconnection.
    pub fn sync_count(&self) -> u64 {
        *self.shared.synced.borrow()
    }

    /// How many rules the local mirror holds.
    pub fn len(&self) -> usize {
        self.shared.mirror.len()
    }

    /// Whether the local mirror holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The write connection: the one kept, or a new one (then kept).
    /// `true` when it is new.
    async fn writer(&self) -> Result<(MultiplexedConnection, bool), redis::RedisError> {
        let mut writer = self.shared.writer.lock().await;
        if let Some(connection) = writer.as_ref() {
            return Ok((connection.clone(), false));
        }
        let connection = self
            .shared
            .client
            .get_multiplexed_async_connection_with_config(&self.shared.config)
            .await?;
        *writer = Some(connection.clone());
        Ok((connection, true))
    }

    /// Runs the revocation script; on a failure over a kept connection
    /// (Redis restarted since, say), once more over a new one.
    async fn write(&self, script: &redis::ScriptInvocation<'_>) -> Result<(), redis::RedisError> {
        loop {
            let (mut connection, fresh) = self.writer().await?;
            match script.invoke_async::<i64>(&mut connection).await {
                Ok(_) => return Ok(()),
                Err(error) => {
                    *self.shared.writer.lock().await = None;
                    if fresh {
                        return Err(error);
                    }
                }
            }
        }
    }

    async fn publish(&self, revocation: Revocation) -> Result<(), RevocationError> {
        check_id(&revocation)?;
        let now = unix_now();
        let mirror = &self.shared.mirror;
        let ttl = revocation
            .expires_at(mirror.max_token_lifetime())
            .saturating_sub(now);
        if ttl <= 0 {
            // No token it covers can still be valid.
            return Ok(());
        }
        let kind = kind_name(&revocation);
        let prefix = &self.shared.prefix;
        let script = redis::Script::new(REVOKE_SCRIPT);
        let mut invocation = script.key(format!("{prefix}:{}", key_suffix(&revocation)));
        invocation
            .arg(revocation.time())
            .arg(ttl)
            .arg(prefix)
            .arg(message(&revocation));
        if let Err(error) = self.write(&invocation).await {
            tracing::warn!(%error, "a revocation could not be written to Redis");
            return Err(RevocationError::Backend(Box::new(error)));
        }
        mirror.apply(&revocation, now);
        tracing::info!(
            kind,
            scoped = revocation.issuer().is_some(),
            "revocation published"
        );
        Ok(())
    }
}

impl RevocationStore for RedisRevocations {
    fn revoke(&self, revocation: Revocation) -> BoxFuture<'_, Result<(), RevocationError>> {
        self.publish(revocation).boxed()
    }
}

impl RevocationCheck for RedisRevocations {
    fn check(&self, claims: &Claims) -> Verdict {
        self.shared.mirror.verdict(claims)
    }
}

fn kind_name(revocation: &Revocation) -> &'static str {
    match revocation {
        Revocation::Token { .. } => "jti",
        Revocation::Client { .. } => "client",
        Revocation::Subject { .. } => "sub",
    }
}

/// The rule's kind, then `@` and its issuer if it is scoped to one: the
/// first word of its message. Kinds hold neither `@` nor `:`, issuers no
/// whitespace.
fn scope(revocation: &Revocation) -> String {
    let kind = kind_name(revocation);
    match revocation.issuer() {
        Some(issuer) => format!("{kind}@{issuer}"),
        None => kind.to_owned(),
    }
}

/// The key of a rule after `<prefix>:`: `<kind>:<id>`, or
/// `<kind>@<issuer> <id>` for a rule scoped to an issuer (which holds `:`
/// but no space).
fn key_suffix(revocation: &Revocation) -> String {
    let id = revocation.id();
    match revocation.issuer() {
        Some(_) => format!("{} {id}", scope(revocation)),
        None => format!("{}:{id}", kind_name(revocation)),
    }
}

/// The pub/sub message announcing a rule: `<kind> <time> <id>`, or
/// `<kind>@<issuer> <time> <id>`.
fn message(revocation: &Revocation) -> String {
    format!(
        "{} {} {}",
        scope(revocation),
        revocation.time(),
        revocation.id()
    )
}

/// A rule from its kind (with `@<issuer>` if scoped), time and id.
fn parse_rule(scope: &str, time: &str, id: &str) -> Option<Revocation> {
    let time: i64 = time.trim().parse().ok()?;
    if id.is_empty() {
        return None;
    }
    let (kind, issuer) = match scope.split_once('@') {
        Some((kind, issuer)) => (kind, Some(issuer)),
        None => (scope, None),
    };
    let rule = match kind {
        "jti" => Revocation::token(id, time),
        "client" => Revocation::client(id, time),
        "sub" => Revocation::subject(id, time),
        _ => return None,
    };
    match issuer {
        None => Some(rule),
        Some(issuer) if check_issuer(issuer).is_ok() => Some(rule.issued_by(issuer)),
        Some(_) => None,
    }
}

/// A pub/sub message: `<kind>[@<issuer>] <time> <id>`.
fn parse_message(text: &str) -> Option<Revocation> {
    let mut parts = text.splitn(3, ' ');
    let (scope, time, id) = (parts.next()?, parts.next()?, parts.next()?);
    parse_rule(scope, time, id)
}

/// A key after `<prefix>:` (`<kind>:<id>` or `<kind>@<issuer> <id>`) and
/// its value, the rule's time.
fn parse_key(suffix: &str, time: &str) -> Option<Revocation> {
    let split = suffix.find([':', '@'])?;
    if suffix[split..].starts_with(':') {
        return parse_rule(&suffix[..split], time, &suffix[split + 1..]);
    }
    let (scope, id) = suffix.split_once(' ')?;
    parse_rule(scope, time, id)
}

/// The background task: follows the channel, resyncs after every
/// (re)connection, marks the mirror out of sync when the connection is
/// lost.
struct Follower {
    mirror: Arc<Mirror>,
    client: redis::Client,
    prefix: String,
    heartbeat: Duration,
    config: AsyncConnectionConfig,
    timeout: Duration,
    /// Counts full syncs.
    synced: watch::Sender<u64>,
}

/// Why a session with Redis ended.
type SessionError = Box<dyn std::error::Error + Send + Sync>;

impl Follower {
    async fn run(self) {
        let mut backoff = BACKOFF.0;
        loop {
            let before = *self.synced.borrow();
            let error = match self.session().await {
                Ok(never) => match never {},
                Err(error) => error,
            };
            self.mirror.mark_out_of_sync();
            if *self.synced.borrow() > before {
                backoff = BACKOFF.0;
                tracing::warn!(%error, "lost the revocation store; serving from the local mirror");
            } else {
                tracing::debug!(%error, "the revocation store is still unreachable");
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF.1);
        }
    }

    /// One connection: subscribe, resync, then apply messages and ping
    /// until something fails.
    async fn session(&self) -> Result<std::convert::Infallible, SessionError> {
        let mut pubsub = tokio::time::timeout(self.timeout, self.client.get_async_pubsub())
            .await
            .map_err(|_| "timed out connecting")??;
        tokio::time::timeout(self.timeout, pubsub.subscribe(&self.prefix))
            .await
            .map_err(|_| "timed out subscribing")??;
        let (mut sink, mut messages) = pubsub.split();
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        let count = self.resync(&mut connection).await?;
        drop(connection);
        self.mirror.mark_in_sync();
        self.synced.send_modify(|n| *n += 1);
        tracing::info!(rules = count, "revocation mirror in sync");
        let mut beat = tokio::time::interval(self.heartbeat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let message = message.ok_or("the subscription was closed")?;
                    let payload = message.get_payload::<String>().ok();
                    match payload.as_deref().and_then(parse_message) {
                        Some(rule) => self.mirror.apply(&rule, unix_now()),
                        None => tracing::warn!("ignored a malformed revocation message"),
                    }
                }
                _ = beat.tick() => {
                    // On a subscribed connection the answer is a
                    // `["pong", ""]` array (RESP2), not a status.
                    tokio::time::timeout(self.timeout, sink.ping::<redis::Value>())
                        .await
                        .map_err(|_| "a ping went unanswered")??;
                    self.mirror.purge(unix_now());
                }
            }
        }
    }

    /// Reads every rule into the mirror; returns how many were read.
    async fn resync(&self, connection: &mut MultiplexedConnection) -> Result<usize, SessionError> {
        let pattern = format!("{}:*", self.prefix);
        let mut cursor = 0_u64;
        let mut rules = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(connection)
                .await?;
            if !keys.is_empty() {
                let values: Vec<Option<String>> = redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(connection)
                    .await?;
                for (key, value) in keys.iter().zip(values) {
                    // A key that expired between SCAN and MGET is `None`.
                    let Some(value) = value else { continue };
                    let rest = key
                        .strip_prefix(self.prefix.as_str())
                        .and_then(|rest| rest.strip_prefix(':'));
                    let rule = rest.and_then(|rest| parse_key(rest, &value));
                    match rule {
                        Some(rule) => rules.push(rule),
                        None => tracing::warn!("ignored a malformed revocation key"),
                    }
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        self.mirror.apply_all(&rules, unix_now());
        Ok(rules.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_keys_read_back_as_rules() {
        assert_eq!(
            parse_message("jti 1900000000 tkn_1"),
            Some(Revocation::token("tkn_1", 1_900_000_000))
        );
        assert_eq!(
            parse_message("client 17 m2m org 1"),
            Some(Revocation::client("m2m org 1", 17))
        );
        assert_eq!(parse_message("sub 5 u"), Some(Revocation::subject("u", 5)));
        for bad in ["", "jti", "jti x tkn", "jti 5 ", "tenant 5 a", "jti 5"] {
            assert_eq!(parse_message(bad), None, "{bad}");
        }
    }

    /// Rules written as `<kind>:<id>` keys and `<kind> <time> <id>`
    /// messages, before rules could name an issuer, read back without one.
    #[test]
    fn rules_in_the_format_without_issuers_read_back_issuerless() {
        let rule = parse_key("client:m2m org:1 @x", "17");
        assert_eq!(rule, Some(Revocation::client("m2m org:1 @x", 17)));
        assert_eq!(rule.and_then(|r| r.issuer().map(str::to_owned)), None);
        assert_eq!(
            parse_key("jti:tkn_1", "1900000000"),
            Some(Revocation::token("tkn_1", 1_900_000_000))
        );
        assert_eq!(
            parse_message("sub 5 a@b c"),
            Some(Revocation::subject("a@b c", 5))
        );
    }

    /// Every rule, with and without an issuer, and with ids holding
    /// spaces, `:` and `@`, reads back from its key and from its message
    /// as the rule written; the issuer-less ones in the older format.
    #[test]
    fn keys_and_messages_round_trip_with_and_without_issuers() {
        let realm = "https://sso.example:8443/realms/a";
        let rules = [
            Revocation::token("tkn_1", 1_900_000_000),
            Revocation::client("backend", 17),
            Revocation::subject("user one", 5),
            Revocation::token("tkn 2:x@y", 1_900_000_000).issued_by(realm),
            Revocation::client("backend", 17).issued_by(realm),
            Revocation::subject("a b:c", 5).issued_by("https://u@idp.example"),
        ];
        for rule in rules {
            let suffix = key_suffix(&rule);
            let time = rule.time().to_string();
            assert_eq!(parse_key(&suffix, &time).as_ref(), Some(&rule), "{suffix}");
            let text = message(&rule);
            assert_eq!(parse_message(&text).as_ref(), Some(&rule), "{text}");
            if rule.issuer().is_none() {
                let kind = kind_name(&rule);
                assert_eq!(suffix, format!("{kind}:{}", rule.id()));
                assert_eq!(text, format!("{kind} {time} {}", rule.id()));
            }
        }
        assert_eq!(
            key_suffix(&Revocation::client("backend", 17).issued_by(realm)),
            "client@https://sso.example:8443/realms/a backend"
        );
        assert_eq!(
            message(&Revocation::client("backend", 17).issued_by(realm)),
            "client@https://sso.example:8443/realms/a 17 backend"
        );
        // An empty issuer, or one of an unknown kind, is not a rule.
        for bad in [
            "client@ 17 backend",
            "tenant@https://a 5 x",
            "@https://a 5 x",
        ] {
            assert_eq!(parse_message(bad), None, "{bad}");
        }
        assert_eq!(parse_key("client@https://a", "5"), None);
        assert_eq!(parse_key("client@ backend", "5"), None);
    }
}
