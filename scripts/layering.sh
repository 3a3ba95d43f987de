#!/usr/bin/env bash
# Proves the layering of scopegate-core (run by .ci/run):
#
# 1. Without its feature `actix`, the core depends on no web framework:
#    `cargo tree -e normal` lists no actix-web and no axum, hyper comes
#    without its `server` feature, and tower only through reqwest (the HTTP
#    client that fetches key sets).
# 2. `actix_web` is named only in the adapter's folder, core/src/actix/
#    (test modules aside: they may serve key sets with actix-web).
# 3. The adapter uses only the core's public API: its `crate::` paths are
#    root items (`crate::Claims`), the documented `crate::adapter` module,
#    or the other public modules (`error`, `env`, `policy`,
#    `resource_metadata`, `revocation`, `inventory`).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

features="redis,metrics,utoipa"
tree=$(cargo tree -p scopegate-core -e normal --no-default-features --features "$features" --prefix none)
if grep -E '^(actix|axum)' <<<"$tree"; then
    echo "layering: the core depends on a web framework (above)" >&2
    fail=1
fi
if cargo tree -p scopegate-core -e features --no-default-features --features "$features" -i hyper \
    | grep -q 'hyper feature "server"'; then
    echo "layering: the core pulls in hyper's server" >&2
    fail=1
fi
if grep -q '^tower ' <<<"$tree"; then
    # Everything between tower and the core: reqwest and its tower-http.
    between=$(cargo tree -p scopegate-core -e normal --no-default-features --features "$features" \
        -i tower --prefix none | sed 's/ .*//' | sort -u \
        | grep -vxE 'tower|tower-http|reqwest|scopegate-core' || true)
    if [ -n "$between" ]; then
        echo "layering: tower reaches the core other than through reqwest: $between" >&2
        fail=1
    fi
fi

# Code lines before a file's test module, outside comments.
code_lines() {
    awk '/^#\[cfg\(test\)\]/ { exit } { print FILENAME ":" FNR ":" $0 }' "$1" \
        | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true
}

while IFS= read -r file; do
    case "$file" in core/src/actix/*) continue ;; esac
    if code_lines "$file" | grep -E 'actix_web'; then
        echo "layering: actix_web outside core/src/actix/ (above)" >&2
        fail=1
    fi
done < <(find core/src -name '*.rs' | sort)

while IFS= read -r file; do
    if code_lines "$file" | grep -E 'crate::[a-z_]+' \
        | grep -vE 'crate::(adapter|error|env|policy|resource_metadata|revocation|inventory)\b' \
        | grep -E 'crate::[a-z_]+::'; then
        echo "layering: the actix adapter reaches past the core's public API (above)" >&2
        fail=1
    fi
done < <(find core/src/actix -name '*.rs' | sort)

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "layering: scopegate-core depends on no web framework; the actix adapter uses its public API"
