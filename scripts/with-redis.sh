#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs redis-server when
# it is missing (the Redis revocation tests start their own), then runs
# every test of the workspace with every feature.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1 \
    && ! [ -x /usr/bin/redis-server ] && ! [ -x /usr/sbin/redis-server ]; then
    echo "redis-server not found: installing it (apt-get install redis-server)" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
    else
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
    fi
fi

cargo test --workspace --all-features "$@"
