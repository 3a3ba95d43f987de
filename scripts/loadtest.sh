#!/usr/bin/env bash
# Load test of scopegate's request path, on loopback only.
#
#   scripts/loadtest.sh
#
# Builds and starts examples/loadtest_server.rs (one actix worker, tokens
# from the embedded dev issuer), drives it from a second process with wrk
# when it is installed, else oha (installed with `cargo install oha --locked`
# if missing), and prints, per scenario, requests/s, p50/p99 latency and the
# server's CPU time per request. Every scenario sends the same ~870-byte
# Authorization header shape, and the three first ones share one trivial
# handler:
#
#   unprotected                GET /open
#   protected, repeated token  GET /protected, one token on every request
#   protected + Claims         GET /claims: the same guard, the handler
#                              takes the Claims
#   protected, distinct tokens GET /protected on a second server started
#                              with the verified-token cache off, so every
#                              request verifies its token as a first-seen
#                              one would (oha sends one fixed header per run;
#                              minting a new token per request is not
#                              possible at these rates)
#   insufficient scope         valid token without read:deployments: 403
#   garbage token              token-sized, not a JWT: 401
#   hand-written 401           GET /baseline with the garbage token: what the
#                              hand-written jsonwebtoken server answers it
#   jsonwebtoken baseline      GET /baseline on the second server: the same
#                              check written by hand with jsonwebtoken::decode,
#                              which verifies every request
#
# Each round runs every scenario back to back, and the ratios are printed
# per round (protected/unprotected, Claims/unprotected, garbage/hand-written
# 401, 403/granted), with their medians.
#
# BEFORE_BIN=path/to/another/loadtest_server starts that binary too (also on
# CPU 0, idle while the other is driven) and runs each scenario on it right
# after the same scenario on this build, alternating, then prints this
# build / that build per scenario and round: how before/after comparisons
# in docs/performance.md are made.
#
# Then it sends DISTINCT different tokens once each (one curl process) so
# the verified-token cache fills past its budget, and reports the server's
# peak RSS (the larger of VmHWM, reset after start-up, and VmRSS sampled
# every 0.2 s) above its RSS before the fill, when every scenario had run at
# full load with one cache entry, against the configured bound.
#
# Settings (environment): DURATION seconds per run (5), ROUNDS rounds of
# every scenario, figures are medians (5), CONNECTIONS (64), DISTINCT
# tokens for the fill (2000), CACHE_BYTES verified-token cache budget of
# the first server (1048576), TOOL oha|wrk (auto), PIN 1 to pin the server
# to CPU 0 and the load generator to CPU 1 when taskset is present (1),
# FULL 0 to skip the cache-off server, the cache fill and the memory report
# (1), BEFORE_BIN (unset).
#
# Everything is bounded in time: each load run by `timeout`, the servers by
# their own --exit-after, the whole script by the sum of those.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-64}
FULL=${FULL:-1}
BEFORE_BIN=${BEFORE_BIN:-}
DISTINCT=${DISTINCT:-2000}
CACHE_BYTES=${CACHE_BYTES:-1048576}
TOOL=${TOOL:-}
PIN=${PIN:-1}

die() {
    echo "loadtest: $*" >&2
    exit 1
}

for var in DURATION ROUNDS CONNECTIONS DISTINCT CACHE_BYTES; do
    [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a whole number, not '${!var}'"
done
((DURATION >= 1 && DURATION <= 120)) || die "DURATION must be 1..120 seconds"
((ROUNDS >= 1 && ROUNDS <= 10)) || die "ROUNDS must be 1..10"
command -v curl >/dev/null || die "curl is needed"

# --- the load generator -----------------------------------------------------
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [[ -z $TOOL ]]; then
    # wrk first: on one core it drives one actix worker to saturation,
    # where oha on one core does not quite (see docs/performance.md).
    if command -v wrk >/dev/null; then
        TOOL=wrk
    elif command -v oha >/dev/null; then
        TOOL=oha
    else
        echo "loadtest: installing oha (cargo install oha --locked)" >&2
        timeout 1800 cargo install oha --locked
        TOOL=oha
    fi
fi
case $TOOL in
oha) command -v jq >/dev/null || die "oha's JSON report is read with jq; install jq" ;;
wrk) command -v wrk >/dev/null || die "TOOL=wrk but wrk is not installed" ;;
*) die "TOOL must be oha or wrk" ;;
esac

SERVER_PIN=()
LOAD_PIN=()
if [[ $PIN == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
    SERVER_PIN=(taskset -c 0)
    LOAD_PIN=(taskset -c 1)
fi

# --- the server ---------------------------------------------------------------
echo "loadtest: building examples/loadtest_server (release)" >&2
timeout 1800 cargo build --release --features dev --example loadtest_server
SERVER_BIN="${CARGO_TARGET_DIR:-target}/release/examples/loadtest_server"
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN"
[[ -z $BEFORE_BIN || -x $BEFORE_BIN ]] || die "BEFORE_BIN=$BEFORE_BIN is not an executable"

WORK=$(mktemp -d)
SERVER_PID=""
SAMPLER_PID=""
BEFORE_PID=""
# Each server stops by itself after this many seconds, whatever happens here.
SERVER_LIFE=$((120 + 14 * ROUNDS * (DURATION + 5) + DISTINCT / 20))

stop_server() {
    if [[ -n $SAMPLER_PID ]]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=""
    fi
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
MAIN_PID=$BASHPID
cleanup() {
    # Only the script itself cleans up: a background subshell (the RSS
    # sampler, killed when its server stops) may run this trap too.
    [[ $BASHPID == "$MAIN_PID" ]] || return 0
    stop_server
    if [[ -n $BEFORE_PID ]]; then
        kill "$BEFORE_PID" 2>/dev/null || true
        wait "$BEFORE_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# start_server NAME ARGS...: starts a server, waits for its token file, sets
# SERVER_PID, BASE and TOKENS.
start_server() {
    local name=$1
    shift
    TOKENS=$WORK/$name.tokens
    "${SERVER_PIN[@]}" "${BIN:-$SERVER_BIN}" --out "$TOKENS" --exit-after "$SERVER_LIFE" "$@" \
        >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    local waited=0
    until [[ -s $TOKENS ]]; do
        kill -0 "$SERVER_PID" 2>/dev/null || {
            cat "$WORK/$name.log" >&2
            die "the $name server exited during start-up"
        }
        ((waited++ < 1200)) || die "the $name server did not start within 120 s"
        sleep 0.1
    done
    BASE="http://$(token addr)"
    [[ $BASE =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || die "unexpected server address $BASE"
    # Peak RSS from here on: reset the high-water mark to the current RSS,
    # and sample VmRSS (VmHWM is only updated at some kernel events).
    echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || echo "loadtest: could not reset VmHWM" >&2
    RSS_START=$(status_kib VmRSS)
    local pid=$SERVER_PID
    while kill -0 "$pid" 2>/dev/null; do
        awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true
        sleep 0.2
    done >"$WORK/$name.rss" &
    SAMPLER_PID=$!
}

# peak_kib NAME: the peak RSS of the running server NAME since start-up.
peak_kib() {
    { status_kib VmHWM; cat "$WORK/$1.rss"; } | sort -n | tail -1
}

token() { awk -v k="$1" '$1 == k { print $2; exit }' "$TOKENS"; }
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
TICKS=$(getconf CLK_TCK)

# load NAME PATH TOKEN EXPECTED_STATUS: one run; appends
# "rps p50_ms p99_ms cpu_us_per_request" to $WORK/NAME.runs.
load() {
    local name=$1 path=$2 tok=$3 expect=$4
    local url=$BASE$path before after requests rps p50 p99 statuses
    before=$(cpu_ticks)
    case $TOOL in
    oha)
        timeout $((DURATION + 30)) "${LOAD_PIN[@]}" oha -z "${DURATION}s" -c "$CONNECTIONS" \
            --no-tui --output-format json -H "Authorization: Bearer $tok" "$url" >"$WORK/out.json"
        after=$(cpu_ticks)
        rps=$(jq '.summary.requestsPerSec' "$WORK/out.json")
        p50=$(jq '.latencyPercentiles.p50 * 1000' "$WORK/out.json")
        p99=$(jq '.latencyPercentiles.p99 * 1000' "$WORK/out.json")
        requests=$(jq '[.statusCodeDistribution[]] | add // 0' "$WORK/out.json")
        statuses=$(jq -r '.statusCodeDistribution | keys | join(",")' "$WORK/out.json")
        ;;
    wrk)
        local threads=2
        ((${#LOAD_PIN[@]} == 0)) || threads=1
        timeout $((DURATION + 30)) "${LOAD_PIN[@]}" wrk -t"$threads" -c"$CONNECTIONS" \
            -d"${DURATION}s" --latency -H "Authorization: Bearer $tok" "$url" >"$WORK/out.txt"
        after=$(cpu_ticks)
        # wrk counts every answer; check the status once more with curl.
        statuses=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$url")
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/out.txt")
        requests=$(awk '/requests in/ { print $1 }' "$WORK/out.txt")
        local ms='function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }'
        p50=$(awk "$ms"' $1 == "50%" { print ms($2) }' "$WORK/out.txt")
        p99=$(awk "$ms"' $1 == "99%" { print ms($2) }' "$WORK/out.txt")
        ;;
    esac
    [[ $statuses == "$expect" ]] || die "$name: expected only $expect answers, got $statuses"
    ((requests > 0)) || die "$name: no request completed"
    local cpu_us
    cpu_us=$(awk -v d=$((after - before)) -v t="$TICKS" -v n="$requests" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
    echo "$rps $p50 $p99 $cpu_us" >>"$WORK/$name.runs"
}

# median NAME COLUMN
median() {
    awk -v c="$2" '{ print $c }' "$WORK/$1.runs" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- server A: verified-token cache on --------------------------------------
echo "loadtest: $TOOL, $CONNECTIONS connections, $ROUNDS x ${DURATION}s per scenario" >&2
start_server cached --distinct "$DISTINCT" --token-cache-bytes "$CACHE_BYTES"
echo "loadtest: server (cache $CACHE_BYTES bytes) at $BASE, pid $SERVER_PID" >&2
REPEATED=$(token repeated)
A_START=$RSS_START
# Warm-up: unprotected load (the server's own buffers for CONNECTIONS
# connections), then the key is fetched and the token verified once.
load warmup /open "$REPEATED" 200
A_LOADED=$(status_kib VmRSS)
curl -sf -o /dev/null -H "Authorization: Bearer $REPEATED" "$BASE/protected" || die "warm-up failed"
if [[ -n $BEFORE_BIN ]]; then
    # The other build, started after this one's start-up figures were read.
    A=("$SERVER_PID" "$BASE" "$TOKENS" "$SAMPLER_PID" "$RSS_START")
    BIN=$BEFORE_BIN start_server before --distinct 1 --token-cache-bytes "$CACHE_BYTES"
    B=("$SERVER_PID" "$BASE" "$TOKENS")
    BEFORE_PID=$SERVER_PID
    kill "$SAMPLER_PID" 2>/dev/null || true
    echo "loadtest: BEFORE_BIN server at $BASE, pid $BEFORE_PID" >&2
    load before_warmup /open "$(token repeated)" 200
    curl -sf -o /dev/null -H "Authorization: Bearer $(token repeated)" "$BASE/protected" || die "warm-up failed"
    SERVER_PID=${A[0]} BASE=${A[1]} TOKENS=${A[2]} SAMPLER_PID=${A[3]} RSS_START=${A[4]}
fi
# scenario NAME PATH TOKEN_NAME STATUS: one run on this build, then (with
# BEFORE_BIN) the same on the other one with that server's own tokens.
scenario() {
    load "$1" "$2" "$(token "$3")" "$4"
    if [[ -n $BEFORE_BIN ]]; then
        local saved=("$SERVER_PID" "$BASE" "$TOKENS")
        SERVER_PID=${B[0]} BASE=${B[1]} TOKENS=${B[2]}
        load "before_$1" "$2" "$(token "$3")" "$4"
        SERVER_PID=${saved[0]} BASE=${saved[1]} TOKENS=${saved[2]}
    fi
}
for ((round = 1; round <= ROUNDS; round++)); do
    echo "loadtest: round $round/$ROUNDS" >&2
    scenario open /open repeated 200
    scenario repeated /protected repeated 200
    scenario claims /claims repeated 200
    scenario insufficient /protected insufficient 403
    scenario garbage /protected garbage 401
    scenario baseline401 /baseline garbage 401
done
if [[ -n $BEFORE_PID ]]; then
    kill "$BEFORE_PID" 2>/dev/null || true
    wait "$BEFORE_PID" 2>/dev/null || true
    BEFORE_PID=""
fi
RSS_BEFORE_FILL=$(status_kib VmRSS)
if ((FULL)); then

# Fill the verified-token cache past its budget with first-seen tokens.
awk -v url="$BASE/protected" '$1 == "distinct" {
    if (n++) print "next"
    print "url = \"" url "\""
    print "header = \"Authorization: Bearer " $2 "\""
    print "output = \"/dev/null\""
    print "write-out = \"%{http_code}\\n\""
}' "$TOKENS" >"$WORK/fill.curl"
FILL_START=$(date +%s.%N)
timeout 600 curl -s --config "$WORK/fill.curl" >"$WORK/fill.codes"
FILL_END=$(date +%s.%N)
FILL_OK=$(grep -c '^200$' "$WORK/fill.codes" || true)
((FILL_OK == DISTINCT)) || die "fill: $FILL_OK of $DISTINCT distinct tokens accepted"
RSS_END=$(status_kib VmRSS)
A_PEAK=$(peak_kib cached)
stop_server

# --- server B: verified-token cache off -------------------------------------
start_server uncached --distinct 1 --token-cache-bytes 0
echo "loadtest: server (cache off) at $BASE, pid $SERVER_PID" >&2
DISTINCT_TOKEN=$(token distinct)
curl -sf -o /dev/null -H "Authorization: Bearer $DISTINCT_TOKEN" "$BASE/protected" || die "warm-up failed"
curl -sf -o /dev/null -H "Authorization: Bearer $DISTINCT_TOKEN" "$BASE/baseline" || die "warm-up failed"
for ((round = 1; round <= ROUNDS; round++)); do
    echo "loadtest: round $round/$ROUNDS (cache off)" >&2
    load distinct /protected "$DISTINCT_TOKEN" 200
    load baseline /baseline "$DISTINCT_TOKEN" 200
done
B_START=$RSS_START
B_PEAK=$(peak_kib uncached)
fi
stop_server

# --- report -------------------------------------------------------------------
echo
printf '%-44s %10s %9s %9s %14s   %s\n' scenario "req/s" "p50 ms" "p99 ms" "server CPU/req" "req/s per round"
row() {
    printf '%-44s %10.0f %9.3f %9.3f %11s µs   %s\n' "$2" "$(median "$1" 1)" "$(median "$1" 2)" \
        "$(median "$1" 3)" "$(median "$1" 4)" "$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$WORK/$1.runs")"
}
# paired_ratio A B COLUMN: the median over rounds of A's figure / B's figure
# in the same round (rounds run the scenarios back to back, so a ratio
# within a round is less exposed to the machine's drift than a ratio of
# medians).
paired_ratio() {
    paste -d ' ' "$WORK/$1.runs" "$WORK/$2.runs" | awk -v c="$3" '{ print $c / $(c + 4) }' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# per_round A B COLUMN: A's figure / B's figure, round by round.
per_round() {
    paste -d ' ' "$WORK/$1.runs" "$WORK/$2.runs" | awk -v c="$3" '{ printf "%s%.3f", (NR > 1 ? " " : ""), $c / $(c + 4) }'
}
# ratio_line LABEL A B TARGET: req/s ratio A/B per round and its median, and
# the same by server CPU per request (B's / A's).
ratio_line() {
    printf '%-36s req/s %s  (median %.3f)   by CPU %s  (median %.3f)   %s\n' "$1" \
        "$(per_round "$2" "$3" 1)" "$(paired_ratio "$2" "$3" 1)" \
        "$(per_round "$3" "$2" 4)" "$(paired_ratio "$3" "$2" 4)" "$4"
}
rows() {
    local p=$1 label=$2
    row "${p}open" "${label}unprotected (GET /open)"
    row "${p}repeated" "${label}protected, repeated token"
    row "${p}claims" "${label}protected + Claims, repeated token"
    row "${p}insufficient" "${label}protected, insufficient scope (403)"
    row "${p}garbage" "${label}protected, garbage token (401)"
    row "${p}baseline401" "${label}hand-written, garbage token (401)"
}
rows "" ""
if ((FULL)); then
    row distinct "protected, distinct tokens (cache off)"
    row baseline "hand-written jsonwebtoken (GET /baseline)"
fi
if [[ -n $BEFORE_BIN ]]; then
    rows before_ "BEFORE_BIN: "
fi
echo
echo "ratios per round (this build):"
ratio_line "protected / unprotected" repeated open "(target >= 0.90)"
ratio_line "protected + Claims / unprotected" claims open "(target >= 0.88)"
ratio_line "garbage 401 / hand-written 401" garbage baseline401 "(target >= 1)"
ratio_line "403 / granted" insufficient repeated "(target >= 1)"
if [[ -n $BEFORE_BIN ]]; then
    echo "ratios per round (BEFORE_BIN):"
    ratio_line "protected / unprotected" before_repeated before_open ""
    ratio_line "protected + Claims / unprotected" before_claims before_open ""
    ratio_line "garbage 401 / hand-written 401" before_garbage before_baseline401 ""
    ratio_line "403 / granted" before_insufficient before_repeated ""
    echo "this build / BEFORE_BIN, per round:"
    for n in open repeated claims insufficient garbage baseline401; do
        ratio_line "$n" "$n" "before_$n" ""
    done
fi
if ! ((FULL)); then
    exit 0
fi
echo
awk -v d="$(median distinct 1)" -v j="$(median baseline 1)" -v dc="$(median distinct 4)" -v jc="$(median baseline 4)" 'BEGIN {
    printf "protected (distinct, cache off) / jsonwebtoken: %.3f req/s, %.3f by server CPU per request (target >= 1)\n", d / j, jc / dc
}'
echo "paired per round (median of the rounds' ratios): distinct/jsonwebtoken $(paired_ratio distinct baseline 1) req/s, $(paired_ratio baseline distinct 4) by CPU"
awk -v n="$DISTINCT" -v s="$FILL_START" -v e="$FILL_END" 'BEGIN {
    printf "cache fill: %d first-seen tokens, one connection, %.0f req/s\n", n, n / (e - s)
}'
awk -v start="$A_START" -v loaded="$A_LOADED" -v before="$RSS_BEFORE_FILL" -v end="$RSS_END" \
    -v peak="$A_PEAK" -v bound="$CACHE_BYTES" -v bstart="$B_START" -v bpeak="$B_PEAK" 'BEGIN {
    printf "server RSS (cache on): %.2f MiB after start-up, %.2f MiB after unprotected warm-up load,\n",
        start / 1024, loaded / 1024
    printf "  %.2f MiB before the fill, %.2f MiB after it; peak %.2f MiB\n", before / 1024, end / 1024, peak / 1024
    printf "  the fill (cache from one entry to its bound): peak - before = %.2f MiB, bound %.2f MiB: %s\n",
        (peak - before) / 1024, bound / 1048576, (peak - before) * 1024 <= bound ? "within" : "OVER"
    printf "  peak - start-up = %.2f MiB (connections, allocator, cache)\n", (peak - start) / 1024
    printf "server RSS (cache off, same load but no fill): %.2f MiB after start-up, peak %.2f MiB (+%.2f MiB)\n",
        bstart / 1024, bpeak / 1024, (bpeak - bstart) / 1024
}'
