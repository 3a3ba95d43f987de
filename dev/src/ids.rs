//! Identifiers, random secrets, secret hashes and timestamps.

use std::num::NonZeroU8;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, iso8601};

use aws_lc_rs::{constant_time, digest, rand};

use crate::error::DevError;

/// Length of the random part of a plain secret (as in the secrets of
/// Scalekit's management API, `test_<64 characters>`).
const SECRET_RANDOM_LEN: usize = 64;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Hands out the numeric part of ids (`m2morg_<n>`, `sks_<n>`, `tkn_<n>`,
/// `snk_<n>`): 17 digits like Scalekit's, from one counter started at a
/// random point, so every id of one issuer is unique.
pub(crate) struct IdSource {
    next: AtomicU64,
}

impl IdSource {
    pub(crate) fn new() -> Result<Self, DevError> {
        let mut bytes = [0u8; 8];
        rand::fill(&mut bytes)
            .map_err(|_| DevError::Internal("the system random generator failed".into()))?;
        // Between 10^16 and 5 * 10^16: always 17 digits, and room to count.
        let start = 10_000_000_000_000_000 + u64::from_be_bytes(bytes) % 40_000_000_000_000_000;
        Ok(IdSource {
            next: AtomicU64::new(start),
        })
    }

    /// `prefix` followed by a fresh number.
    pub(crate) fn next(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// A new plain client secret: `test_` and 64 random base62 characters.
pub(crate) fn new_plain_secret() -> Result<String, DevError> {
    let mut out = String::with_capacity(5 + SECRET_RANDOM_LEN);
    out.push_str("test_");
    let mut buf = [0u8; 96];
    while out.len() < 5 + SECRET_RANDOM_LEN {
        rand::fill(&mut buf)
            .map_err(|_| DevError::Internal("the system random generator failed".into()))?;
        // Rejection sampling: 248 = 4 * 62, so every character is equally
        // likely.
        for byte in buf.iter().filter(|&&b| b < 248) {
            if out.len() == 5 + SECRET_RANDOM_LEN {
                break;
            }
            out.push(char::from(BASE62[usize::from(byte % 62)]));
        }
    }
    Ok(out)
}

/// The last four characters of a secret: its `secret_suffix`.
pub(crate) fn secret_suffix(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The SHA-256 of a secret, which is all the issuer keeps of it.
pub(crate) type SecretHash = [u8; 32];

/// Hashes a presented or new secret.
pub(crate) fn hash_secret(secret: &str) -> SecretHash {
    let digest = digest::digest(&digest::SHA256, secret.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Compares two secret hashes in constant time.
pub(crate) fn same_secret(a: &SecretHash, b: &SecretHash) -> bool {
    constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// `time` in RFC 3339, UTC, with milliseconds: `2025-04-16T06:56:05.360Z`,
/// the `create_time` format of Scalekit's management API. A time before
/// 1970 writes as the epoch; one past year 9999 (which RFC 3339 cannot
/// write) as the last millisecond of 9999.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    /// 9999-12-31T23:59:59.999Z, in nanoseconds since the epoch.
    const LAST_WRITABLE: i128 = 253_402_300_799_999_000_000;
    let nanos = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i128::try_from(since.as_nanos()).unwrap_or(i128::MAX)
        })
        .min(LAST_WRITABLE);
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|time| time.format(&MILLISECONDS).ok())
        .unwrap_or_else(|| "9999-12-31T23:59:59.999Z".to_owned())
}

/// ISO 8601 / RFC 3339 with three decimals of seconds; UTC written `Z`.
const MILLISECONDS: Iso8601<
    {
        iso8601::Config::DEFAULT
            .set_time_precision(iso8601::TimePrecision::Second {
                decimal_digits: NonZeroU8::new(3),
            })
            .encode()
    },
> = Iso8601;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_with_milliseconds() {
        let t = UNIX_EPOCH + Duration::from_millis(1_744_786_565_360);
        assert_eq!(rfc3339(t), "2025-04-16T06:56:05.360Z");
        let t = UNIX_EPOCH + Duration::from_nanos(951_782_400_000_999_999);
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z", "cut, not rounded");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(rfc3339(before), "1970-01-01T00:00:00.000Z");
        let far = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert_eq!(rfc3339(far), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn secrets_look_like_scalekits() {
        let a = new_plain_secret().unwrap();
        let b = new_plain_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 69);
        assert!(a.starts_with("test_"));
        assert!(a[5..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(secret_suffix(&a), a[65..]);
        assert!(same_secret(&hash_secret(&a), &hash_secret(&a)));
        assert!(!same_secret(&hash_secret(&a), &hash_secret(&b)));
    }

    #[test]
    fn ids_are_unique_and_17_digits() {
        let ids = IdSource::new().unwrap();
        let a = ids.next("m2morg_");
        let b = ids.next("m2morg_");
        assert_ne!(a, b);
        assert_eq!(a.len(), "m2morg_".len() + 17);
    }
}
