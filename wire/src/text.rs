//! Shortening untrusted text for error messages and logs.

/// `text` cut to `max` characters (with `...` when cut), every character
/// that is not visible ASCII replaced by `?`: safe inside an RFC 6750
/// `error_description`, a log line or a terminal, whatever the text held.
pub fn printable(text: &str, max: usize) -> String {
    shorten(text, max, |c| if c.is_ascii_graphic() { c } else { '?' })
}

/// `text` cut to `max` characters (with `...` when cut), control characters
/// replaced by spaces, everything else kept: for prose that a server sent
/// (an `error_description`), shown to a person.
pub fn readable(text: &str, max: usize) -> String {
    shorten(text, max, |c| if c.is_control() { ' ' } else { c })
}

fn shorten(text: &str, max: usize, map: impl Fn(char) -> char) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(max).map(map).collect();
    if chars.next().is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_and_masks() {
        assert_eq!(printable("abc", 3), "abc");
        assert_eq!(printable("abcd", 3), "abc...");
        assert_eq!(printable("a b\u{e9}\n", 10), "a?b??");
        assert_eq!(readable("a b\u{e9}\n", 10), "a b\u{e9} ");
        assert_eq!(readable("\u{e9}\u{e9}\u{e9}", 2), "\u{e9}\u{e9}...");
    }
}
