//! Everything the issuer holds, shared by the HTTP handlers and the
//! in-process API. All of it lives in memory (see the module docs for what a
//! restart loses).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::clients::{ClientStore, Grant};
use crate::error::DevError;
use crate::ids::{self, IdSource, SecretHash};
use crate::jwt::{self, Signer};
use crate::keys::{KeyStore, SigningKey};
use crate::{JwksMode, ScopeClaim};
use scopegate_core::{Authenticator, Claims, revocation::RevocationStore};

/// Clock skew tolerated on the management API's bearer tokens.
const ADMIN_LEEWAY: Duration = Duration::from_secs(30);
/// The longest management bearer token read.
const MAX_ADMIN_TOKEN: usize = 8 * 1024;

/// The environment's own management client.
struct AdminClient {
    client_id: String,
    /// Kept so that [`DevIssuer::admin_credentials`](super::DevIssuer::admin_credentials)
    /// can hand it out; never logged.
    secret: String,
    hash: SecretHash,
}

/// A token the token endpoint issued.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
}

pub(crate) struct State {
    url: String,
    scope_claim: ScopeClaim,
    ids: IdSource,
    keys: Mutex<KeyStore>,
    clients: Mutex<ClientStore>,
    admin: AdminClient,
    default_client_id: String,
    default_org_id: String,
    jwks_mode: Mutex<JwksMode>,
    jwks_fetches: AtomicU64,
    token_requests: AtomicU64,
    revocations: Option<Arc<dyn RevocationStore>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the data consistent, so a panic in
    // another thread does not make it unusable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// A fresh issuer at `url`: one new RSA key, no clients.
    pub(crate) fn new(
        url: String,
        scope_claim: ScopeClaim,
        admin: Option<(String, String)>,
    ) -> Result<Self, DevError> {
        let ids = IdSource::new()?;
        let key = SigningKey::generate(ids.next("snk_"))?;
        let (client_id, secret) = match admin {
            Some(credentials) => credentials,
            None => (ids.next("skc_"), ids::new_plain_secret()?),
        };
        Ok(State {
            default_client_id: ids.next("m2morg_"),
            default_org_id: ids.next("org_"),
            url,
            scope_claim,
            keys: Mutex::new(KeyStore::new(key)),
            clients: Mutex::new(ClientStore::default()),
            admin: AdminClient {
                client_id,
                hash: ids::hash_secret(&secret),
                secret,
            },
            ids,
            jwks_mode: Mutex::new(JwksMode::Normal),
            jwks_fetches: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            revocations: None,
        })
    }

    /// Publishes revocations to `store`.
    pub(crate) fn with_revocation_store(mut self, store: Option<Arc<dyn RevocationStore>>) -> Self {
        self.revocations = store;
        self
    }

    /// Where revocations are published, if anywhere.
    pub(crate) fn revocation_store(&self) -> Option<Arc<dyn RevocationStore>> {
        self.revocations.clone()
    }

    /// Whether `client_id` is the environment's management client.
    pub(crate) fn is_admin(&self, client_id: &str) -> bool {
        client_id == self.admin.client_id
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn scope_claim(&self) -> ScopeClaim {
        self.scope_claim
    }

    pub(crate) fn default_client_id(&self) -> &str {
        &self.default_client_id
    }

    pub(crate) fn default_org_id(&self) -> &str {
        &self.default_org_id
    }

    pub(crate) fn next_id(&self, prefix: &str) -> String {
        self.ids.next(prefix)
    }

    pub(crate) fn ids(&self) -> &IdSource {
        &self.ids
    }

    pub(crate) fn clients(&self) -> MutexGuard<'_, ClientStore> {
        lock(&self.clients)
    }

    pub(crate) fn admin_credentials(&self) -> (String, String) {
        (self.admin.client_id.clone(), self.admin.secret.clone())
    }

    // --- keys ---

    pub(crate) fn signer(&self) -> Arc<SigningKey> {
        lock(&self.keys).signer()
    }

    pub(crate) fn find_key(&self, kid: &str) -> Option<Arc<SigningKey>> {
        lock(&self.keys).find(kid)
    }

    /// The JWKS document as published now.
    pub(crate) fn jwks(&self) -> Value {
        lock(&self.keys).jwks(Instant::now())
    }

    pub(crate) fn rotate_key(&self, grace: Duration) -> Result<String, DevError> {
        // Generate outside the lock: it takes a while.
        let key = SigningKey::generate(self.ids.next("snk_"))?;
        let kid = key.kid().to_owned();
        lock(&self.keys).rotate(key, grace, Instant::now());
        tracing::info!(
            kid,
            grace_ms = grace.as_millis(),
            "dev issuer rotated its signing key"
        );
        Ok(kid)
    }

    pub(crate) fn publish_extra_key(&self) -> Result<String, DevError> {
        let key = SigningKey::generate(self.ids.next("snk_"))?;
        let kid = key.kid().to_owned();
        lock(&self.keys).publish_extra(key, Instant::now());
        Ok(kid)
    }

    // --- JWKS endpoint behaviour and counters ---

    pub(crate) fn jwks_mode(&self) -> JwksMode {
        *lock(&self.jwks_mode)
    }

    pub(crate) fn set_jwks_mode(&self, mode: JwksMode) {
        *lock(&self.jwks_mode) = mode;
    }

    pub(crate) fn count_jwks_fetch(&self) {
        self.jwks_fetches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn jwks_fetches(&self) -> u64 {
        self.jwks_fetches.load(Ordering::Relaxed)
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    // --- the token endpoint ---

    /// Authenticates a client by id and secret: the management client or a
    /// registered one. The secret is hashed once and compared in constant
    /// time; unknown ids cost the same hash.
    pub(crate) fn authenticate_client(&self, client_id: &str, secret: &str) -> Option<Grant> {
        let hash = ids::hash_secret(secret);
        if client_id == self.admin.client_id {
            return ids::same_secret(&self.admin.hash, &hash).then(|| Grant {
                client_id: self.admin.client_id.clone(),
                org_id: None,
                scopes: Vec::new(),
                audience: Vec::new(),
                custom_claims: Vec::new(),
                expiry: crate::clients::DEFAULT_EXPIRY,
            });
        }
        self.clients().authenticate(client_id, &hash)
    }

    /// Signs an access token for `grant` with `scopes` (already checked to
    /// be the client's).
    pub(crate) fn issue(&self, grant: &Grant, scopes: &[String]) -> Result<Issued, DevError> {
        let now = scopegate_wire::clock::unix_now();
        let mut claims = Map::new();
        claims.insert("client_id".into(), json!(grant.client_id));
        claims.insert("sub".into(), json!(grant.client_id));
        if let Some(org) = &grant.org_id {
            claims.insert("oid".into(), json!(org));
        }
        jwt::put_scopes(&mut claims, scopes, self.scope_claim);
        claims.insert("iss".into(), json!(self.url));
        if !grant.audience.is_empty() {
            claims.insert("aud".into(), json!(grant.audience));
        }
        let lifetime = i64::try_from(grant.expiry).unwrap_or(i64::MAX);
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(now.saturating_add(lifetime)));
        claims.insert("jti".into(), json!(self.ids.next("tkn_")));
        for custom in &grant.custom_claims {
            // Registration refused reserved names, so nothing is overridden.
            claims
                .entry(custom.key.clone())
                .or_insert_with(|| json!(custom.value));
        }
        let key = self.signer();
        let header = jwt::header("RS256", key.kid());
        let access_token = jwt::sign(
            &header,
            &claims,
            &Signer::Rsa(&key, jsonwebtoken::Algorithm::RS256),
        )?;
        Ok(Issued {
            access_token,
            expires_in: grant.expiry,
        })
    }

    // --- the management API's bearer check ---

    /// Validates a token of this issuer with the runtime's own validator,
    /// over the keys it publishes right now (a static key set: no HTTP
    /// round trip).
    pub(crate) async fn verify_own_token(
        &self,
        token: &str,
        leeway: Duration,
    ) -> Result<Claims, DevError> {
        let jwks = serde_json::to_vec(&self.jwks())
            .map_err(|e| DevError::Internal(format!("the JWKS could not be serialized: {e}")))?;
        let auth = Authenticator::builder(&self.url)
            .jwks_document(jwks)
            .leeway(leeway)
            .max_token_bytes(MAX_ADMIN_TOKEN)
            .token_cache_bytes(0)
            .build()
            .map_err(|e| DevError::Internal(format!("the issuer's own validator: {e}")))?;
        Ok(auth.validate(token).await?)
    }

    /// Checks a management API bearer token with the runtime's own
    /// validator, over the keys this issuer publishes right now (a static
    /// key set: no HTTP round trip, so [`jwks_fetches`](Self::jwks_fetches)
    /// is not disturbed), and requires it to be the management client's.
    pub(crate) async fn check_admin_token(&self, token: &str) -> Result<(), DevError> {
        let claims = self.verify_own_token(token, ADMIN_LEEWAY).await?;
        if claims.client_id() != Some(self.admin.client_id.as_str()) {
            return Err(DevError::Forbidden(
                "the management API only accepts tokens of the environment's management client"
                    .into(),
            ));
        }
        Ok(())
    }
}
