#!/usr/bin/env bash
# Runs the control plane on the embedded demo homelab at http://127.0.0.1:3000, installing the
# build tools first if they are missing. Sign in with the dev sign-in (pick a role).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_build_tools
cargo leptos build --release --precompress
exec "$CARGO_TARGET_DIR/release/homelab" serve --demo
