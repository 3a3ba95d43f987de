//! A differential oracle: scopegate's accept/reject decision against
//! `jsonwebtoken::decode` under the equivalent `Validation`, over token
//! variants generated from valid tokens by mutating each header member,
//! each claim (value, type, time, repetition), the encoding and the
//! signature.
//!
//! Every disagreement must be explained by a rule listed in
//! `docs/security.md`, computed here independently from the token:
//!
//! * scopegate refuses, jsonwebtoken accepts: a rule where scopegate is
//!   deliberately stricter ([`stricter_rules`]); and every such rule that
//!   does not depend on the clock must make scopegate refuse;
//! * scopegate accepts, jsonwebtoken refuses: a rule argued in the document
//!   ([`lenient_rules`]).
//!
//! Anything else fails the test with the token's description.
//!
//! `SCOPEGATE_DIFF_TOKENS` sets how many tokens are signed (default 4,000,
//! each evaluated in several encodings and under two configurations: a few
//! tens of thousands of comparisons in a few seconds); `SCOPEGATE_DIFF_START`
//! picks another point of the generator's stream.

mod common;

use std::collections::BTreeMap;
use std::fmt;

use jsonwebtoken::{Algorithm as JwtAlgorithm, DecodingKey, Validation, decode, decode_header};
use scopegate::{Algorithm, Authenticator};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use common::jose::{AUDIENCE, ISSUER, TestKey, b64, unb64};

const LEEWAY: i64 = 30;

/// SplitMix64: a small deterministic generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// A JSON object as an ordered list of members, so that a member can be
/// repeated, retyped or removed; rendered as text.
#[derive(Clone, Default)]
struct Members(Vec<(String, String)>);

impl Members {
    fn set(&mut self, name: &str, value: String) {
        self.remove(name);
        self.0.push((name.to_owned(), value));
    }
    fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }
    fn repeat(&mut self, name: &str, value: String) {
        self.0.push((name.to_owned(), value));
    }
    fn render(&self) -> String {
        let body: Vec<String> = self
            .0
            .iter()
            .map(|(n, v)| format!("{}:{v}", Value::from(n.as_str())))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}

fn s(text: &str) -> String {
    Value::from(text).to_string()
}

/// The keys: two published, one the issuer never published (same `kid`
/// as a published one when a case signs with it).
struct Keys {
    k1: TestKey,
    k2: TestKey,
    rogue: TestKey,
}

struct Config {
    name: &'static str,
    scopegate: Authenticator,
    validation: Validation,
}

fn configs(keys: &Keys) -> Vec<Config> {
    let jwks = common::jose::jwks(&[&keys.k1, &keys.k2]);
    let algorithms = [Algorithm::RS256, Algorithm::PS256];
    let mut base = Validation::new(JwtAlgorithm::RS256);
    base.algorithms = vec![JwtAlgorithm::RS256, JwtAlgorithm::PS256];
    base.leeway = LEEWAY as u64;
    base.validate_nbf = true;
    base.set_issuer(&[ISSUER]);
    let mut no_audience = base.clone();
    no_audience.validate_aud = false;
    no_audience.set_required_spec_claims(&["exp", "iss"]);
    let mut audience = base;
    audience.set_audience(&[AUDIENCE]);
    audience.set_required_spec_claims(&["exp", "iss", "aud"]);
    vec![
        Config {
            name: "no audience",
            scopegate: common::jose::builder(&jwks)
                .algorithms(algorithms)
                .build()
                .expect("authenticator"),
            validation: no_audience,
        },
        Config {
            name: "audience",
            scopegate: common::jose::builder(&jwks)
                .algorithms(algorithms)
                .audience(AUDIENCE)
                .build()
                .expect("authenticator"),
            validation: audience,
        },
    ]
}

/// One signed token before its encoding mutations.
struct Case {
    header: String,
    claims: String,
    what: Vec<String>,
}

fn now() -> i64 {
    scopegate_wire::clock::unix_now()
}

fn base_header(rng: &mut Rng) -> Members {
    let mut h = Members::default();
    h.set("alg", s(rng.pick_str(&["RS256", "RS256", "PS256"])));
    h.set("kid", s(rng.pick_str(&["k1", "k2"])));
    match rng.below(4) {
        0 => {}
        1 => h.set("typ", s("JWT")),
        _ => h.set("typ", s("at+jwt")),
    }
    if rng.chance(30) {
        h.0.reverse();
    }
    h
}

fn base_claims(rng: &mut Rng, now: i64) -> Members {
    let mut c = Members::default();
    c.set("iss", s(ISSUER));
    c.set("sub", s("m2morg_1"));
    c.set("client_id", s("m2morg_1"));
    c.set("oid", s("org_1"));
    c.set("aud", s(AUDIENCE));
    c.set("iat", (now - 10).to_string());
    c.set("nbf", (now - 10).to_string());
    c.set("exp", (now + 600).to_string());
    c.set("jti", s("tkn_1"));
    if rng.chance(50) {
        c.set("scope", s("read:deployments deploy:applications"));
    } else {
        c.set("scopes", r#"["read:deployments"]"#.to_owned());
    }
    if rng.chance(20) {
        c.0.reverse();
    }
    c
}

/// A NumericDate near `at`, in every JSON spelling and type.
fn date_near(rng: &mut Rng, at: i64) -> String {
    match rng.below(22) {
        0..=6 => (at + *rng.pick(&[-5, -1, 0, 1, 5, 600, -600])).to_string(),
        7 => format!("{at}.{}", rng.pick(&["0", "2", "5", "7", "999"])),
        8 => format!("{}.{}", at - 1, rng.pick(&["2", "5", "7"])),
        9 => format!("{at}e0"),
        10 => format!("{}e3", at / 1000),
        11 => s(&at.to_string()),
        12 => "null".into(),
        13 => "true".into(),
        14 => format!("[{at}]"),
        15 => (-rng.pick(&[1i64, 1_000, at])).to_string(),
        16 => rng
            .pick(&[
                "1e20",
                "18446744073709551615",
                "18446744073709551616",
                "9223372036854775807",
                "-9223372036854775808",
                "0",
                "-0.5",
                "1.7976931348623157e308",
            ])
            .to_string(),
        17 => "{}".into(),
        18 => format!("{at}.5"),
        19 => format!("{}.4", at),
        _ => (at + rng.below(7) as i64 - 3).to_string(),
    }
}

fn odd_value(rng: &mut Rng) -> String {
    rng.pick(&[
        "null",
        "5",
        "1.5",
        "true",
        "[]",
        "{}",
        "\"\"",
        "[\"x\"]",
        "[1]",
        "{\"a\":1}",
    ])
    .to_string()
}

fn mutate_header(rng: &mut Rng, h: &mut Members, what: &mut Vec<String>) {
    match rng.below(9) {
        0 => {
            let alg = rng.pick(&[
                "\"RS256\"",
                "\"PS256\"",
                "\"RS384\"",
                "\"RS512\"",
                "\"PS512\"",
                "\"HS256\"",
                "\"none\"",
                "\"None\"",
                "\"rs256\"",
                "\"ES256\"",
                "\"\"",
                "256",
                "null",
                "[\"RS256\"]",
                "\"RS256 \"",
            ]);
            h.set("alg", alg.to_string());
            what.push(format!("alg={alg}"));
        }
        1 => {
            h.remove("alg");
            what.push("no alg".into());
        }
        2 => {
            let kid = rng.pick(&[
                "\"k9\"", "\"\"", "null", "5", "[\"k1\"]", "\"K1\"", "\"k1 \"", "\"k2\"",
            ]);
            h.set("kid", kid.to_string());
            what.push(format!("kid={kid}"));
        }
        3 => {
            h.remove("kid");
            what.push("no kid".into());
        }
        4 => {
            let typ = rng.pick(&[
                "\"JWT\"",
                "\"jwt\"",
                "\"at+jwt\"",
                "\"AT+JWT\"",
                "\"application/at+jwt\"",
                "\"id+jwt\"",
                "\"JOSE\"",
                "\"\"",
                "null",
                "1",
                "[\"JWT\"]",
            ]);
            h.set("typ", typ.to_string());
            what.push(format!("typ={typ}"));
        }
        5 => {
            let crit = rng.pick(&["[\"exp\"]", "[]", "\"b64\"", "null", "[\"b64\"]"]);
            h.set("crit", crit.to_string());
            what.push(format!("crit={crit}"));
        }
        6 => {
            let (name, value) = rng.pick(&[
                ("jwk", "{\"kty\":\"RSA\"}"),
                ("jwk", "\"x\""),
                ("jku", "\"https://attacker.test/jwks\""),
                ("jku", "5"),
                ("x5u", "[]"),
                ("x5c", "[\"AAAA\"]"),
                ("x5c", "\"AAAA\""),
                ("x5c", "[1]"),
                ("x5t", "1"),
                ("cty", "\"JWT\""),
                ("cty", "5"),
                ("zip", "\"DEF\""),
                ("zip", "\"XYZ\""),
                ("enc", "\"A128GCM\""),
                ("enc", "\"bogus\""),
                ("b64", "false"),
                ("url", "1"),
                ("nonce", "{}"),
                ("foo", "\"bar\""),
            ]);
            h.set(name, value.to_string());
            what.push(format!("header {name}={value}"));
        }
        7 => {
            let (name, value) = rng.pick(&[
                ("alg", "\"RS256\""),
                ("alg", "\"HS256\""),
                ("alg", "\"none\""),
                ("kid", "\"k1\""),
                ("kid", "\"k9\""),
                ("typ", "\"JWT\""),
                ("typ", "\"id+jwt\""),
                ("jwk", "{}"),
            ]);
            h.repeat(name, value.to_string());
            what.push(format!("repeated header {name}={value}"));
        }
        _ => {
            // Shuffle member order.
            if !h.0.is_empty() {
                h.0.rotate_left(1);
            }
            what.push("header reordered".into());
        }
    }
}

fn mutate_claims(rng: &mut Rng, c: &mut Members, now: i64, what: &mut Vec<String>) {
    match rng.below(12) {
        0 => {
            let iss = match rng.below(8) {
                0 => s("https://other.test"),
                1 => format!("[{}]", s(ISSUER)),
                2 => format!("[{},{}]", s(ISSUER), s("https://other.test")),
                3 => s(&format!("{ISSUER}/")),
                4 => s(&ISSUER.to_uppercase()),
                5 => odd_value(rng),
                _ => {
                    c.remove("iss");
                    what.push("no iss".into());
                    return;
                }
            };
            what.push(format!("iss={iss}"));
            c.set("iss", iss);
        }
        1 | 2 => {
            let at = *rng.pick(&[now + 600, now - LEEWAY, now - 600, now]);
            let exp = date_near(rng, at);
            if rng.chance(8) {
                c.remove("exp");
                what.push("no exp".into());
            } else {
                what.push(format!("exp={exp} (now {now})"));
                c.set("exp", exp);
            }
        }
        3 => {
            let at = *rng.pick(&[now + LEEWAY, now, now - 600, now + 600]);
            let nbf = date_near(rng, at);
            what.push(format!("nbf={nbf} (now {now})"));
            c.set("nbf", nbf);
        }
        4 => {
            let at = *rng.pick(&[now + LEEWAY, now, now + 600]);
            let iat = date_near(rng, at);
            what.push(format!("iat={iat} (now {now})"));
            c.set("iat", iat);
        }
        5 => {
            let aud = rng
                .pick(&[
                    format!("[{}]", s(AUDIENCE)),
                    format!("[\"other\",{}]", s(AUDIENCE)),
                    format!("[{},5]", s(AUDIENCE)),
                    s("other"),
                    "[]".into(),
                    "[\"other\"]".into(),
                    s(&AUDIENCE.to_uppercase()),
                ])
                .clone();
            let aud = if rng.chance(25) { odd_value(rng) } else { aud };
            what.push(format!("aud={aud}"));
            c.set("aud", aud);
        }
        6 => {
            c.remove("aud");
            what.push("no aud".into());
        }
        7 => {
            let name = *rng.pick(&["sub", "jti", "client_id", "oid", "scope", "scopes"]);
            let value = if rng.chance(20) {
                s("read:x  write:y")
            } else {
                odd_value(rng)
            };
            what.push(format!("{name}={value}"));
            c.set(name, value);
        }
        8 => {
            let (name, value) = match rng.below(6) {
                0 => ("exp", (now - 600).to_string()),
                1 => ("exp", (now + 600).to_string()),
                2 => ("iss", s("https://other.test")),
                3 => ("aud", s("other")),
                4 => ("nbf", (now + 600).to_string()),
                _ => ("sub", "5".to_owned()),
            };
            what.push(format!("repeated claim {name}={value}"));
            c.repeat(name, value);
        }
        9 => {
            let (name, value) = rng.pick(&[
                ("env", "\"prod\""),
                ("nested", "{\"a\":[1,{\"b\":null}]}"),
                ("big", "123456789012345678901234567890"),
                ("unicode", "\"\\u00e9\\ud83d\\ude00\""),
                ("iss\u{0}", "1"),
            ]);
            what.push(format!("claim {name}"));
            c.set(name, value.to_string());
        }
        10 => {
            let name = *rng.pick(&["sub", "iat", "nbf", "jti", "client_id", "oid", "scope"]);
            c.remove(name);
            what.push(format!("no {name}"));
        }
        _ => {
            if !c.0.is_empty() {
                let by = 3 % c.0.len();
                c.0.rotate_left(by);
            }
            what.push("claims reordered".into());
        }
    }
}

/// Whole-part replacements: what is not a JSON object at all.
fn not_an_object(rng: &mut Rng, now: i64) -> String {
    rng.pick(&[
        "[]".to_owned(),
        "null".to_owned(),
        "\"x\"".to_owned(),
        "{".to_owned(),
        String::new(),
        "{} x".to_owned(),
        " {\"iss\":1} ".to_owned(),
        // A payload jsonwebtoken reads as its claims struct from a sequence.
        format!(
            "[{},{},{},{},{}]",
            now + 600,
            now - 10,
            s("s"),
            s(ISSUER),
            s(AUDIENCE)
        ),
        format!("\u{feff}{{\"iss\":{},\"exp\":{}}}", s(ISSUER), now + 600),
    ])
    .clone()
}

fn case(rng: &mut Rng, now: i64) -> Case {
    let mut h = base_header(rng);
    let mut c = base_claims(rng, now);
    let mut what = Vec::new();
    let mutations = match rng.below(10) {
        0 => 0,
        1..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    for _ in 0..mutations {
        if rng.chance(35) {
            mutate_header(rng, &mut h, &mut what);
        } else {
            mutate_claims(rng, &mut c, now, &mut what);
        }
    }
    let mut header = h.render();
    let mut claims = c.render();
    if rng.chance(3) {
        header = not_an_object(rng, now);
        what.push(format!("header {header:?}"));
    }
    if rng.chance(4) {
        claims = not_an_object(rng, now);
        what.push(format!("claims {claims:?}"));
    }
    if rng.chance(1)
        && let Some(open) = claims.strip_suffix('}')
    {
        claims = format!("{open},\"pad\":\"{}\"}}", "x".repeat(7_000));
        what.push("a 7 KB claim".into());
    }
    Case {
        header,
        claims,
        what,
    }
}

/// The key and algorithm a case is signed with: the header's `alg` and
/// `kid` most of the time, else a mismatch.
fn sign(rng: &mut Rng, keys: &Keys, case: &mut Case) -> String {
    let header: Option<Value> = serde_json::from_str(&case.header).ok();
    let named = |name: &str| {
        header
            .as_ref()
            .and_then(|h| h.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut alg = named("alg")
        .filter(|a| ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"].contains(&a.as_str()))
        .unwrap_or_else(|| "RS256".into());
    let mut key = match named("kid").as_deref() {
        Some("k2") => &keys.k2,
        _ => &keys.k1,
    };
    match rng.below(20) {
        0 => {
            key = &keys.rogue;
            case.what.push("signed by an unpublished key".into());
        }
        1 => {
            key = if std::ptr::eq(key, &keys.k1) {
                &keys.k2
            } else {
                &keys.k1
            };
            case.what.push("signed by the other published key".into());
        }
        2 => {
            alg = rng.pick(&["RS256", "PS256", "RS384", "PS512"]).to_string();
            case.what.push(format!("signed with {alg}"));
        }
        _ => {}
    }
    key.token(&case.header, &case.claims, &alg)
}

/// Encoding and signature mutations of a signed token.
fn mutate_encoding(rng: &mut Rng, token: &str, other: &str) -> (String, String) {
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, sig) = (parts[0], parts[1], parts[2]);
    let signature = unb64(sig);
    let flip = |mut bytes: Vec<u8>, bit: usize| {
        let at = bit / 8 % bytes.len().max(1);
        if let Some(b) = bytes.get_mut(at) {
            *b ^= 1 << (bit % 8);
        }
        bytes
    };
    match rng.below(16) {
        0 => {
            let bit = rng.below(signature.len() * 8);
            (
                format!("{h}.{p}.{}", b64(flip(signature, bit))),
                format!("signature bit {bit} flipped"),
            )
        }
        1 => (
            format!("{h}.{p}.{}", b64(&signature[..signature.len() - 1])),
            "signature truncated".into(),
        ),
        2 => {
            let mut longer = vec![0];
            longer.extend_from_slice(&signature);
            (
                format!("{h}.{p}.{}", b64(longer)),
                "signature with a leading zero".into(),
            )
        }
        3 => (format!("{h}.{p}."), "empty signature".into()),
        4 => {
            let other_sig = other.rsplit('.').next().unwrap_or_default();
            (
                format!("{h}.{p}.{other_sig}"),
                "another token's signature".into(),
            )
        }
        5 => {
            let which = rng.below(3);
            let mut parts = [h.to_owned(), p.to_owned(), sig.to_owned()];
            parts[which].push_str(rng.pick_str(&["=", "==", "%3D"]));
            (parts.join("."), format!("part {which} padded"))
        }
        6 => {
            let which = rng.below(3);
            let mut parts = [h.to_owned(), p.to_owned(), sig.to_owned()];
            parts[which] = base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                unb64(&parts[which]),
            );
            (parts.join("."), format!("part {which} in standard base64"))
        }
        7 => {
            let which = rng.below(2);
            let part = if which == 0 { h } else { p };
            let mut bytes = part.as_bytes().to_vec();
            let at = rng.below(bytes.len().max(1));
            if let Some(b) = bytes.get_mut(at) {
                *b = *rng.pick(b"AZaz09-_+/=. ");
            }
            let part = String::from_utf8(bytes).unwrap_or_default();
            let token = if which == 0 {
                format!("{part}.{p}.{sig}")
            } else {
                format!("{h}.{part}.{sig}")
            };
            (token, format!("part {which} character {at} replaced"))
        }
        8 => (
            format!("{token}{}", rng.pick(&[".", ".x", " ", "\n", "é"])),
            "trailing text".into(),
        ),
        9 => (format!("{h}.{p}"), "two parts".into()),
        10 => (format!("{h}..{sig}"), "empty payload part".into()),
        11 => {
            // Non-canonical last character: the unused low bits set.
            let mut chars: Vec<char> = sig.chars().collect();
            if let Some(last) = chars.last_mut() {
                let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                let index = alphabet.find(*last).unwrap_or(0);
                *last = alphabet.chars().nth(index ^ 1).unwrap_or('A');
            }
            (
                format!("{h}.{p}.{}", chars.into_iter().collect::<String>()),
                "signature's last character's unused bits changed".into(),
            )
        }
        12 => (
            format!("{h}.{p}.{}", b64(vec![0u8; signature.len()])),
            "zero signature".into(),
        ),
        13 => (format!(" {token}"), "leading space".into()),
        _ => (token.to_owned(), "as signed".into()),
    }
}

// ---------------------------------------------------------------------------
// The rules, computed from the token independently of both validators.
// ---------------------------------------------------------------------------

/// A JSON object's members in order, repetitions kept.
struct Object(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    members.push((k, v));
                }
                Ok(Object(members))
            }
        }
        d.deserialize_map(V)
    }
}

impl Object {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    fn repeated(&self, name: &str) -> bool {
        self.0.iter().filter(|(n, _)| n == name).count() > 1
    }
}

fn object(part: &str) -> Option<Object> {
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What the token holds, when its three parts decode.
struct Parsed {
    header: Option<Object>,
    claims: Option<Object>,
    claims_json: Option<Value>,
}

fn parsed(token: &str) -> Option<Parsed> {
    let mut parts = token.split('.');
    let (h, p, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let payload = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).ok();
    Some(Parsed {
        header: object(h),
        claims: object(p),
        claims_json: payload.and_then(|b| serde_json::from_slice(&b).ok()),
    })
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// scopegate's reading of a NumericDate (floor for `exp`, ceil for `nbf`
/// and `iat`), saturating like `as`.
fn sg_date(v: &Value, up: bool) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64().filter(|f| f.is_finite())?;
    Some(if up { f.ceil() } else { f.floor() } as i64)
}

/// jsonwebtoken's reading: a u64, or an f64 in u64 range rounded.
fn jwt_date(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return Some(u);
    }
    if v.is_i64() {
        return None;
    }
    let f = v.as_f64()?;
    (f.is_finite() && f >= 0.0 && f < u64::MAX as f64).then(|| f.round() as u64)
}

const STRING_CLAIMS: [&str; 4] = ["sub", "jti", "client_id", "oid"];
const ACCESS_TOKEN_TYPES: [&str; 3] = ["JWT", "at+jwt", "application/at+jwt"];
const UNREAD_HEADER_MEMBERS: [&str; 11] = [
    "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "cty", "enc", "zip", "url", "nonce",
];

/// Rules under which scopegate refuses what jsonwebtoken may accept; the
/// bool says whether the rule depends on the clock.
fn stricter_rules(token: &str, audience: bool, now: i64) -> Vec<(&'static str, bool)> {
    let mut rules = Vec::new();
    if token.len() > 8 * 1024 {
        rules.push(("token larger than max_token_bytes", false));
    }
    let Some(p) = parsed(token) else {
        return rules;
    };
    if let Some(h) = &p.header {
        match h.get("typ") {
            None | Some(Value::Null) => {}
            Some(Value::String(t))
                if ACCESS_TOKEN_TYPES.iter().any(|a| a.eq_ignore_ascii_case(t)) => {}
            Some(_) => rules.push(("typ is not an access-token type", false)),
        }
        if h.get("crit").is_some_and(|c| !c.is_null()) {
            rules.push(("crit is refused", false));
        }
        if ["alg", "kid", "typ", "crit"].iter().any(|m| h.repeated(m)) {
            rules.push(("repeated JOSE header member", false));
        }
    }
    if p.claims.is_none() && p.claims_json.as_ref().is_some_and(|v| !v.is_object()) {
        rules.push(("claims set is not a JSON object", false));
    }
    let Some(c) = &p.claims else {
        return rules;
    };
    if c.get("iss").is_some_and(Value::is_array) {
        rules.push(("iss must be one string", false));
    }
    for name in STRING_CLAIMS {
        if c.get(name).is_some_and(|v| !v.is_string()) {
            rules.push(("typed claims: sub, jti, client_id, oid are strings", false));
        }
    }
    if c.get("scope").is_some_and(|v| !v.is_string())
        || c.get("scopes").is_some_and(|v| {
            !v.as_array()
                .is_some_and(|items| items.iter().all(Value::is_string))
        })
    {
        rules.push((
            "typed claims: scope is a string, scopes an array of strings",
            false,
        ));
    }
    if !audience
        && c.get("aud").is_some_and(|v| {
            !(v.is_string()
                || v.as_array()
                    .is_some_and(|items| items.iter().all(Value::is_string)))
        })
    {
        rules.push((
            "typed claims: aud is checked for type even when not for value",
            false,
        ));
    }
    if let Some(iat) = c.get("iat") {
        match sg_date(iat, true) {
            None => rules.push(("iat must be a NumericDate", false)),
            Some(iat) if now.saturating_add(LEEWAY) < iat => {
                rules.push(("iat in the future is refused", true))
            }
            Some(_) => {}
        }
    }
    if let Some(exp) = c.get("exp")
        && let (Some(sg), Some(jwt)) = (sg_date(exp, false), jwt_date(exp))
    {
        let sg_refuses = now >= sg.saturating_add(LEEWAY);
        let jwt_refuses = (jwt as i128) < i128::from(now - LEEWAY);
        if sg_refuses && !jwt_refuses {
            rules.push(("exp: the current time must be before exp + leeway", true));
        }
    }
    if let Some(nbf) = c.get("nbf")
        && let (Some(sg), Some(jwt)) = (sg_date(nbf, true), jwt_date(nbf))
    {
        let sg_refuses = now.saturating_add(LEEWAY) < sg;
        let jwt_refuses = (jwt as i128) > i128::from(now + LEEWAY);
        if sg_refuses && !jwt_refuses {
            rules.push(("nbf: a fraction rounds up", true));
        }
    }
    rules
}

/// Rules under which scopegate accepts what jsonwebtoken refuses.
fn lenient_rules(token: &str, now: i64) -> Vec<&'static str> {
    let mut rules = Vec::new();
    let Some(p) = parsed(token) else {
        return rules;
    };
    if let Some(h) = &p.header
        && UNREAD_HEADER_MEMBERS
            .iter()
            .any(|m| h.get(m).is_some() || h.repeated(m))
    {
        rules.push("header members scopegate never reads");
    }
    if let Some(c) = &p.claims {
        if ["exp", "nbf", "sub", "iss", "aud"]
            .iter()
            .any(|m| c.repeated(m))
        {
            rules.push("repeated claim: the last one counts");
        }
        for name in ["exp", "nbf"] {
            if let Some(v) = c.get(name)
                && number(v).is_some()
                && jwt_date(v).is_none()
            {
                rules.push("NumericDate outside u64 (negative, or past 2^64)");
            }
        }
        let _ = now;
    }
    rules
}

// ---------------------------------------------------------------------------

fn jsonwebtoken_accepts(
    token: &str,
    validation: &Validation,
    keys: &[(&str, &DecodingKey)],
) -> bool {
    // Key selection by `kid`, as an application using jsonwebtoken does.
    let Ok(header) = decode_header(token) else {
        return false;
    };
    let Some((_, key)) = keys
        .iter()
        .find(|(kid, _)| header.kid.as_deref() == Some(*kid))
    else {
        return false;
    };
    decode::<Value>(token, key, validation).is_ok()
}

#[derive(Default)]
struct Tally {
    comparisons: u64,
    tokens: u64,
    both_accept: u64,
    both_refuse: u64,
    stricter: BTreeMap<&'static str, u64>,
    lenient: BTreeMap<&'static str, u64>,
    failures: Vec<String>,
}

#[test]
fn scopegate_agrees_with_jsonwebtoken_or_a_documented_rule() {
    let tokens: u64 = std::env::var("SCOPEGATE_DIFF_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let start: u64 = std::env::var("SCOPEGATE_DIFF_START")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5c09_e6a7e);
    let keys = Keys {
        k1: TestKey::generate("k1"),
        k2: TestKey::generate("k2"),
        rogue: TestKey::generate("k1"),
    };
    let decoding = |k: &TestKey| {
        DecodingKey::from_rsa_components(&b64(&k.n), &b64(&k.e)).expect("decoding key")
    };
    let (d1, d2) = (decoding(&keys.k1), decoding(&keys.k2));
    let jwt_keys = [("k1", &d1), ("k2", &d2)];
    let configs = configs(&keys);
    let runtime = common::jose::runtime();
    let mut rng = Rng(start);
    let mut tally = Tally::default();
    let mut previous = String::new();
    let started = std::time::Instant::now();
    for _ in 0..tokens {
        let mut case = case(&mut rng, now());
        let signed = sign(&mut rng, &keys, &mut case);
        let variants = 1 + rng.below(4);
        for v in 0..variants {
            let (token, encoding) = if v == 0 {
                (signed.clone(), "as signed".to_owned())
            } else {
                mutate_encoding(&mut rng, &signed, &previous)
            };
            tally.tokens += 1;
            for config in &configs {
                // Both validations in one second: a token whose `exp`,
                // `nbf` or `iat` is a second from now changes its answer
                // when a second boundary falls between them, which says
                // nothing of the cache. Taken again (a few milliseconds
                // later) when one did.
                let (before, sg, again, jwt, after) = loop {
                    let before = now();
                    let sg = runtime.block_on(config.scopegate.validate(&token));
                    let again = runtime.block_on(config.scopegate.validate(&token));
                    let jwt = jsonwebtoken_accepts(&token, &config.validation, &jwt_keys);
                    let after = now();
                    if before == after {
                        break (before, sg, again, jwt, after);
                    }
                };
                tally.comparisons += 1;
                let describe = || {
                    format!(
                        "[{}] {} / {encoding}: scopegate {:?}, jsonwebtoken {}\n  header {}\n  claims {}",
                        config.name,
                        case.what.join(", "),
                        sg.as_ref().map(|_| "accepts"),
                        if jwt { "accepts" } else { "refuses" },
                        case.header,
                        case.claims.chars().take(300).collect::<String>(),
                    )
                };
                if sg.is_ok() != again.is_ok() {
                    tally.failures.push(format!(
                        "a second validation (cached) decided otherwise: {}",
                        describe()
                    ));
                }
                let audience = config.name == "audience";
                let mut stricter = stricter_rules(&token, audience, before);
                stricter.extend(stricter_rules(&token, audience, after));
                let mut lenient = lenient_rules(&token, before);
                lenient.extend(lenient_rules(&token, after));
                if sg.is_ok() && stricter.iter().any(|(_, clock)| !clock) {
                    tally.failures.push(format!(
                        "scopegate accepted despite {:?}: {}",
                        stricter.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
                        describe()
                    ));
                }
                match (sg.is_ok(), jwt) {
                    (true, true) => tally.both_accept += 1,
                    (false, false) => tally.both_refuse += 1,
                    (false, true) => match stricter.first() {
                        Some((rule, _)) => *tally.stricter.entry(rule).or_default() += 1,
                        None => tally.failures.push(format!(
                            "scopegate refuses, no rule says why: {}",
                            describe()
                        )),
                    },
                    (true, false) => match lenient.first() {
                        Some(rule) => *tally.lenient.entry(rule).or_default() += 1,
                        None => tally.failures.push(format!(
                            "scopegate accepts what jsonwebtoken refuses, no argued rule: {}",
                            describe()
                        )),
                    },
                }
            }
            if v == 0 {
                previous = token;
            }
        }
    }
    eprintln!(
        "differential: {} signed tokens, {} variants, {} comparisons in {:.1?}: {} both accept, {} both refuse",
        tokens,
        tally.tokens,
        tally.comparisons,
        started.elapsed(),
        tally.both_accept,
        tally.both_refuse
    );
    eprintln!(
        "scopegate stricter (refuses, jsonwebtoken accepts): {:#?}",
        tally.stricter
    );
    eprintln!(
        "argued leniency (accepts, jsonwebtoken refuses): {:#?}",
        tally.lenient
    );
    assert!(
        tally.both_accept > tally.comparisons / 20 && tally.both_refuse > tally.comparisons / 5,
        "the generator should produce both outcomes in numbers"
    );
    if !tally.failures.is_empty() {
        for failure in tally.failures.iter().take(15) {
            eprintln!("{failure}\n");
        }
        panic!(
            "{} unexplained decisions (first 15 above)",
            tally.failures.len()
        );
    }
}
