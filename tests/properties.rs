//! Property tests (proptest) of the rules that decide access:
//!
//! * [`Requirement`] evaluation against a brute-force model (the family of
//!   all satisfying subsets, computed bottom-up as bit sets), over random
//!   trees (empty groups included) and random grants;
//! * the `insufficient_scope` hint: together with what was granted, it
//!   always satisfies a satisfiable requirement, and names only scopes of
//!   the requirement;
//! * the scope grammar against an independent character-by-character model
//!   of the documented grammar, and every consumer of the grammar (the
//!   macro's check is `scopegate_grammar::parse_scope` itself; the runtime
//!   re-export, the dev issuer's client registration) agreeing with it;
//! * the verified-token cache: never one token's claims for another, with
//!   tokens built to share length and signature tail with a cached one.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::Config;
use scopegate::dev::{DevIssuer, NewOrganizationClient};
use scopegate::{AuthError, Authenticator, grammar, policy::Requirement};
use serde_json::json;

use common::jose::{TestKey, b64};

// ---------------------------------------------------------------------------
// Requirement trees
// ---------------------------------------------------------------------------

/// The scopes the trees are built from; a grant is a subset of them (as a
/// bit set) plus scopes that are near misses of them.
const UNIVERSE: [&str; 5] = ["a:read", "a:write", "b:read", "b.c:x-y", "d:e_1"];
const NEAR_MISSES: [&str; 5] = ["a:rea", "A:READ", "a:read ", "b:*", ""];

/// A requirement as data, turned into a `Requirement` (whose branches are
/// `&'static`, so the test leaks them: a few KB per case).
#[derive(Debug, Clone)]
enum Tree {
    Scope(usize),
    All(Vec<Tree>),
    Any(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0..UNIVERSE.len()).prop_map(Tree::Scope);
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::All),
            prop::collection::vec(inner, 0..4).prop_map(Tree::Any),
        ]
    })
}

fn leak(tree: &Tree) -> Requirement {
    match tree {
        Tree::Scope(i) => Requirement::Scope(UNIVERSE[*i]),
        Tree::All(branches) => {
            Requirement::All(Box::leak(branches.iter().map(leak).collect::<Box<[_]>>()))
        }
        Tree::Any(branches) => {
            Requirement::Any(Box::leak(branches.iter().map(leak).collect::<Box<[_]>>()))
        }
    }
}

/// The brute-force model: bit `s` of the result is set when the subset `s`
/// of [`UNIVERSE`] (bit `i` of `s`: `UNIVERSE[i]` granted) satisfies the
/// tree. `All` intersects its branches' families, `Any` unites them.
fn satisfying_subsets(tree: &Tree) -> u32 {
    const EVERY: u32 = u32::MAX; // 2^5 = 32 subsets
    match tree {
        Tree::Scope(i) => (0..32u32)
            .filter(|s| s & (1 << i) != 0)
            .fold(0, |family, s| family | (1 << s)),
        Tree::All(branches) => branches
            .iter()
            .fold(EVERY, |family, b| family & satisfying_subsets(b)),
        Tree::Any(branches) => branches
            .iter()
            .fold(0, |family, b| family | satisfying_subsets(b)),
    }
}

fn subset_of(scopes: &[&str]) -> u32 {
    UNIVERSE
        .iter()
        .enumerate()
        .filter(|(_, u)| scopes.contains(u))
        .fold(0, |s, (i, _)| s | (1 << i))
}

fn grant() -> impl Strategy<Value = Vec<&'static str>> {
    (
        0..32u32,
        prop::collection::vec(prop::sample::select(&NEAR_MISSES[..]), 0..3),
        any::<bool>(),
    )
        .prop_map(|(bits, near, repeat)| {
            let mut granted: Vec<&str> = UNIVERSE
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, s)| *s)
                .collect();
            if repeat && let Some(first) = granted.first().copied() {
                granted.push(first);
            }
            granted.extend(near);
            granted
        })
}

proptest! {
    #![proptest_config(Config::with_cases(4_000))]

    #[test]
    fn requirements_evaluate_like_the_brute_force_model(tree in tree(), granted in grant()) {
        let requirement = leak(&tree);
        let family = satisfying_subsets(&tree);
        let expected = family & (1 << subset_of(&granted)) != 0;
        prop_assert_eq!(
            requirement.is_satisfied_by(&granted),
            expected,
            "{} with {:?}",
            requirement,
            granted
        );
    }

    #[test]
    fn the_insufficient_scope_hint_always_suffices(tree in tree(), granted in grant()) {
        let requirement = leak(&tree);
        let hint = requirement.scopes_to_request(&granted);
        let mut named = Vec::new();
        requirement.for_each_scope(&mut |s| named.push(s));
        for scope in &hint {
            prop_assert!(named.contains(scope), "{} hints {} it does not name", requirement, scope);
        }
        let mut distinct = hint.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(distinct.len(), hint.len(), "the hint repeats a scope: {:?}", hint);
        if satisfying_subsets(&tree) != 0 {
            let mut with_hint = granted.clone();
            with_hint.extend(hint.iter().copied());
            prop_assert!(
                requirement.is_satisfied_by(&with_hint),
                "{} with {:?}: hint {:?} does not satisfy it",
                requirement, granted, hint
            );
            // The hint alone names a set that satisfies it too (a client
            // asks the issuer for a token with exactly these scopes).
            prop_assert!(requirement.is_satisfied_by(&hint), "{} hint {:?}", requirement, hint);
        }
    }
}

/// Regression (found by `the_insufficient_scope_hint_always_suffices`): an
/// `Any` whose cheapest-looking branch could never be satisfied (an empty
/// `Any`, which asks nothing and is satisfied by no one) was picked for
/// the hint, which then named nothing.
#[test]
fn the_hint_skips_branches_no_one_can_satisfy() {
    const REQ: Requirement = Requirement::Any(&[
        Requirement::Any(&[]),
        Requirement::Scope("read:deployments"),
    ]);
    assert_eq!(REQ.scopes_to_request::<&str>(&[]), ["read:deployments"]);
    const NESTED: Requirement = Requirement::All(&[
        Requirement::Scope("deploy:applications"),
        Requirement::Any(&[
            Requirement::All(&[Requirement::Scope("admin:x"), Requirement::Any(&[])]),
            Requirement::Scope("admin:y"),
        ]),
    ]);
    assert_eq!(
        NESTED.scopes_to_request(&["admin:x"]),
        ["deploy:applications", "admin:y"]
    );
}

// ---------------------------------------------------------------------------
// The scope grammar
// ---------------------------------------------------------------------------

/// The documented grammar, read character by character: exactly one `:`
/// between two segments; a segment is 1 to 64 characters, a lowercase ASCII
/// letter and then lowercase ASCII letters, digits, `_`, `-`, `.`.
// The model spells the ranges out as the documentation does, rather than
// calling the std helpers the parser might use.
#[allow(clippy::manual_is_ascii_check)]
fn model_is_scope(text: &str) -> bool {
    fn segment(s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() || chars.len() > 64 {
            return false;
        }
        let lower = |c: char| ('a'..='z').contains(&c);
        let digit = |c: char| ('0'..='9').contains(&c);
        lower(chars[0])
            && chars[1..]
                .iter()
                .all(|&c| lower(c) || digit(c) || c == '_' || c == '-' || c == '.')
    }
    let pieces: Vec<&str> = text.split(':').collect();
    pieces.len() == 2 && segment(pieces[0]) && segment(pieces[1])
}

/// Strings around the grammar: its own characters, its near misses
/// (uppercase, whitespace of several kinds, `*`, `/`, non-ASCII letters and
/// digits), and segment lengths around the 64 limit.
fn scope_text() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        'a', 'z', 'q', '0', '9', '_', '-', '.', ':', 'A', 'Z', ' ', '\t', '\n', '\u{a0}',
        '\u{3000}', '*', '/', '+', '\'', '"', 'é', 'ß', '٣', 'ａ', '\0', '\u{200b}',
    ]);
    let free = prop::collection::vec(chars.clone(), 0..12).prop_map(String::from_iter);
    let segment = (
        prop::sample::select(vec!['a', 'm', 'z', '0', '_', '.', 'A', 'é']),
        prop::sample::select(vec![0usize, 1, 2, 31, 62, 63, 64, 65, 80]),
        prop::collection::vec(chars, 0..3),
    )
        .prop_map(|(first, len, noise)| {
            let mut s = String::new();
            s.push(first);
            s.extend(std::iter::repeat_n('x', len));
            s.extend(noise);
            s
        });
    prop_oneof![
        free,
        (segment.clone(), segment.clone()).prop_map(|(r, a)| format!("{r}:{a}")),
        (segment.clone(), segment).prop_map(|(r, a)| format!("{r}::{a}")),
        "[a-z][a-z0-9_.-]{0,70}:[a-z][a-z0-9_.-]{0,70}",
        any::<String>(),
    ]
}

fn dev_issuer() -> &'static (tokio::runtime::Runtime, DevIssuer) {
    static ISSUER: OnceLock<(tokio::runtime::Runtime, DevIssuer)> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let issuer = runtime
            .block_on(DevIssuer::start())
            .expect("start the dev issuer");
        (runtime, issuer)
    })
}

proptest! {
    #![proptest_config(Config::with_cases(20_000))]

    #[test]
    fn the_grammar_is_the_documented_one(text in scope_text()) {
        let expected = model_is_scope(&text);
        let parsed = grammar::parse_scope(&text);
        prop_assert_eq!(parsed.is_ok(), expected, "{:?}: {:?}", text, parsed);
        prop_assert_eq!(grammar::is_valid_scope(&text), expected);
        if let Ok(scope) = parsed {
            prop_assert_eq!(scope.as_str(), text.as_str());
            prop_assert_eq!(format!("{}:{}", scope.resource(), scope.action()), text);
        }
    }
}

proptest! {
    #![proptest_config(Config::with_cases(1_500))]

    /// The runtime side that accepts scopes from outside (client
    /// registration on the dev issuer) accepts exactly the grammar's
    /// scopes, which are exactly those `#[require_scopes]` accepts (its
    /// check calls the same `parse_scope`; `ui/cases/grammar/` show it rejecting).
    #[test]
    fn scope_consumers_agree_with_the_grammar(text in scope_text()) {
        let (_, issuer) = dev_issuer();
        let registered = issuer.create_client(
            "org_1",
            NewOrganizationClient::new("property").scopes([text.as_str()]),
        );
        prop_assert_eq!(registered.is_ok(), model_is_scope(&text), "{:?}: {:?}", text, registered.err());
    }
}

// ---------------------------------------------------------------------------
// The verified-token cache
// ---------------------------------------------------------------------------

struct CacheFixture {
    key: TestKey,
    auth: Authenticator,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static CacheFixture {
    static FIXTURE: OnceLock<CacheFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = TestKey::generate("cache-key");
        let auth = common::jose::builder(&common::jose::jwks(&[&key]))
            .build()
            .expect("authenticator");
        CacheFixture {
            key,
            auth,
            runtime: common::jose::runtime(),
        }
    })
}

/// A valid token whose `sub` is `sub`; subjects of equal length make tokens
/// of equal length.
fn token_for(key: &TestKey, sub: &str) -> String {
    let now = scopegate_wire::clock::unix_now();
    let header = json!({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}).to_string();
    let claims =
        json!({"iss": common::jose::ISSUER, "sub": sub, "exp": now + 600, "iat": now}).to_string();
    key.token(&header, &claims, "RS256")
}

fn subject(fx: &CacheFixture, token: &str) -> Result<String, AuthError> {
    let claims = fx.runtime.block_on(fx.auth.validate(token))?;
    Ok(claims.sub().unwrap_or_default().to_owned())
}

proptest! {
    #![proptest_config(Config::with_cases(300))]

    /// Two valid tokens of the same length, and forgeries that keep a
    /// cached token's length and whole signature (so its hash bucket) but
    /// change a byte before it: each gets its own claims or a refusal,
    /// never the cached token's claims.
    #[test]
    fn the_token_cache_never_answers_for_another_token(
        a in "[a-z]{12}",
        b in "[a-z]{12}",
        at in any::<prop::sample::Index>(),
        replacement in prop::sample::select(vec![b'A', b'B', b'x', b'_', b'-', b'0']),
    ) {
        let fx = fixture();
        let token_a = token_for(&fx.key, &a);
        let token_b = token_for(&fx.key, &b);
        prop_assert_eq!(token_a.len(), token_b.len());
        // Twice each: the second answer comes from the cache.
        for _ in 0..2 {
            prop_assert_eq!(subject(fx, &token_a), Ok(a.clone()));
            prop_assert_eq!(subject(fx, &token_b), Ok(b.clone()));
        }
        // A's header and payload with B's signature: same length, same tail.
        let signature_b = token_b.rsplit('.').next().unwrap_or_default();
        let (input_a, _) = token_a.rsplit_once('.').unwrap_or_default();
        let spliced = format!("{input_a}.{signature_b}");
        prop_assert!(spliced != token_a && spliced != token_b);
        prop_assert!(subject(fx, &spliced).is_err(), "spliced token accepted");
        // One byte of A's signing input replaced: same length and tail.
        let position = at.index(input_a.len());
        let mut forged = token_a.clone().into_bytes();
        if forged[position] != replacement {
            forged[position] = replacement;
            let forged = String::from_utf8(forged).unwrap_or_default();
            match subject(fx, &forged) {
                Err(_) => {}
                Ok(sub) => prop_assert!(false, "forgery of A accepted with sub {sub:?}"),
            }
        }
        // And the originals still answer for themselves.
        prop_assert_eq!(subject(fx, &token_a), Ok(a.clone()));
    }
}

/// The tail the cache hashes is the signature's end: tokens sharing it are
/// distinct entries (the unit test in `token_cache` shows the shared bucket;
/// this is the same through `validate`). `b64` keeps the kit's encoder used.
#[test]
fn a_forged_token_sharing_a_cached_tail_is_verified_not_looked_up() {
    let fx = fixture();
    let token = token_for(&fx.key, "aaaaaaaaaaaa");
    assert_eq!(subject(fx, &token), Ok("aaaaaaaaaaaa".to_owned()));
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let (header, _) = input.split_once('.').expect("three parts");
    let now = scopegate_wire::clock::unix_now();
    let other =
        json!({"iss": common::jose::ISSUER, "sub": "zzzzzzzzzzzz", "exp": now + 600, "iat": now});
    let forged = format!("{header}.{}.{signature}", b64(other.to_string()));
    assert_eq!(forged.len(), token.len(), "built to share length and tail");
    assert!(matches!(
        fx.runtime.block_on(fx.auth.validate(&forged)),
        Err(AuthError::InvalidToken(
            scopegate::error::TokenError::BadSignature
        ))
    ));
}
