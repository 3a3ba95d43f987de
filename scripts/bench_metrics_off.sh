#!/usr/bin/env bash
# Runs benches/metrics.rs with the `metrics` feature compiled out.
#
# This package's benches are built with `scopegate-core/metrics` on (its
# dev-dependency enables it), so this script removes that one feature from
# Cargo.toml's [dev-dependencies] for the build and puts the file back
# afterwards, whatever happens. Criterion's results land in the group
# `metrics_feature_off`. Arguments go to `cargo bench` (`--no-run`, or
# `-- FILTER` for the bench itself).
set -euo pipefail
cd "$(dirname "$0")/.."

line='scopegate-core = { workspace = true, features = ["metrics"] }'
grep -qxF "$line" Cargo.toml || { echo "Cargo.toml: dev-dependency line not found: $line" >&2; exit 1; }
backup=$(mktemp)
cp Cargo.toml "$backup"
trap 'cp "$backup" Cargo.toml; rm -f "$backup"' EXIT
sed -i "s/^scopegate-core = { workspace = true, features = \[\"metrics\"\] }$/scopegate-core = { workspace = true }/" Cargo.toml
cargo bench --features dev --bench metrics "$@"
