#!/usr/bin/env bash
# The million-request soak, on loopback only.
#
#   scripts/soak.sh [requests]
#
# Builds examples/soak_driver.rs in release and runs it: the dev issuer in
# the driver's process, a protected API in the style of the main example
# (two actix workers) in a child process, and REQUESTS (default 1,000,000)
# requests of a known mix (valid repeated and distinct tokens, expired, not
# yet valid, wrong scope, wrong audience, forged signature, garbage,
# oversized, unknown kid) across a key rotation (at 40 %) and a JWKS outage
# (55-75 %). Every request's expected status is known; the run fails on any
# wrong decision or any error-level event in the server. It reports
# throughput, latency percentiles, the server's RSS over the run, the JWKS
# fetch count and the server's warn/error events.
#
# Settings (environment): CONCURRENCY (32), DISTINCT distinct valid tokens
# (20000), MAX_SECONDS bound on the load phase (1200). The whole script is
# bounded by `timeout`; the server exits by itself after the bound too.
set -euo pipefail

requests="${1:-1000000}"
concurrency="${CONCURRENCY:-32}"
distinct="${DISTINCT:-20000}"
max_seconds="${MAX_SECONDS:-1200}"
cd "$(dirname "$0")/.."

cargo build --release --features dev --example soak_driver
target_dir="${CARGO_TARGET_DIR:-target}"
timeout "$((max_seconds + 300))" "$target_dir/release/examples/soak_driver" \
    --requests "$requests" --concurrency "$concurrency" \
    --distinct "$distinct" --max-seconds "$max_seconds"
