//! The wall clock as JWTs count time (RFC 7519 §2, `NumericDate`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now. A clock set before 1970 reads 0, one
/// past `i64::MAX` seconds reads `i64::MAX`.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn after_2020() {
        assert!(super::unix_now() > 1_577_836_800);
    }
}
