//! Identifiers, random secrets, secret hashes and timestamps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::{constant_time, digest, rand};

use crate::error::DevError;

/// Length of the random part of a plain secret (as in the seeds'
/// `test_<64 characters>`).
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

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `time` in RFC 3339, UTC, with milliseconds: `2025-04-16T06:56:05.360Z`,
/// the seeds' `create_time` format.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are within their small ranges, so the conversions never fail.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_194), (2025, 4, 16));
        let t = UNIX_EPOCH + Duration::from_millis(1_744_786_565_360);
        assert_eq!(rfc3339(t), "2025-04-16T06:56:05.360Z");
    }

    #[test]
    fn secrets_look_like_the_seeds() {
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
