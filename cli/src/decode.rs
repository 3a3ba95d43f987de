//! `scopegate decode`: a token's header and claims, unverified.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Args;
use serde_json::{Map, Value};

use crate::exit::{Failure, OK};
use crate::input;

/// The banner printed above every decoded token.
pub(crate) const UNVERIFIED: &str = "NOT VERIFIED: decoded only. The signature, issuer, audience and expiry \
were not checked; use `scopegate check` to verify.";

// The arguments of the subcommand (its help is on `Command`).
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// The token (a JWT), or `-` to read it from stdin
    token: String,
    /// Print {"verified": false, "header": ..., "claims": ...} as JSON
    #[arg(long)]
    json: bool,
}

/// The decoded, unverified parts of a JWT.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

/// Splits and decodes a compact JWS; says in words what is wrong otherwise.
pub(crate) fn decode(token: &str) -> Result<Decoded, String> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => {
            return Err(
                "this is an encrypted token (JWE, five parts): its claims cannot be read without the key"
                    .into(),
            );
        }
        n => {
            return Err(format!(
                "this is not a JWT: it has {n} dot-separated part(s), a JWT has three (header.payload.signature)"
            ));
        }
    }
    let header = part(parts[0], "header")?;
    let claims = part(parts[1], "payload")?;
    Ok(Decoded { header, claims })
}

fn part(text: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| format!("the {what} is not base64url"))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(format!("the {what} is not a JSON object")),
    }
}

pub(crate) async fn run(args: DecodeArgs) -> Result<u8, Failure> {
    let token = input::token(&args.token)?;
    let decoded = decode(&token).map_err(Failure::usage)?;
    if args.json {
        let body = serde_json::json!({
            "verified": false,
            "header": decoded.header,
            "claims": decoded.claims,
        });
        println!("{body:#}");
        return Ok(OK);
    }
    println!("{UNVERIFIED}");
    println!();
    println!("header:");
    println!("{:#}", Value::Object(decoded.header.clone()));
    println!("claims:");
    println!("{:#}", Value::Object(decoded.claims.clone()));
    let times = times(&decoded.claims);
    if !times.is_empty() {
        println!("times:");
        for line in times {
            println!("  {line}");
        }
    }
    Ok(OK)
}

/// `iat`, `nbf` and `exp` relative to now.
pub(crate) fn times(claims: &Map<String, Value>) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, label) in [("iat", "issued"), ("nbf", "valid from"), ("exp", "expires")] {
        if let Some(at) = claims.get(name).and_then(Value::as_i64) {
            let when = input::relative(at);
            let verb = if name == "exp" && at <= input::now() {
                "expired"
            } else {
                label
            };
            lines.push(format!("{name}  {at}  ({verb} {when})"));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_is_wrong() {
        assert!(decode("abc").unwrap_err().contains("1 dot-separated part"));
        assert!(decode("a.b.c.d.e").unwrap_err().contains("encrypted"));
        assert!(
            decode("!!.e30.x")
                .unwrap_err()
                .contains("header is not base64url")
        );
        assert!(
            decode("e30.bnVsbA.x")
                .unwrap_err()
                .contains("payload is not a JSON object")
        );
        let decoded = decode("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig").unwrap();
        assert_eq!(decoded.header["alg"], "RS256");
        assert_eq!(decoded.claims["sub"], "x");
    }
}
