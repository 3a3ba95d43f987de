//! Reading tokens and secrets from arguments or stdin, the environment, and
//! time in words.

use std::collections::HashMap;
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::exit::Failure;

/// The longest token read.
const MAX_TOKEN: u64 = 64 * 1024;

/// The token given as an argument, or read from stdin when it is `-`. A
/// leading `Bearer ` and surrounding whitespace are dropped.
pub(crate) fn token(arg: &str) -> Result<String, Failure> {
    let text = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_TOKEN + 1)
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("cannot read the token from stdin: {e}")))?;
        if text.len() as u64 > MAX_TOKEN {
            return Err(Failure::usage(format!(
                "the token on stdin is longer than {MAX_TOKEN} bytes"
            )));
        }
        text
    } else {
        arg.to_owned()
    };
    let text = text.trim();
    let text = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .unwrap_or(text)
        .trim();
    if text.is_empty() {
        return Err(Failure::usage("the token is empty"));
    }
    Ok(text.to_owned())
}

/// One line from stdin (a secret), without its line ending.
pub(crate) fn secret_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the secret from stdin: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(Failure::usage("the secret read from stdin is empty"));
    }
    Ok(line)
}

/// Environment variables, with some replaced (flags) or hidden.
#[derive(Default)]
pub(crate) struct Env {
    set: HashMap<&'static str, String>,
    hidden: Vec<&'static str>,
}

impl Env {
    pub(crate) fn set(&mut self, name: &'static str, value: Option<String>) {
        if let Some(value) = value {
            self.set.insert(name, value);
        }
    }

    pub(crate) fn hide(&mut self, name: &'static str) {
        self.hidden.push(name);
    }

    pub(crate) fn get(&self, name: &str) -> Option<String> {
        if let Some(value) = self.set.get(name) {
            return Some(value.clone());
        }
        if self.hidden.contains(&name) {
            return None;
        }
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A duration in words: `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
pub(crate) fn duration(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) if s == 0 => format!("{m} min"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, 0) => format!("{h} h"),
        (0, _, _) => format!("{h} h {m} min"),
        (_, 0, _) => format!("{d} d"),
        _ => format!("{d} d {h} h"),
    }
}

/// A Unix time relative to now: `in 59 min`, `42 s ago`, `now`.
pub(crate) fn relative(at: i64) -> String {
    let delta = at.saturating_sub(now());
    match delta {
        0 => "now".to_owned(),
        d if d > 0 => format!("in {}", duration(d.unsigned_abs())),
        d => format!("{} ago", duration(d.unsigned_abs())),
    }
}

/// A `KEY=VALUE` flag (`--claim`, `--metadata`): the key trimmed and not
/// empty, the value as given.
pub(crate) fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err("expected KEY=VALUE, e.g. plan=enterprise".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(185), "3 min 5 s");
        assert_eq!(duration(120), "2 min");
        assert_eq!(duration(7800), "2 h 10 min");
        assert_eq!(duration(7200), "2 h");
        assert_eq!(duration(86_399), "23 h 59 min");
        assert_eq!(duration(3 * 86_400 + 4 * 3600), "3 d 4 h");
        assert_eq!(duration(86_400 + 60), "1 d");
    }

    #[test]
    fn tokens_lose_bearer_and_whitespace() {
        assert_eq!(token("  Bearer abc.def.ghi \n").unwrap(), "abc.def.ghi");
        assert_eq!(token("abc").unwrap(), "abc");
        assert!(token("  ").is_err());
    }
}
