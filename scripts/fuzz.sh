#!/usr/bin/env bash
# Runs every cargo-fuzz (libFuzzer) target in fuzz/ for a bounded time each
# and prints, per target, the executions and libFuzzer's final coverage
# (`cov:` edges, `ft:` features).
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
#
# Default 30 s per target (CI's smoke run). Needs the nightly toolchain
# (`rustup toolchain install nightly`); installs cargo-fuzz from crates.io
# if it is missing. The corpus grows in fuzz/corpus/<target> (not in git),
# started from the committed inputs in fuzz/starting_corpus/<target>; a crash is
# kept in fuzz/artifacts/<target> and fails the script.
#
# Built with debug assertions (overflow checks) and without a sanitizer:
# the Rust crates forbid `unsafe`, and the time goes to executions. Set
# FUZZ_SANITIZER=address to build with ASan instead.
set -euo pipefail

seconds="${1:-30}"
shift || true
cd "$(dirname "$0")/.."

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: the nightly toolchain is required: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
sanitizer="${FUZZ_SANITIZER:-none}"
logs="fuzz/logs"
mkdir -p "$logs"

status=0
summary=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    starting=()
    [ -d "fuzz/starting_corpus/$target" ] && starting=("starting_corpus/$target")
    log="$logs/$target.log"
    echo "== $target: ${seconds}s" >&2
    if (cd fuzz && cargo +nightly fuzz run --sanitizer "$sanitizer" --debug-assertions \
        "$target" "corpus/$target" "${starting[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1) >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        tail -n 40 "$log" >&2
    fi
    # The last status line: "#123456 DONE cov: 1234 ft: 5678 corp: ..."
    line="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)"
    cov="$(echo "$line" | grep -Eo 'cov: [0-9]+' | grep -Eo '[0-9]+' || true)"
    ft="$(echo "$line" | grep -Eo 'ft: [0-9]+' | grep -Eo '[0-9]+' || true)"
    rate="$(grep -Eo 'exec/s: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+' || true)"
    summary+=("$(printf '%-22s %-7s execs %-10s exec/s %-7s cov %-6s ft %s' \
        "$target" "$result" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")")
done

echo
echo "fuzz.sh: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
exit "$status"
