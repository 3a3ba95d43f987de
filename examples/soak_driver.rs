//! The soak test `scripts/soak.sh` runs: a protected API in the style of the
//! main example (`examples/deploy_api.rs`: `GET /deployments` needs
//! `read:deployments`), on two actix workers in a child process, validating
//! tokens from the embedded dev issuer, driven over loopback with a known
//! mix of requests whose expected status is known, across a key rotation
//! and a JWKS outage.
//!
//! ```text
//! cargo run --release --features dev --example soak_driver -- \
//!     [--requests 1000000] [--concurrency 32] [--distinct 20000] [--max-seconds 1200]
//! ```
//!
//! The mix, per 100 requests: 45 a few repeated valid tokens (200), 15 many
//! distinct valid tokens (200; after the rotation half are signed by the
//! new key), 5 expired, 5 not yet valid, 5 wrong audience, 5 forged
//! signature, 5 garbage, 3 oversized (12 KB), 6 unknown `kid` (401), 6
//! wrong scope (403). At 40 % of the run the issuer rotates its key (the
//! old one stays published; tokens of the new key are used once the server
//! has fetched the new key set); from 55 % to 75 % its JWKS endpoint
//! answers 500. During the outage, and for one refetch cooldown (2 s on
//! this server) after it, an unknown `kid` may also be answered 503 (the
//! server cannot ask the issuer); every other expectation is unchanged.
//!
//! It prints throughput, latency percentiles, wrong decisions per kind, the
//! server's RSS over the run, the JWKS fetch count and the server's error-
//! and warn-level log events (counted by a subscriber in the server). It
//! exits non-zero on any wrong decision or error-level event.

use std::fmt;
use std::io::Write as _;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, Responder, get};
use scopegate::dev::{DevIssuer, JwksMode};
use scopegate::{Authenticator, require_scopes};

const AUDIENCE: &str = "deployment-api.local";
/// The server's refetch cooldown: shorter than the 10 s default so that a
/// run of half a minute sees the rotated key picked up, and failed fetches
/// during the outage, more than once.
const COOLDOWN: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// The server (child process)
// ---------------------------------------------------------------------------

#[get("/deployments")]
#[require_scopes("read:deployments")]
async fn deployments() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!([
        {"service": "inventory-service", "version": "1.4.2"},
    ]))
}

static ERRORS: AtomicU64 = AtomicU64::new(0);
static WARNINGS: AtomicU64 = AtomicU64::new(0);

#[get("/soak/stats")]
async fn stats() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({
        "errors": ERRORS.load(Ordering::Relaxed),
        "warnings": WARNINGS.load(Ordering::Relaxed),
    }))
}

/// Counts warn- and error-level events (and prints them to stderr); finer
/// levels are disabled, so they cost nothing.
struct CountingSubscriber;

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        use fmt::Write as _;
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for CountingSubscriber {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let level = *event.metadata().level();
        if level == tracing::Level::ERROR {
            ERRORS.fetch_add(1, Ordering::Relaxed);
        } else {
            WARNINGS.fetch_add(1, Ordering::Relaxed);
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        eprintln!("server {level}:{}", message.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn serve(issuer: &str, jwks: &str, addr_file: &str, exit_after: u64) -> std::io::Result<()> {
    let _ = tracing::subscriber::set_global_default(CountingSubscriber);
    let auth = Authenticator::builder(issuer)
        .jwks_url(jwks)
        .audience(AUDIENCE)
        .refetch_cooldown(COOLDOWN)
        .build()
        .map_err(std::io::Error::other)?;
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(auth.clone())
                .service(deployments)
                .service(stats)
        })
        .workers(2)
        .disable_signals()
        .bind(("127.0.0.1", 0))?;
        let addr = server.addrs()[0];
        let tmp = format!("{addr_file}.tmp");
        std::fs::write(&tmp, addr.to_string())?;
        std::fs::rename(&tmp, addr_file)?;
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(Duration::from_secs(exit_after)).await;
            handle.stop(false).await;
        });
        server.await
    })
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Repeated,
    Distinct,
    Expired,
    NotYetValid,
    WrongAudience,
    Forged,
    Garbage,
    Oversized,
    UnknownKid,
    WrongScope,
}

const KINDS: [Kind; 10] = [
    Kind::Repeated,
    Kind::Distinct,
    Kind::Expired,
    Kind::NotYetValid,
    Kind::WrongAudience,
    Kind::Forged,
    Kind::Garbage,
    Kind::Oversized,
    Kind::UnknownKid,
    Kind::WrongScope,
];

fn kind_of(index: u64) -> Kind {
    match index % 100 {
        0..45 => Kind::Repeated,
        45..60 => Kind::Distinct,
        60..65 => Kind::Expired,
        65..70 => Kind::NotYetValid,
        70..75 => Kind::WrongAudience,
        75..80 => Kind::Forged,
        80..85 => Kind::Garbage,
        85..88 => Kind::Oversized,
        88..94 => Kind::UnknownKid,
        _ => Kind::WrongScope,
    }
}

struct Pools {
    repeated: Vec<String>,
    distinct: Vec<String>,
    /// Tokens signed by the rotated key, minted a few per monitor tick
    /// (so minting never stalls the driver for long); `rotated_ready` of
    /// them are set.
    rotated: Vec<std::sync::OnceLock<String>>,
    rotated_ready: std::sync::atomic::AtomicUsize,
    expired: Vec<String>,
    not_yet_valid: Vec<String>,
    wrong_audience: Vec<String>,
    forged: Vec<String>,
    garbage: Vec<String>,
    oversized: String,
    unknown_kid: Vec<String>,
    wrong_scope: Vec<String>,
}

fn valid(issuer: &DevIssuer) -> scopegate::dev::TokenBuilder {
    issuer
        .token()
        .scopes(["read:deployments"])
        .audience(AUDIENCE)
}

/// How many tokens signed by the rotated key are minted.
const ROTATED: usize = 500;

fn mint_pools(issuer: &DevIssuer, distinct: usize) -> Pools {
    let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>();
    Pools {
        repeated: many(8, &|_| valid(issuer).mint()),
        distinct: many(distinct, &|_| valid(issuer).mint()),
        rotated: (0..ROTATED).map(|_| std::sync::OnceLock::new()).collect(),
        rotated_ready: std::sync::atomic::AtomicUsize::new(0),
        expired: many(200, &|_| valid(issuer).expired().mint()),
        not_yet_valid: many(200, &|_| valid(issuer).not_yet_valid().mint()),
        wrong_audience: many(200, &|_| {
            issuer
                .token()
                .scopes(["read:deployments"])
                .audience("other-api.local")
                .mint()
        }),
        forged: many(200, &|i| {
            // A fresh RSA key per token signed by another key: a few.
            if i % 20 == 0 {
                valid(issuer).signed_with_other_key().mint()
            } else {
                valid(issuer).bad_signature().mint()
            }
        }),
        garbage: many(200, &|i| {
            let body: String = (0..600)
                .map(|j| char::from(b'a' + ((i * 31 + j * 7) % 26) as u8))
                .collect();
            if i % 2 == 0 {
                body
            } else {
                format!("{}.{}.{}", &body[..100], &body[100..400], &body[400..])
            }
        }),
        oversized: format!(
            "{}.{}.{}",
            "e".repeat(4000),
            "f".repeat(4000),
            "g".repeat(4000)
        ),
        unknown_kid: many(200, &|i| {
            valid(issuer).kid(format!("unknown-kid-{i}")).mint()
        }),
        wrong_scope: many(200, &|_| {
            issuer
                .token()
                .scopes(["deploy:applications"])
                .audience(AUDIENCE)
                .mint()
        }),
    }
}

struct Shared {
    pools: Pools,
    /// Set once the server has fetched the key set after the rotation.
    rotated_known: AtomicBool,
    /// Request indices `[start, end)` during which an unknown kid may be
    /// answered 503 (the outage plus one cooldown), updated by the driver.
    outage_from: AtomicU64,
    outage_until: AtomicU64,
    next: AtomicU64,
    total: u64,
    deadline: Instant,
}

impl Shared {
    fn request(&self, index: u64) -> (Kind, &str, &'static [u16]) {
        let i = index as usize / 100;
        let kind = kind_of(index);
        let pick = |pool: &'_ [String]| -> usize { i % pool.len() };
        const OK: &[u16] = &[200];
        const UNAUTHORIZED: &[u16] = &[401];
        const FORBIDDEN: &[u16] = &[403];
        const UNKNOWN_IN_OUTAGE: &[u16] = &[401, 503];
        let p = &self.pools;
        match kind {
            Kind::Repeated => (kind, &p.repeated[pick(&p.repeated)], OK),
            Kind::Distinct => {
                let ready = p.rotated_ready.load(Ordering::Acquire);
                let rotated = (ready > 0
                    && self.rotated_known.load(Ordering::Acquire)
                    && index.is_multiple_of(2))
                .then(|| p.rotated[i % ready].get())
                .flatten();
                match rotated {
                    Some(token) => (kind, token, OK),
                    None => (
                        kind,
                        &p.distinct[(index as usize / 7) % p.distinct.len()],
                        OK,
                    ),
                }
            }
            Kind::Expired => (kind, &p.expired[pick(&p.expired)], UNAUTHORIZED),
            Kind::NotYetValid => (kind, &p.not_yet_valid[pick(&p.not_yet_valid)], UNAUTHORIZED),
            Kind::WrongAudience => (
                kind,
                &p.wrong_audience[pick(&p.wrong_audience)],
                UNAUTHORIZED,
            ),
            Kind::Forged => (kind, &p.forged[pick(&p.forged)], UNAUTHORIZED),
            Kind::Garbage => (kind, &p.garbage[pick(&p.garbage)], UNAUTHORIZED),
            Kind::Oversized => (kind, &p.oversized, UNAUTHORIZED),
            Kind::UnknownKid => {
                let in_outage = index >= self.outage_from.load(Ordering::Acquire)
                    && index < self.outage_until.load(Ordering::Acquire);
                let expected = if in_outage {
                    UNKNOWN_IN_OUTAGE
                } else {
                    UNAUTHORIZED
                };
                (kind, &p.unknown_kid[pick(&p.unknown_kid)], expected)
            }
            Kind::WrongScope => (kind, &p.wrong_scope[pick(&p.wrong_scope)], FORBIDDEN),
        }
    }
}

#[derive(Default)]
struct WorkerResult {
    latencies_us: Vec<u32>,
    sent: [u64; 10],
    wrong: [u64; 10],
    unavailable: u64,
    examples: Vec<String>,
    transport_errors: u64,
}

async fn worker(shared: Arc<Shared>, url: String, client: reqwest::Client) -> WorkerResult {
    let mut result = WorkerResult::default();
    loop {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        if index >= shared.total || Instant::now() >= shared.deadline {
            return result;
        }
        let (kind, token, expected) = shared.request(index);
        let k = kind as usize;
        let started = Instant::now();
        let response = client
            .get(&url)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await;
        let elapsed = started.elapsed();
        result.sent[k] += 1;
        result
            .latencies_us
            .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
        match response {
            Ok(response) => {
                let status = response.status().as_u16();
                if status == 503 {
                    result.unavailable += 1;
                }
                // Read the body so the connection is reused.
                let _ = response.bytes().await;
                if !expected.contains(&status) {
                    result.wrong[k] += 1;
                    if result.examples.len() < 5 {
                        result.examples.push(format!(
                            "request {index} ({kind:?}): {status}, expected {expected:?}"
                        ));
                    }
                }
            }
            Err(error) => {
                result.transport_errors += 1;
                result.wrong[k] += 1;
                if result.examples.len() < 5 {
                    result
                        .examples
                        .push(format!("request {index} ({kind:?}): {error}"));
                }
            }
        }
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Options {
    requests: u64,
    concurrency: usize,
    distinct: usize,
    max_seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        requests: 1_000_000,
        concurrency: 32,
        distinct: 20_000,
        max_seconds: 1200,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--requests" => o.requests = value()?.parse().map_err(|e| format!("{e}"))?,
            "--concurrency" => o.concurrency = value()?.parse().map_err(|e| format!("{e}"))?,
            "--distinct" => o.distinct = value()?.parse().map_err(|e| format!("{e}"))?,
            "--max-seconds" => o.max_seconds = value()?.parse().map_err(|e| format!("{e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[at]) / 1000.0
}

async fn drive(o: Options) -> Result<bool, String> {
    let issuer = DevIssuer::start().await.map_err(|e| e.to_string())?;
    let addr_file =
        std::env::temp_dir().join(format!("scopegate-soak-{}.addr", std::process::id()));
    let _ = std::fs::remove_file(&addr_file);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .args([
            "serve",
            issuer.url(),
            &issuer.jwks_url(),
            &addr_file.to_string_lossy(),
            &(o.max_seconds + 60).to_string(),
        ])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let _child = KillOnDrop(child);
    let addr = loop {
        if let Ok(addr) = std::fs::read_to_string(&addr_file) {
            break addr;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = std::fs::remove_file(&addr_file);
    let base = format!("http://{addr}");
    eprintln!("soak: server {pid} on {base}; minting tokens");
    let minting = Instant::now();
    let pools = mint_pools(&issuer, o.distinct);
    eprintln!("soak: minted in {:.1?}", minting.elapsed());
    let shared = Arc::new(Shared {
        pools,
        rotated_known: AtomicBool::new(false),
        outage_from: AtomicU64::new(u64::MAX),
        outage_until: AtomicU64::new(u64::MAX),
        next: AtomicU64::new(0),
        total: o.requests,
        deadline: Instant::now() + Duration::from_secs(o.max_seconds),
    });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(o.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let rss_before = rss_kb(pid).unwrap_or(0);
    let started = Instant::now();
    let workers: Vec<_> = (0..o.concurrency)
        .map(|_| {
            actix_web::rt::spawn(worker(
                Arc::clone(&shared),
                format!("{base}/deployments"),
                client.clone(),
            ))
        })
        .collect();

    // The monitor: RSS samples, the rotation, the outage.
    let mut rss = Vec::new(); // (requests done, kB)
    let (rotate_at, outage_at, outage_end_at) = (
        o.requests * 40 / 100,
        o.requests * 55 / 100,
        o.requests * 75 / 100,
    );
    let mut rotated_fetches = None;
    let mut outage_started = false;
    let mut outage_ended: Option<Instant> = None;
    let mut rotation = None;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = shared.next.load(Ordering::Relaxed).min(o.requests);
        if let Some(kb) = rss_kb(pid) {
            rss.push((done, kb));
        }
        if rotation.is_none() && done >= rotate_at {
            let kid = issuer.rotate_key(Duration::from_secs(3600));
            rotated_fetches = Some(issuer.jwks_fetches());
            eprintln!("soak: at {done} requests the issuer rotated to {kid}");
            rotation = Some(Instant::now());
        }
        let ready = shared.pools.rotated_ready.load(Ordering::Relaxed);
        if rotation.is_some() && ready < ROTATED {
            let upto = (ready + 25).min(ROTATED);
            for slot in &shared.pools.rotated[ready..upto] {
                let _ = slot.set(valid(&issuer).mint());
            }
            shared.pools.rotated_ready.store(upto, Ordering::Release);
        }
        if let Some(before) = rotated_fetches
            && !shared.rotated_known.load(Ordering::Relaxed)
            && issuer.jwks_fetches() > before
        {
            // Give the fetch that was seen time to land in the cache.
            tokio::time::sleep(Duration::from_millis(500)).await;
            shared.rotated_known.store(true, Ordering::Release);
            eprintln!(
                "soak: the server fetched the rotated key set {:.1?} after the rotation; new-key tokens in use",
                rotation.map(|r| r.elapsed()).unwrap_or_default()
            );
        }
        if !outage_started && done >= outage_at {
            // An unknown kid may see 503 from here until a cooldown after
            // the outage ends.
            shared
                .outage_from
                .store(done.saturating_sub(o.concurrency as u64), Ordering::Release);
            issuer.set_jwks_mode(JwksMode::Unavailable);
            outage_started = true;
            eprintln!("soak: at {done} requests the JWKS endpoint goes down");
        }
        if outage_started && outage_ended.is_none() && done >= outage_end_at {
            issuer.set_jwks_mode(JwksMode::Normal);
            outage_ended = Some(Instant::now());
            eprintln!("soak: at {done} requests the JWKS endpoint is back");
        }
        if let Some(ended) = outage_ended
            && shared.outage_until.load(Ordering::Relaxed) == u64::MAX
            && ended.elapsed() >= COOLDOWN + Duration::from_secs(1)
        {
            shared
                .outage_until
                .store(done + o.concurrency as u64, Ordering::Release);
        }
        if workers.iter().all(|w| w.is_finished()) {
            break;
        }
    }
    let elapsed = started.elapsed();
    if shared.outage_until.load(Ordering::Relaxed) == u64::MAX {
        shared.outage_until.store(u64::MAX - 1, Ordering::Release);
    }
    let mut total = WorkerResult::default();
    for w in workers {
        let r = w.await.map_err(|e| e.to_string())?;
        total.latencies_us.extend(r.latencies_us);
        for k in 0..10 {
            total.sent[k] += r.sent[k];
            total.wrong[k] += r.wrong[k];
        }
        total.transport_errors += r.transport_errors;
        total.unavailable += r.unavailable;
        total.examples.extend(r.examples);
    }
    let server_stats: serde_json::Value = client
        .get(format!("{base}/soak/stats"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let sent: u64 = total.sent.iter().sum();
    let wrong: u64 = total.wrong.iter().sum();
    total.latencies_us.sort_unstable();
    let warm = rss
        .iter()
        .filter(|(done, _)| *done >= o.requests / 10)
        .map(|(_, kb)| *kb)
        .collect::<Vec<_>>();
    let peak = rss.iter().map(|(_, kb)| *kb).max().unwrap_or(0);
    let errors = server_stats["errors"].as_u64().unwrap_or(u64::MAX);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "requests {sent} in {:.1} s: {:.0} req/s, {} concurrent connections, 2 server workers",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        o.concurrency
    );
    let _ = writeln!(
        out,
        "latency ms: p50 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
        percentile(&total.latencies_us, 0.50),
        percentile(&total.latencies_us, 0.99),
        percentile(&total.latencies_us, 0.999),
        percentile(&total.latencies_us, 1.0),
    );
    let _ = writeln!(
        out,
        "wrong decisions: {wrong} (transport errors {})",
        total.transport_errors
    );
    for kind in KINDS {
        let k = kind as usize;
        let _ = writeln!(
            out,
            "  {kind:?}: {} sent, {} wrong",
            total.sent[k], total.wrong[k]
        );
    }
    for example in total.examples.iter().take(10) {
        let _ = writeln!(out, "  e.g. {example}");
    }
    let _ = writeln!(
        out,
        "server RSS kB: before load {rss_before}, after warm-up (10 %) min {} max {}, peak {peak}, last {}",
        warm.iter().min().copied().unwrap_or(0),
        warm.iter().max().copied().unwrap_or(0),
        rss.last().map(|(_, kb)| *kb).unwrap_or(0)
    );
    let quarter = |q: u64| {
        rss.iter()
            .find(|(done, _)| *done >= o.requests * q / 4)
            .map(|(_, kb)| *kb)
            .unwrap_or(0)
    };
    let _ = writeln!(
        out,
        "server RSS kB at 25/50/75/100 % of requests: {} / {} / {} / {}",
        quarter(1),
        quarter(2),
        quarter(3),
        rss.last().map(|(_, kb)| *kb).unwrap_or(0)
    );
    let _ = writeln!(
        out,
        "JWKS fetches: {}; 503 answers (unknown kids during the outage): {}",
        issuer.jwks_fetches(),
        total.unavailable
    );
    let _ = writeln!(
        out,
        "server log events: {errors} error, {} warn",
        server_stats["warnings"]
    );
    Ok(wrong == 0 && errors == 0 && sent == o.requests)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        let [_, _, issuer, jwks, addr_file, exit_after] = args.as_slice() else {
            eprintln!("usage: soak_driver serve ISSUER JWKS ADDR_FILE EXIT_AFTER");
            return ExitCode::from(2);
        };
        let exit_after = exit_after.parse().unwrap_or(900);
        return match serve(issuer, jwks, addr_file, exit_after) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("soak server: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let options = match options() {
        Ok(o) => o,
        Err(error) => {
            eprintln!("soak_driver: {error}");
            return ExitCode::from(2);
        }
    };
    // The dev issuer is an actix server: the driver runs on actix's
    // runtime (one thread; the server under test has its own process).
    let runtime = actix_web::rt::System::new();
    match runtime.block_on(drive(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("soak_driver: {error}");
            ExitCode::FAILURE
        }
    }
}
