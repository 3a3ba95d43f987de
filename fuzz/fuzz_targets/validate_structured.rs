//! The whole validate path, structure-aware: an `Arbitrary` description of
//! a header and claims (from a valid token's members, overridden, repeated,
//! retyped; or from scratch), signed with the fixed key under a chosen
//! algorithm (or not signed), then re-encoded in a chosen way. Reaches the
//! claim rules behind a good signature, which raw bytes almost never do.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

mod kit;

#[derive(Arbitrary, Debug)]
enum Known {
    Issuer,
    Audience,
    Kid,
    Rs256,
    Ps256,
    None,
    AtJwt,
    Jwt,
    Scope,
}

#[derive(Arbitrary, Debug)]
enum Leaf {
    Null,
    Bool(bool),
    Int(i64),
    NowPlus(i16),
    Float(f64),
    Str(String),
    Known(Known),
}

#[derive(Arbitrary, Debug)]
enum Json {
    Leaf(Leaf),
    Array(Vec<Leaf>),
    Object(Vec<(String, Leaf)>),
}

#[derive(Arbitrary, Debug)]
enum Name {
    Alg,
    Kid,
    Typ,
    Crit,
    Jwk,
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
    Scope,
    Scopes,
    ClientId,
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Member {
    name: Name,
    value: Json,
    /// Appended as a repetition instead of replacing.
    repeat: bool,
}

#[derive(Arbitrary, Debug)]
enum Signing {
    AsHeaderSays,
    With(u8),
    Garbage(Vec<u8>),
    Empty,
}

#[derive(Arbitrary, Debug)]
enum Encoding {
    Plain,
    FlipSignatureBit(u16),
    Truncate(u8),
    Pad(u8),
    StandardAlphabet(u8),
    Append(String),
    DropPart(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    from_valid: bool,
    header: Vec<Member>,
    claims: Vec<Member>,
    signing: Signing,
    encoding: Encoding,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn leaf(leaf: &Leaf) -> serde_json::Value {
    use serde_json::json;
    match leaf {
        Leaf::Null => json!(null),
        Leaf::Bool(b) => json!(b),
        Leaf::Int(i) => json!(i),
        Leaf::NowPlus(d) => json!(now() + i64::from(*d)),
        Leaf::Float(f) => json!(f),
        Leaf::Str(s) => json!(s),
        Leaf::Known(k) => json!(match k {
            Known::Issuer => kit::ISSUER,
            Known::Audience => kit::AUDIENCE,
            Known::Kid => kit::KID,
            Known::Rs256 => "RS256",
            Known::Ps256 => "PS256",
            Known::None => "none",
            Known::AtJwt => "at+jwt",
            Known::Jwt => "JWT",
            Known::Scope => "read:deployments deploy:applications",
        }),
    }
}

fn value(json: &Json) -> String {
    let v = match json {
        Json::Leaf(l) => leaf(l),
        Json::Array(items) => serde_json::Value::Array(items.iter().map(leaf).collect()),
        Json::Object(members) => {
            serde_json::Value::Object(members.iter().map(|(k, l)| (k.clone(), leaf(l))).collect())
        }
    };
    v.to_string()
}

fn name(name: &Name) -> String {
    match name {
        Name::Alg => "alg",
        Name::Kid => "kid",
        Name::Typ => "typ",
        Name::Crit => "crit",
        Name::Jwk => "jwk",
        Name::Iss => "iss",
        Name::Sub => "sub",
        Name::Aud => "aud",
        Name::Exp => "exp",
        Name::Nbf => "nbf",
        Name::Iat => "iat",
        Name::Jti => "jti",
        Name::Scope => "scope",
        Name::Scopes => "scopes",
        Name::ClientId => "client_id",
        Name::Other(s) => s,
    }
    .to_owned()
}

fn render(base: Vec<(String, String)>, members: &[Member]) -> String {
    let mut out = base;
    for m in members {
        let (n, v) = (name(&m.name), value(&m.value));
        match out.iter_mut().find(|(k, _)| *k == n) {
            Some(slot) if !m.repeat => slot.1 = v,
            _ => out.push((n, v)),
        }
    }
    let body: Vec<String> = out
        .iter()
        .map(|(n, v)| format!("{}:{v}", serde_json::Value::from(n.as_str())))
        .collect();
    format!("{{{}}}", body.join(","))
}

fuzz_target!(|input: Input| {
    let kit = kit::kit();
    let now = now();
    let s = |v: &str| serde_json::Value::from(v).to_string();
    let (header_base, claims_base) = if input.from_valid {
        (
            vec![
                ("alg".to_owned(), s("RS256")),
                ("kid".to_owned(), s(kit::KID)),
                ("typ".to_owned(), s("at+jwt")),
            ],
            vec![
                ("iss".to_owned(), s(kit::ISSUER)),
                ("aud".to_owned(), s(kit::AUDIENCE)),
                ("sub".to_owned(), s("m2m")),
                ("exp".to_owned(), (now + 600).to_string()),
                ("nbf".to_owned(), (now - 5).to_string()),
                ("iat".to_owned(), (now - 5).to_string()),
                ("scope".to_owned(), s("read:deployments")),
            ],
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let header = render(header_base, &input.header);
    let claims = render(claims_base, &input.claims);
    let signing_input = format!("{}.{}", kit::b64(&header), kit::b64(&claims));
    let header_alg = serde_json::from_str::<serde_json::Value>(&header)
        .ok()
        .and_then(|h| h.get("alg").and_then(|a| a.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let signature = match &input.signing {
        Signing::AsHeaderSays => kit.sign(&header_alg, signing_input.as_bytes()),
        Signing::With(which) => {
            let alg =
                ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"][usize::from(*which) % 6];
            kit.sign(alg, signing_input.as_bytes())
        }
        Signing::Garbage(bytes) => bytes.clone(),
        Signing::Empty => Vec::new(),
    };
    let mut parts = [kit::b64(&header), kit::b64(&claims), kit::b64(&signature)];
    let token = match &input.encoding {
        Encoding::Plain => parts.join("."),
        Encoding::FlipSignatureBit(bit) => {
            let mut sig = signature.clone();
            if !sig.is_empty() {
                let at = usize::from(*bit) / 8 % sig.len();
                sig[at] ^= 1 << (bit % 8);
            }
            parts[2] = kit::b64(&sig);
            parts.join(".")
        }
        Encoding::Truncate(n) => {
            let token = parts.join(".");
            let keep = token.len().saturating_sub(usize::from(*n));
            token.get(..keep).unwrap_or_default().to_owned()
        }
        Encoding::Pad(which) => {
            parts[usize::from(*which) % 3].push('=');
            parts.join(".")
        }
        Encoding::StandardAlphabet(which) => {
            let i = usize::from(*which) % 3;
            parts[i] = parts[i].replace('-', "+").replace('_', "/");
            parts.join(".")
        }
        Encoding::Append(text) => parts.join(".") + text,
        Encoding::DropPart(which) => {
            let mut kept: Vec<&str> = parts.iter().map(String::as_str).collect();
            kept.remove(usize::from(*which) % 3);
            kept.join(".")
        }
    };
    kit.check(&token);
});
