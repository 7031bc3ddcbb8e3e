#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (build tools, Debian's
# chromium, the e2e node packages, the Go-built kube-apiserver and etcd), then runs the format
# check, clippy (server and WASM), unit and integration tests, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
timed() { local t0=$SECONDS; "$@"; log "$* took $((SECONDS - t0)) s"; }

step "tools"
need go
need python3
timed ensure_build_tools
timed ensure_chromium
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
(cd e2e && { [ -d node_modules/@playwright/test ] && [ node_modules/.package-lock.json -nt package-lock.json ] || timed npm ci --no-audit --no-fund; })
HOMELAB_KUBE_DIR=$(timed bash scripts/kube.sh | tail -n 1)
export HOMELAB_KUBE_DIR

step "format"
cargo fmt --all --check

step "clippy (server, tests, and the WASM build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p frontend --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests"
cargo test --workspace

step "release build (server and WASM) for the browser tests"
timed cargo leptos build --release --precompress
# The live homelab of the browser tests runs the test control plane through this binary.
cargo build -p testbed --bin testbed

step "Dockerfile: the paths it copies exist after the release build"
bash scripts/check-dockerfile.sh Dockerfile "$CARGO_TARGET_DIR" .

step "browser tests"
# Four free loopback ports, held together while chosen so they differ: the demo app, the test
# OIDC provider, a second app signing in through it, and the live app watching a real API server.
read -r E2E_PORT E2E_OIDC_PORT E2E_OIDC_APP_PORT E2E_LIVE_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
export E2E_PORT E2E_OIDC_PORT E2E_OIDC_APP_PORT E2E_LIVE_PORT
export HOMELAB_BIN="$CARGO_TARGET_DIR/release/homelab"
export TESTBED_BIN="$CARGO_TARGET_DIR/debug/testbed"
(cd e2e && npx playwright test)
