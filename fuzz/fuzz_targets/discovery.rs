//! The OIDC discovery document reader: never panics, and a `jwks_uri` it
//! returns is an absolute URL from a document naming the expected issuer.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://issuer.fuzz.test";

fuzz_target!(|data: &[u8]| {
    if let Ok(url) = scopegate_runtime::__fuzz::parse_discovery(data, ISSUER) {
        // serde_json skips the members it does not read without checking
        // their UTF-8 (harmless: they are never used), so read the rest
        // lossily to look at `issuer`.
        let text = String::from_utf8_lossy(data);
        let doc: serde_json::Value = serde_json::from_str(&text).expect("accepted as JSON");
        assert_eq!(doc["issuer"], ISSUER);
        assert!(url.contains(':'));
    }
});
