#!/usr/bin/env bash
# Every test: the web app's type check, build and unit tests; the Rust
# workspace's tests; then the end-to-end stories in headless Chromium
# through the real server (skipped loudly where Chromium is missing, unless
# GONGZHI_E2E_REQUIRED=1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/web.sh
build_web
(cd web && npx vitest run)
cargo test --workspace --locked
cargo build --locked -p gongzhi
node web/e2e/run.mjs
