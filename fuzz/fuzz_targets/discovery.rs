//! The OIDC discovery document reader: never panics, and a `jwks_uri` it
//! returns is an absolute URL from a document naming the expected issuer.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://issuer.fuzz.test";

fuzz_target!(|data: &[u8]| {
    if let Ok(url) = scopegate_core::__fuzz::parse_discovery(data, ISSUER) {
        // Read `issuer` the way scopegate reads the document: serde_json
        // skips the members it does not read without checking them (a lone
        // UTF-16 surrogate escape, invalid UTF-8: harmless, they are never
        // used), so a whole-document parse may refuse what scopegate
        // rightly accepts.
        #[derive(serde::Deserialize)]
        struct Issuer {
            issuer: String,
        }
        let doc: Issuer = serde_json::from_slice(data).expect("accepted as JSON");
        assert_eq!(doc.issuer, ISSUER);
        assert!(url.contains(':'));
    }
});
