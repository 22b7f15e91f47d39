#!/usr/bin/env bash
# Builds the web app and the release binary, then sets up the demo city on
# the embedded database and serves it (arguments go to `gongzhi demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/web.sh
build_web
exec cargo run --release --locked -p gongzhi -- demo "$@"
