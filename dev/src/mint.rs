//! [`TokenBuilder`], the test kit that mints good and deliberately broken
//! tokens through the issuer's one signing path ([`jwt`](crate::jwt)).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm as JwtAlgorithm;
use serde_json::{Map, Value, json};

use crate::error::DevError;
use crate::jwt::{Signer, header, put_scopes, rsa_algorithm, sign};
use crate::keys::SigningKey;
use crate::state::State;

/// Default lifetime of a minted token.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// How far outside its validity window an [`TokenBuilder::expired`] or
/// [`TokenBuilder::not_yet_valid`] token is, in seconds: an hour, well past
/// the largest leeway the runtime's authenticator allows (5 minutes).
const OUT_OF_LEEWAY: i64 = 3600;

/// Flips the bits of the first signature byte: still base64url, no longer
/// the signature.
fn flip_signature(token: &str) -> String {
    let Some((message, signature)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(signature) else {
        return token.to_owned();
    };
    let Some(first) = bytes.first_mut() else {
        return token.to_owned();
    };
    *first ^= 0xff;
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[derive(Debug, Clone)]
enum Edit {
    Set(String, Value),
    Remove(String),
}

fn apply(map: &mut Map<String, Value>, edits: &[Edit]) {
    for edit in edits {
        match edit {
            Edit::Set(name, value) => {
                map.insert(name.clone(), value.clone());
            }
            Edit::Remove(name) => {
                map.remove(name);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    /// `lifetime` after `nbf`.
    In(Duration),
    At(i64),
    /// [`OUT_OF_LEEWAY`] ago.
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotBefore {
    /// `iat`, now by default.
    Default,
    At(i64),
    /// [`OUT_OF_LEEWAY`] from now.
    Future,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Signing {
    Normal,
    Unsigned(String),
    Hs256WithPublicKey,
    OtherKey,
}

/// Mints a token signed by the dev issuer, with chosen scopes and claims, or
/// broken on purpose. Start one with [`DevIssuer::token`](super::DevIssuer::token);
/// every method takes and returns the builder; [`mint`](Self::mint) ends it.
///
/// By default the token has the shape of the access tokens of Scalekit's
/// token endpoint:
///
/// ```json
/// {"client_id": "m2morg_…", "sub": "m2morg_…", "oid": "org_…", "scopes": [],
///  "iss": "<issuer url>", "iat": now, "nbf": now, "exp": now + 3600, "jti": "tkn_…"}
/// ```
///
/// with header `{"alg": "RS256", "kid": "<current signer>", "typ": "JWT"}`.
/// `aud` appears only when set. `client_id` and `oid` default to
/// [`DevIssuer::default_client_id`](super::DevIssuer::default_client_id) and
/// [`DevIssuer::default_org_id`](super::DevIssuer::default_org_id).
///
/// Claim edits ([`claim`](Self::claim), [`remove_claim`](Self::remove_claim))
/// apply after everything else, in the order written, so they can override
/// any default, with any JSON value. Header edits
/// ([`header`](Self::header), [`remove_header`](Self::remove_header)) work
/// the same way on the header.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use scopegate_dev::DevIssuer;
///
/// let issuer = DevIssuer::start().await?;
/// let good = issuer.token().scopes(["deploy:applications"]).mint();
/// let expired = issuer.token().expired().mint();
/// let forged = issuer.token().hs256_with_public_key().mint();
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TokenBuilder {
    state: Arc<State>,
    client_id: Option<String>,
    subject: Option<String>,
    org: Option<String>,
    issuer: Option<String>,
    audience: Option<Value>,
    scopes: Option<Vec<String>>,
    scope_string: Option<String>,
    expiry: Expiry,
    not_before: NotBefore,
    issued_at: Option<i64>,
    claims: Vec<Edit>,
    headers: Vec<Edit>,
    kid: Option<String>,
    alg: Option<String>,
    signing: Signing,
    bad_signature: bool,
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    pub(crate) fn new(state: Arc<State>) -> Self {
        TokenBuilder {
            state,
            client_id: None,
            subject: None,
            org: None,
            issuer: None,
            audience: None,
            scopes: None,
            scope_string: None,
            expiry: Expiry::In(DEFAULT_LIFETIME),
            not_before: NotBefore::Default,
            issued_at: None,
            claims: Vec::new(),
            headers: Vec::new(),
            kid: None,
            alg: None,
            signing: Signing::Normal,
            bad_signature: false,
        }
    }

    /// The granted scopes, carried as the issuer's
    /// [`ScopeClaim`](crate::ScopeClaim) says (a `scopes` array by default).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A raw `scope` claim (RFC 9068: space-separated). Unless
    /// [`scopes`](Self::scopes) is also called, the token then has no
    /// `scopes` array.
    pub fn scope_string(mut self, scope: impl Into<String>) -> Self {
        self.scope_string = Some(scope.into());
        self
    }

    /// Sets claim `name` to `value` (any JSON, wrong types included),
    /// overriding every default and setter.
    pub fn claim(mut self, name: impl Into<String>, value: Value) -> Self {
        self.claims.push(Edit::Set(name.into(), value));
        self
    }

    /// Leaves claim `name` out.
    pub fn remove_claim(mut self, name: impl Into<String>) -> Self {
        self.claims.push(Edit::Remove(name.into()));
        self
    }

    /// `sub` (default: the `client_id`).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// `client_id` (and `sub`, unless [`subject`](Self::subject) is set).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// `oid`, the organization.
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = Some(org.into());
        self
    }

    /// `aud` as a single string.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(Value::String(audience.into()));
        self
    }

    /// `aud` as an array.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<String> = audiences.into_iter().map(Into::into).collect();
        self.audience = Some(json!(list));
        self
    }

    /// `iss` (default: the issuer's URL).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// `exp` = now + `lifetime` (default one hour; for a
    /// [`not_yet_valid`](Self::not_yet_valid) token, `nbf` + `lifetime`).
    ///
    /// A verifier tolerates clock skew: it accepts a token until `exp` plus
    /// its leeway (30 s by default for the runtime's authenticator, at most 5
    /// minutes). So a short lifetime is *not* an expired token:
    /// `expires_in(Duration::ZERO)` is still accepted by
    /// `issuer.authenticator().build()` for the next 30 s. To test how
    /// expired tokens are refused, use [`expired`](Self::expired).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expiry = Expiry::In(lifetime);
        self
    }

    /// `exp` at this Unix time. Like [`expires_in`](Self::expires_in), a time
    /// less than the verifier's leeway in the past is still accepted.
    pub fn expires_at(mut self, exp: i64) -> Self {
        self.expiry = Expiry::At(exp);
        self
    }

    /// An expired token, refused under any leeway the runtime allows: `exp`
    /// an hour ago (`iat` and `nbf`, unless set, an hour before that).
    /// Overrides [`expires_in`](Self::expires_in) and
    /// [`expires_at`](Self::expires_at) called before it, and is overridden
    /// by them called after.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use scopegate_dev::DevIssuer;
    ///
    /// let issuer = DevIssuer::start().await?;
    /// let auth = issuer.authenticator().build()?;
    /// let token = issuer.token().scopes(["deploy:applications"]).expired().mint();
    /// assert!(auth.validate(&token).await.is_err());
    /// # Ok(()) }
    /// ```
    pub fn expired(mut self) -> Self {
        self.expiry = Expiry::Expired;
        self
    }

    /// `nbf` at this Unix time (default: now; for an
    /// [`expired`](Self::expired) token, an hour before its `exp`).
    pub fn not_before(mut self, nbf: i64) -> Self {
        self.not_before = NotBefore::At(nbf);
        self
    }

    /// A token not valid yet, refused under any leeway the runtime allows:
    /// `nbf` an hour from now, `exp` its lifetime after that (unless set
    /// with [`expires_at`](Self::expires_at)); `iat` stays now. Overrides
    /// [`not_before`](Self::not_before) called before it, and is overridden
    /// by it called after.
    pub fn not_yet_valid(mut self) -> Self {
        self.not_before = NotBefore::Future;
        self
    }

    /// `iat` at this Unix time (default: now; for an
    /// [`expired`](Self::expired) token, an hour before its `exp`).
    pub fn issued_at(mut self, iat: i64) -> Self {
        self.issued_at = Some(iat);
        self
    }

    /// The header `kid`. If it names a key the issuer holds (published,
    /// extra, or rotated out), the token is signed with that key; otherwise
    /// with the current signer, under this foreign `kid`.
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets header member `name` to `value` (`jku`, `jwk`, `x5u`, `crit`,
    /// `typ`, ... or `alg`/`kid` themselves), after every other header
    /// setting.
    pub fn header(mut self, name: impl Into<String>, value: Value) -> Self {
        self.headers.push(Edit::Set(name.into(), value));
        self
    }

    /// Leaves header member `name` out (e.g. `typ`).
    pub fn remove_header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(Edit::Remove(name.into()));
        self
    }

    /// The raw header `alg`. For an RSA algorithm (RS256/384/512,
    /// PS256/384/512) the token is signed accordingly; for any other name it
    /// is signed with RS256 under that name.
    pub fn alg(mut self, alg: impl Into<String>) -> Self {
        self.alg = Some(alg.into());
        self
    }

    /// An unsigned token: header `alg` spelled `alg` (`none`, `None`,
    /// `NONE`, `nOnE`, ...) and an empty signature part.
    pub fn unsigned(mut self, alg: impl Into<String>) -> Self {
        self.signing = Signing::Unsigned(alg.into());
        self
    }

    /// The algorithm-confusion attack: header `alg: HS256` (and the signer's
    /// `kid`), the signature an HMAC-SHA256 keyed with the signing key's
    /// *public* key, as PKCS#1 `RSAPublicKey` DER bytes. A validator that
    /// lets the header pick the algorithm would accept it.
    pub fn hs256_with_public_key(mut self) -> Self {
        self.signing = Signing::Hs256WithPublicKey;
        self
    }

    /// Keeps the header `kid` of the signer but signs with a fresh RSA key
    /// the issuer never published.
    pub fn signed_with_other_key(mut self) -> Self {
        self.signing = Signing::OtherKey;
        self
    }

    /// A well-formed token whose signature bytes are altered.
    pub fn bad_signature(mut self) -> Self {
        self.bad_signature = true;
        self
    }

    /// The claims the token will carry (each call draws a new `jti`).
    pub fn payload(&self) -> Map<String, Value> {
        let now = scopegate_wire::clock::unix_now();
        let state = &self.state;
        let client_id = self
            .client_id
            .clone()
            .unwrap_or_else(|| state.default_client_id().to_owned());
        let mut claims = Map::new();
        claims.insert("client_id".into(), json!(client_id));
        claims.insert(
            "sub".into(),
            json!(self.subject.clone().unwrap_or(client_id)),
        );
        let org = self
            .org
            .clone()
            .unwrap_or_else(|| state.default_org_id().to_owned());
        claims.insert("oid".into(), json!(org));
        match (&self.scopes, &self.scope_string) {
            (Some(scopes), _) => put_scopes(&mut claims, scopes, state.scope_claim()),
            (None, Some(_)) => {}
            (None, None) => put_scopes(&mut claims, &[], state.scope_claim()),
        }
        if let Some(scope) = &self.scope_string {
            claims.insert("scope".into(), json!(scope));
        }
        claims.insert(
            "iss".into(),
            json!(
                self.issuer
                    .clone()
                    .unwrap_or_else(|| state.url().to_owned())
            ),
        );
        if let Some(aud) = &self.audience {
            claims.insert("aud".into(), aud.clone());
        }
        let lifetime = |duration: Duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        // An expired token was issued, and became valid, a default lifetime
        // before it expired.
        let issued = match self.expiry {
            Expiry::Expired => now
                .saturating_sub(OUT_OF_LEEWAY)
                .saturating_sub(lifetime(DEFAULT_LIFETIME)),
            Expiry::In(_) | Expiry::At(_) => now,
        };
        let iat = self.issued_at.unwrap_or(issued);
        let nbf = match self.not_before {
            NotBefore::Default => issued,
            NotBefore::At(nbf) => nbf,
            NotBefore::Future => now.saturating_add(OUT_OF_LEEWAY),
        };
        claims.insert("iat".into(), json!(iat));
        claims.insert("nbf".into(), json!(nbf));
        let exp = match self.expiry {
            Expiry::At(exp) => exp,
            Expiry::Expired => now.saturating_sub(OUT_OF_LEEWAY),
            Expiry::In(duration) => match self.not_before {
                NotBefore::Future => nbf.saturating_add(lifetime(duration)),
                NotBefore::Default | NotBefore::At(_) => now.saturating_add(lifetime(duration)),
            },
        };
        claims.insert("exp".into(), json!(exp));
        claims.insert("jti".into(), json!(state.next_id("tkn_")));
        apply(&mut claims, &self.claims);
        claims
    }

    /// Signs and returns the compact token, or says why it could not.
    pub fn try_mint(&self) -> Result<String, DevError> {
        let claims = self.payload();
        let signer = self.state.signer();
        // The key named by `kid`, if the issuer holds it; else the signer.
        let key = self
            .kid
            .as_deref()
            .and_then(|kid| self.state.find_key(kid))
            .unwrap_or_else(|| Arc::clone(&signer));
        let kid = self.kid.clone().unwrap_or_else(|| key.kid().to_owned());
        let alg = match &self.signing {
            Signing::Unsigned(spelling) => spelling.clone(),
            Signing::Hs256WithPublicKey => "HS256".to_owned(),
            Signing::Normal | Signing::OtherKey => {
                self.alg.clone().unwrap_or_else(|| "RS256".to_owned())
            }
        };
        let mut header = header(&alg, &kid);
        apply(&mut header, &self.headers);
        // The signing algorithm follows the final header `alg`, so that
        // `.header("alg", ..)` and `.alg(..)` agree.
        let rsa_alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(rsa_algorithm)
            .unwrap_or(JwtAlgorithm::RS256);
        let token = match &self.signing {
            Signing::Normal => sign(&header, &claims, &Signer::Rsa(&key, rsa_alg))?,
            Signing::Unsigned(_) => sign(&header, &claims, &Signer::Unsigned)?,
            Signing::Hs256WithPublicKey => {
                sign(&header, &claims, &Signer::Hs256(key.public_pkcs1()))?
            }
            Signing::OtherKey => {
                let other = SigningKey::generate(kid)?;
                sign(&header, &claims, &Signer::Rsa(&other, rsa_alg))?
            }
        };
        Ok(if self.bad_signature {
            flip_signature(&token)
        } else {
            token
        })
    }

    /// Signs and returns the compact token.
    ///
    /// # Panics
    ///
    /// If the issuer cannot sign (a failure of the system's cryptography,
    /// not of anything the builder was given). Use
    /// [`try_mint`](Self::try_mint) to get the error instead.
    pub fn mint(&self) -> String {
        match self.try_mint() {
            Ok(token) => token,
            Err(error) => panic!("the scopegate dev issuer could not mint a token: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScopeClaim;

    fn state(style: ScopeClaim) -> Arc<State> {
        Arc::new(State::new("http://127.0.0.1:1".into(), style, None).unwrap())
    }

    fn decode(token: &str) -> (Value, Value, String) {
        let mut parts = token.split('.');
        let mut next = || parts.next().unwrap_or_default().to_owned();
        let (h, p, s) = (next(), next(), next());
        let json = |part: &str| {
            serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        (json(&h), json(&p), s)
    }

    /// Verifies `token` with the runtime's own code against the issuer's
    /// published keys.
    /// Whether `token`'s signature verifies under the key its `kid` names
    /// among the published ones, with the algorithm that key is published
    /// for (RS256): the signature alone, claims unchecked.
    fn verifies(state: &State, token: &str) -> bool {
        let Some((message, signature)) = token.rsplit_once('.') else {
            return false;
        };
        let (header, _, _) = decode(token);
        let jwks = state.jwks();
        let Some(jwk) = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["kid"] == header["kid"])
        else {
            return false;
        };
        if header["alg"] != jwk["alg"] || jwk["alg"] != "RS256" {
            return false;
        }
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        rsa_components(jwk)
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                message.as_bytes(),
                &signature,
            )
            .is_ok()
    }

    fn rsa_components(jwk: &Value) -> aws_lc_rs::signature::RsaPublicKeyComponents<Vec<u8>> {
        let part = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
        aws_lc_rs::signature::RsaPublicKeyComponents {
            n: part("n"),
            e: part("e"),
        }
    }

    #[test]
    fn defaults_have_scalekits_shape() {
        let state = state(ScopeClaim::Array);
        let token = TokenBuilder::new(Arc::clone(&state))
            .scopes(["deploy:applications"])
            .mint();
        let (header, claims, _) = decode(&token);
        assert_eq!(
            header,
            json!({"alg": "RS256", "kid": state.signer().kid(), "typ": "JWT"})
        );
        assert_eq!(claims["client_id"], claims["sub"]);
        assert!(claims["client_id"].as_str().unwrap().starts_with("m2morg_"));
        assert!(claims["oid"].as_str().unwrap().starts_with("org_"));
        assert!(claims["jti"].as_str().unwrap().starts_with("tkn_"));
        assert_eq!(claims["scopes"], json!(["deploy:applications"]));
        assert_eq!(claims["iss"], "http://127.0.0.1:1");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            3600
        );
        assert_eq!(claims["nbf"], claims["iat"]);
        assert!(claims.get("aud").is_none() && claims.get("scope").is_none());
        assert!(verifies(&state, &token));
        let (_, again, _) = decode(&TokenBuilder::new(Arc::clone(&state)).mint());
        assert_ne!(claims["jti"], again["jti"], "jti is unique");
        assert_eq!(again["scopes"], json!([]));
    }

    #[test]
    fn scope_claim_style_is_followed() {
        let scopes = ["a:b", "c:d"];
        let (_, c, _) = decode(
            &TokenBuilder::new(state(ScopeClaim::String))
                .scopes(scopes)
                .mint(),
        );
        assert_eq!(
            (c["scope"].clone(), c.get("scopes")),
            (json!("a:b c:d"), None)
        );
        let (_, c, _) = decode(
            &TokenBuilder::new(state(ScopeClaim::Both))
                .scopes(scopes)
                .mint(),
        );
        assert_eq!(
            (c["scope"].clone(), c["scopes"].clone()),
            (json!("a:b c:d"), json!(scopes))
        );
        let (_, c, _) = decode(
            &TokenBuilder::new(state(ScopeClaim::Array))
                .scope_string("openid x:y")
                .mint(),
        );
        assert_eq!(
            (c["scope"].clone(), c.get("scopes")),
            (json!("openid x:y"), None)
        );
    }

    #[test]
    fn claim_edits_apply_last_in_order() {
        let state = state(ScopeClaim::Array);
        let token = TokenBuilder::new(state)
            .subject("someone")
            .claim("sub", json!(5))
            .claim("exp", json!("tomorrow"))
            .remove_claim("oid")
            .claim("extra", json!({"a": 1}))
            .remove_claim("extra")
            .audiences(["x", "y"])
            .mint();
        let (_, c, _) = decode(&token);
        assert_eq!(c["sub"], 5);
        assert_eq!(c["exp"], "tomorrow");
        assert_eq!(c["aud"], json!(["x", "y"]));
        assert!(c.get("oid").is_none() && c.get("extra").is_none());
    }

    #[test]
    fn broken_tokens_are_broken_the_way_asked() {
        let state = state(ScopeClaim::Array);
        let kid = state.signer().kid().to_owned();
        let t = || TokenBuilder::new(Arc::clone(&state));

        let token = t().unsigned("nOnE").mint();
        let (h, _, sig) = decode(&token);
        assert_eq!((h["alg"].as_str(), sig.as_str()), (Some("nOnE"), ""));
        assert!(token.ends_with('.'));

        let token = t().bad_signature().mint();
        assert!(!verifies(&state, &token));
        assert_eq!(token.len(), t().mint().len());

        let token = t().signed_with_other_key().mint();
        assert_eq!(decode(&token).0["kid"], json!(kid));
        assert!(!verifies(&state, &token));

        let token = t().alg("RS384").mint();
        assert_eq!(decode(&token).0["alg"], "RS384");
        assert!(
            !verifies(&state, &token),
            "the JWK is published for RS256 only"
        );
        let (message, signature) = token.rsplit_once('.').unwrap();
        let key = state.signer();
        assert!(
            rsa_components(&key.jwk())
                .verify(
                    &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA384,
                    message.as_bytes(),
                    &URL_SAFE_NO_PAD.decode(signature).unwrap()
                )
                .is_ok()
        );

        let token = t().hs256_with_public_key().mint();
        let (h, _, _) = decode(&token);
        assert_eq!(
            (h["alg"].as_str(), h["kid"].as_str()),
            (Some("HS256"), Some(kid.as_str()))
        );
        let (message, signature) = token.rsplit_once('.').unwrap();
        let mac = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.public_pkcs1());
        assert!(
            aws_lc_rs::hmac::verify(
                &mac,
                message.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap()
            )
            .is_ok()
        );

        let token = t()
            .header("crit", json!(["exp"]))
            .header("kid", Value::Null)
            .remove_header("typ")
            .mint();
        assert_eq!(
            decode(&token).0,
            json!({"alg": "RS256", "kid": null, "crit": ["exp"]})
        );
    }

    #[test]
    fn a_known_kid_picks_its_key_and_a_foreign_one_is_only_a_label() {
        let state = state(ScopeClaim::Array);
        let extra = state.publish_extra_key().unwrap();
        let token = TokenBuilder::new(Arc::clone(&state)).kid(&extra).mint();
        assert_eq!(decode(&token).0["kid"], json!(extra));
        assert!(verifies(&state, &token));
        let token = TokenBuilder::new(Arc::clone(&state)).kid("nobody").mint();
        assert_eq!(decode(&token).0["kid"], "nobody");
        assert!(!verifies(&state, &token));
    }

    #[test]
    fn expired_and_not_yet_valid_are_outside_any_leeway() {
        let state = state(ScopeClaim::Array);
        let t = || TokenBuilder::new(Arc::clone(&state));
        let max_leeway = 300;
        let now = scopegate_wire::clock::unix_now();
        let claims = t().expired().payload();
        let exp = claims["exp"].as_i64().unwrap();
        assert!(exp + max_leeway < now - 60, "{exp} vs {now}");
        assert!(claims["iat"].as_i64().unwrap() < exp);
        assert_eq!(claims["nbf"], claims["iat"]);
        let claims = t().not_yet_valid().payload();
        let nbf = claims["nbf"].as_i64().unwrap();
        assert!(nbf - max_leeway > now + 60, "{nbf} vs {now}");
        assert_eq!(claims["exp"].as_i64().unwrap(), nbf + 3600);
        assert!(claims["iat"].as_i64().unwrap() <= now + 1);
        // The last call wins.
        let claims = t().expired().expires_in(Duration::from_secs(60)).payload();
        assert!(claims["exp"].as_i64().unwrap() >= now + 60);
        let claims = t().not_yet_valid().not_before(5).payload();
        assert_eq!(claims["nbf"], 5);
        let claims = t().expired().issued_at(7).payload();
        let exp = claims["exp"].as_i64().unwrap();
        assert_eq!(
            (claims["iat"].as_i64(), claims["nbf"].as_i64()),
            (Some(7), Some(exp - 3600))
        );
    }
}
