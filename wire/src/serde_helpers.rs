//! Small serde helpers for reading the management API's responses leniently,
//! and for writing them as the API does.

use serde::{Deserialize, Deserializer, Serializer};

/// A count of seconds sent either as a JSON number or as a string (gRPC
/// gateways write 64-bit integers as strings), or `null`.
pub fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(u64),
        Text(String),
    }
    match Option::<NumberOrString>::deserialize(deserializer)? {
        None => Ok(None),
        Some(NumberOrString::Number(n)) => Ok(Some(n)),
        Some(NumberOrString::Text(text)) if text.trim().is_empty() => Ok(None),
        Some(NumberOrString::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expected a number of seconds")),
    }
}

/// A value whose `null` means its default (an empty list, an empty string).
pub fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A page token: absent, `null` and `""` all mean "no more pages".
pub fn page_token<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|t| !t.is_empty()))
}

/// Writes a page token as the API does: `None` as the empty string.
pub fn empty_if_none<S: Serializer>(
    token: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(token.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Expiry {
        #[serde(default, deserialize_with = "lenient_u64")]
        expiry: Option<u64>,
    }

    #[test]
    fn seconds_as_number_or_string() {
        let read = |json: &str| serde_json::from_str::<Expiry>(json).map(|e| e.expiry);
        assert_eq!(read(r#"{"expiry":3600}"#).unwrap(), Some(3600));
        assert_eq!(read(r#"{"expiry":"3600"}"#).unwrap(), Some(3600));
        assert_eq!(read(r#"{"expiry":null}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert!(read(r#"{"expiry":"soon"}"#).is_err());
        assert!(read(r#"{"expiry":-1}"#).is_err());
    }
}
