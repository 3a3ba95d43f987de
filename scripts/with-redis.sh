#!/usr/bin/env bash
# Runs its arguments (the README's test command: `cargo test --workspace
# --all-features`) once redis-server is installed, installing it when it
# is missing: the Redis revocation tests start their own server, on a
# fresh machine too.
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

if [ "$#" -eq 0 ]; then
    echo "usage: scripts/with-redis.sh COMMAND [ARGS...]" >&2
    exit 2
fi
exec "$@"
