//! Retries with exponential backoff and jitter, bounded in attempts and in
//! total time, and bounded reading of response bodies.

use std::time::{Duration, Instant};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode, Url};

use crate::error::{ClientError, url_for_message};

/// When and how often a failed request is sent again.
///
/// A request is retried when it could not be sent or answered (connection
/// refused, reset, timed out) or when the server answered `500`, `502`,
/// `503`, `504`, `408` or `429`. A `4xx` answer (`400`, `401`, `403`,
/// `404`...) is never retried: asking again would get the same answer. A
/// request that is not safe to repeat (registering a client, adding a
/// secret) is retried only when the server cannot have acted on it: the
/// connection was never made, or the answer was `503` or `429`.
///
/// The delay before retry *n* (1-based) is drawn at random between half and
/// all of `min(max_backoff, initial_backoff × 2ⁿ⁻¹)` ("equal jitter"), so
/// that many clients failing together do not come back together; a
/// `Retry-After` of the server is honoured up to `max_backoff`. It gives up
/// after `max_attempts` requests, or when the next delay would end past
/// `max_elapsed` from the first request; each request's own timeout is cut
/// so as not to run past `max_elapsed` either.
///
/// | setting | default |
/// |---|---|
/// | `max_attempts` (requests in all, first included) | 4 |
/// | `initial_backoff` | 200 ms |
/// | `max_backoff` | 5 s |
/// | `max_elapsed` | 30 s |
///
/// ```
/// use std::time::Duration;
/// use scopegate_client::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(8)
///     .max_elapsed(Duration::from_secs(120));
/// let impatient = RetryPolicy::never();
/// assert_eq!(impatient.attempts(), 1);
/// # drop(patient);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retry: one request, whatever happens.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How many requests at most, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The nominal delay before the first retry; it doubles each time.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest nominal delay between two requests.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The longest time from the first request to giving up.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// How many requests at most.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The nominal (unjittered) delay before retry `retry` (1-based).
    fn nominal(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The delay before the next request after `attempts` requests, or
    /// `None` to give up.
    fn next_delay(
        &self,
        attempts: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let nominal = self.nominal(attempts);
        let half = nominal / 2;
        let mut delay = half + jitter(nominal - half);
        if let Some(wanted) = retry_after {
            delay = delay.max(wanted.min(self.max_backoff));
        }
        (elapsed.saturating_add(delay) < self.max_elapsed).then_some(delay)
    }
}

/// A random duration in `0..=max`, from the system's secure generator.
fn jitter(max: Duration) -> Duration {
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return max;
    }
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    match nanos.checked_add(1) {
        Some(span) => Duration::from_nanos(u64::from_le_bytes(bytes) % span),
        None => Duration::from_nanos(u64::from_le_bytes(bytes)),
    }
}

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Idempotent (or harmless to repeat, like a token request).
    Safe,
    /// Repeating could act twice: retry only when it was surely not acted on.
    IfNotProcessed,
}

/// A response read to the end (or to the size cap).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    /// The body was longer than the cap and was cut.
    pub(crate) truncated: bool,
    pub(crate) attempts: u32,
}

/// What one exchange needs besides the request itself.
pub(crate) struct Exchange<'a> {
    pub(crate) policy: &'a RetryPolicy,
    pub(crate) replay: Replay,
    /// What is being asked, for the logs.
    pub(crate) what: &'static str,
    pub(crate) url: &'a Url,
    /// The timeout of one request.
    pub(crate) attempt_timeout: Duration,
    /// The most body bytes kept.
    pub(crate) max_body: usize,
}

impl Exchange<'_> {
    /// Sends the request built by `build` (given the timeout to set on it)
    /// until it gets an answer that is not worth retrying, or the policy
    /// gives up.
    pub(crate) async fn run(
        &self,
        build: impl Fn(Duration) -> RequestBuilder,
    ) -> Result<Reply, ClientError> {
        let start = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let remaining = self.policy.max_elapsed.saturating_sub(start.elapsed());
            let timeout = self
                .attempt_timeout
                .min(remaining)
                .max(Duration::from_millis(1));
            let outcome = match build(timeout).send().await {
                Ok(response) => read_body(response, self.max_body).await,
                Err(error) => Err(error),
            };
            let (retryable, retry_after, reason) = match &outcome {
                Ok(raw) => (
                    self.retryable_status(raw.status),
                    raw.retry_after,
                    format!("HTTP {}", raw.status),
                ),
                Err(error) => (self.retryable_error(error), None, error.to_string()),
            };
            let delay = if retryable {
                self.policy
                    .next_delay(attempts, start.elapsed(), retry_after)
            } else {
                None
            };
            match (delay, outcome) {
                (Some(delay), _) => {
                    self.log_retry(attempts, delay, &reason);
                    tokio::time::sleep(delay).await;
                }
                (None, Ok(raw)) => {
                    return Ok(Reply {
                        status: raw.status,
                        body: raw.body,
                        truncated: raw.truncated,
                        attempts,
                    });
                }
                (None, Err(error)) => return Err(ClientError::network(self.url, attempts, error)),
            }
        }
    }

    fn retryable_status(&self, status: StatusCode) -> bool {
        match self.replay {
            Replay::Safe => matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504),
            Replay::IfNotProcessed => matches!(status.as_u16(), 429 | 503),
        }
    }

    fn retryable_error(&self, error: &reqwest::Error) -> bool {
        match self.replay {
            Replay::Safe => {
                error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
            }
            Replay::IfNotProcessed => error.is_connect(),
        }
    }

    fn log_retry(&self, attempts: u32, delay: Duration, reason: &str) {
        tracing::warn!(
            what = self.what,
            url = %url_for_message(self.url),
            attempt = attempts,
            retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            reason,
            "request failed; retrying"
        );
    }
}

/// One response, before the retry decision.
struct RawReply {
    status: StatusCode,
    /// The body, cut at the cap.
    body: Vec<u8>,
    truncated: bool,
    retry_after: Option<Duration>,
}

async fn read_body(
    mut response: reqwest::Response,
    max: usize,
) -> Result<RawReply, reqwest::Error> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await? {
        let room = max.saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawReply {
        status,
        body,
        truncated,
        retry_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(500));
        assert_eq!(policy.nominal(1), Duration::from_millis(100));
        assert_eq!(policy.nominal(2), Duration::from_millis(200));
        assert_eq!(policy.nominal(3), Duration::from_millis(400));
        assert_eq!(policy.nominal(4), Duration::from_millis(500));
        assert_eq!(policy.nominal(40), Duration::from_millis(500));
    }

    #[test]
    fn jittered_delays_stay_between_half_and_all_of_the_nominal() {
        let policy = RetryPolicy::default()
            .max_attempts(100)
            .initial_backoff(Duration::from_millis(100))
            .max_elapsed(Duration::from_secs(3600));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let delay = policy.next_delay(2, Duration::ZERO, None).unwrap();
            assert!(delay >= Duration::from_millis(100) && delay <= Duration::from_millis(200));
            seen.insert(delay);
        }
        assert!(seen.len() > 1, "the delays are not jittered");
    }

    #[test]
    fn gives_up_on_attempts_and_on_elapsed_time() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .max_elapsed(Duration::from_secs(1));
        assert!(policy.next_delay(1, Duration::ZERO, None).is_some());
        assert!(policy.next_delay(3, Duration::ZERO, None).is_none());
        assert!(
            policy
                .next_delay(1, Duration::from_millis(999), None)
                .is_none()
        );
        assert!(
            RetryPolicy::never()
                .next_delay(1, Duration::ZERO, None)
                .is_none()
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .max_backoff(Duration::from_secs(2))
            .max_elapsed(Duration::from_secs(60));
        let delay = policy
            .next_delay(1, Duration::ZERO, Some(Duration::from_secs(30)))
            .unwrap();
        assert_eq!(delay, Duration::from_secs(2));
        let delay = policy
            .next_delay(1, Duration::ZERO, Some(Duration::from_secs(1)))
            .unwrap();
        assert_eq!(delay, Duration::from_secs(1));
    }
}
