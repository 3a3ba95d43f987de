//! Token revocation shared through a real Redis (feature `redis`): two API
//! replicas, each with its own `Authenticator` and mirror, and the dev
//! issuer publishing revocations, all over real HTTP on loopback.
//!
//! Needs `redis-server` (see `tests/support/redis.rs`): the test starts
//! its own on a free port, and fails, saying how to install it, when it
//! cannot be found.

mod common;

use std::time::{Duration, Instant};

use common::redis_server::{Gate, RedisServer};
use common::{ORG, eventually, get_bearer, http_client, register_client};
use reqwest::StatusCode;
use scopegate::client::TokenClient;
use scopegate::dev::DevIssuer;
use scopegate::revocation::{RedisRevocations, RevocationMode};

const SCOPE: &str = "read:deployments";
/// How long a replica serves from its mirror once Redis is lost: long
/// enough for the checks made inside it on a loaded machine.
const GRACE: Duration = Duration::from_secs(6);

/// One API replica: its base URL and its mirror.
struct Replica {
    api: String,
    revocations: RedisRevocations,
    /// One HTTP client per replica, so that polling does not pay for
    /// building one per request.
    http: reqwest::Client,
}

async fn replica(issuer: &DevIssuer, redis_url: &str) -> Replica {
    let revocations = RedisRevocations::builder(redis_url)
        .grace(GRACE)
        .retry_after(Duration::from_secs(2))
        .heartbeat(Duration::from_millis(200))
        // Generous: a ping answered late on a loaded machine must not count
        // as a lost connection (a resync the test would see). A Redis that
        // stops closes its connections, which is noticed at once.
        .timeout(Duration::from_secs(10))
        .ready_timeout(Duration::from_secs(30))
        .connect()
        .await
        .expect("the replica's mirror syncs with Redis");
    let auth = issuer
        .authenticator()
        .revocation(revocations.clone(), RevocationMode::OptIn)
        .build()
        .unwrap();
    Replica {
        api: common::revocation_api::spawn(auth),
        revocations,
        http: http_client(),
    }
}

async fn status(replica: &Replica, token: &str) -> StatusCode {
    replica
        .http
        .get(format!("{}/sensitive", replica.api))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// A fresh token of the client `id`.
async fn token_of(issuer: &DevIssuer, id: &str, secret: &str) -> String {
    let tokens = TokenClient::new(issuer.url(), id, secret).unwrap();
    tokens.token().await.unwrap().as_str().to_owned()
}

/// Polls until every replica answers `401` to `token`; how long it took.
async fn refused_everywhere(replicas: &[&Replica], token: &str) -> Duration {
    let start = Instant::now();
    loop {
        let mut refused = true;
        for replica in replicas {
            refused &= status(replica, token).await == StatusCode::UNAUTHORIZED;
        }
        if refused {
            return start.elapsed();
        }
        // Liveness guard, not a speed claim.
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the revocation never arrived"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[actix_web::test]
async fn replicas_share_revocations_through_redis_and_fail_closed_without_it() {
    let mut redis = RedisServer::start();
    // The replicas reach Redis through a gate the test can cut; the issuer
    // reaches it directly.
    let gate = Gate::open_to(redis.addr()).await;
    let publisher = RedisRevocations::builder(redis.url())
        .timeout(Duration::from_secs(10))
        .ready_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap();
    let issuer = DevIssuer::builder()
        .revocation_store(publisher)
        .start()
        .await
        .unwrap();
    let one = replica(&issuer, &gate.url()).await;
    let two = replica(&issuer, &gate.url()).await;
    let both = [&one, &two];

    // A token works on both replicas, then is revoked at the issuer's
    // RFC 7009 endpoint; another token of the same client keeps working.
    let (id, secret) = register_client(&issuer, &[SCOPE], None);
    let revoked = token_of(&issuer, &id, &secret).await;
    let kept = token_of(&issuer, &id, &secret).await;
    for replica in both {
        assert_eq!(status(replica, &revoked).await, StatusCode::OK);
        assert_eq!(status(replica, &kept).await, StatusCode::OK);
    }
    let tokens = TokenClient::new(issuer.url(), &id, secret.as_str()).unwrap();
    let start = Instant::now();
    tokens.revoke(&revoked).await.unwrap();
    refused_everywhere(&both, &revoked).await;
    eprintln!(
        "revocation enforced on both replicas {} ms after the revoke call began",
        start.elapsed().as_millis()
    );
    for replica in both {
        assert_eq!(status(replica, &kept).await, StatusCode::OK);
        // The connection stayed up through many heartbeats: one full sync.
        assert_eq!(replica.revocations.sync_count(), 1);
    }

    // Deleting the client (management API) refuses all its tokens.
    let response = http_client()
        .delete(format!(
            "{}/api/v1/organizations/{ORG}/clients/{id}",
            issuer.url()
        ))
        .bearer_auth(issuer.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let delay = refused_everywhere(&both, &kept).await;
    eprintln!(
        "client deletion enforced on both replicas within {} ms",
        delay.as_millis()
    );

    // Redis stops: the replicas notice, keep serving from their mirrors
    // for the grace time, then fail closed with 503 and Retry-After.
    let (other, other_secret) = register_client(&issuer, &[SCOPE], None);
    let valid = token_of(&issuer, &other, &other_secret).await;
    let doomed = token_of(&issuer, &other, &other_secret).await;
    for replica in both {
        assert_eq!(status(replica, &valid).await, StatusCode::OK);
        assert_eq!(status(replica, &doomed).await, StatusCode::OK);
    }
    redis.stop();
    gate.cut();
    for replica in both {
        assert!(eventually(async || !replica.revocations.is_in_sync()).await);
        // Within the grace time (6 s from the loss, which was just noticed).
        assert_eq!(status(replica, &valid).await, StatusCode::OK);
        assert_eq!(status(replica, &revoked).await, StatusCode::UNAUTHORIZED);
    }
    for replica in both {
        assert!(
            eventually(async || status(replica, &valid).await == StatusCode::SERVICE_UNAVAILABLE)
                .await,
            "the replica never failed closed"
        );
        let response = get_bearer(&format!("{}/sensitive", replica.api), &valid).await;
        assert_eq!(common::header(&response, "retry-after"), "2");
        common::expect_error(
            response,
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
        )
        .await;
        // Handlers that do not check revocation are not affected.
        let plain = get_bearer(&format!("{}/plain", replica.api), &valid).await;
        assert_eq!(plain.status(), StatusCode::OK);
    }

    // Redis comes back (empty: it keeps nothing on disk). A revocation is
    // made while the replicas are still cut off; when they reconnect,
    // their full resync picks it up, and they serve again.
    redis.resume();
    // Through the issuer's RFC 7009 endpoint: its store's kept connection
    // broke with the restart, and the write goes over a new one.
    let other_tokens = TokenClient::new(issuer.url(), &other, other_secret.as_str()).unwrap();
    other_tokens.revoke(&doomed).await.unwrap();
    gate.open().await;
    for replica in both {
        assert!(eventually(async || replica.revocations.is_in_sync()).await);
        assert_eq!(
            replica.revocations.sync_count(),
            2,
            "one resync after the outage"
        );
        assert_eq!(status(replica, &valid).await, StatusCode::OK);
        assert_eq!(status(replica, &doomed).await, StatusCode::UNAUTHORIZED);
        // What the mirror held before the outage is still enforced.
        assert_eq!(status(replica, &revoked).await, StatusCode::UNAUTHORIZED);
    }
}
