#!/usr/bin/env bash
# The benchmark suite (`make bench`): installs what it needs (the build tools, Debian's chromium,
# the e2e node packages, the test API server, and the load generator oha from crates.io, or
# Debian's wrk if oha cannot be installed), builds the release server and WASM, runs
# e2e/bench/bench.mjs, which prints one table, and writes target/bench/bench.json.
#
# Not part of `make test`: it reports figures and exits 0 whatever they are (a missed target is
# printed as "MISSED by X"); it fails only when it cannot measure. Knobs (environment):
# BENCH_DURATION (seconds per load run, default 20), BENCH_IDLE_SECONDS (the idle window of the
# Kubernetes API count, default 60), BENCH_PODS and BENCH_DEPLOYMENTS (default 5000 and 500).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*" >&2; }

# oha from crates.io (a few minutes to compile, once); Debian's wrk when that fails.
ensure_load_generator() {
  if command -v oha >/dev/null; then
    LOADGEN=oha LOADGEN_BIN=$(command -v oha)
    return
  fi
  log "installing oha from crates.io (several minutes on 2 cores, once)"
  # Its own target directory: not the shared one of the project's builds.
  if (unset CARGO_TARGET_DIR; cargo install oha --locked); then
    LOADGEN=oha LOADGEN_BIN=$(command -v oha)
    return
  fi
  log "oha did not install; using Debian's wrk"
  apt_install wrk
  LOADGEN=wrk LOADGEN_BIN=$(command -v wrk)
}

step "tools"
ensure_build_tools
ensure_chromium
ensure_load_generator
(cd e2e && { [ -d node_modules/@playwright/test ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; })
HOMELAB_KUBE_DIR=$(bash scripts/kube.sh | tail -n 1)
export HOMELAB_KUBE_DIR

step "release build (server and WASM), and the test control plane"
cargo leptos build --release --precompress
cargo build -p testbed --bin testbed
# Copied at once, so that a build started meanwhile (a test run in this checkout) cannot
# replace the binaries under the benchmark.
app=target/bench/app
mkdir -p "$app"
cp "$CARGO_TARGET_DIR/release/homelab" "$CARGO_TARGET_DIR/debug/testbed" "$app/"
# The server reads the hashed asset names from hash.txt beside its binary; it is written here
# from the site the copy will serve.
hashed() { # newest target/site/pkg/homelab.<hash>.<ext> -> <hash>
  local f
  f=$(ls -t target/site/pkg/homelab.*."$1" | head -n 1)
  f=${f#target/site/pkg/homelab.}
  echo "${f%."$1"}"
}
printf 'js: %s\nwasm: %s\ncss: %s\n' "$(hashed js)" "$(hashed wasm)" "$(hashed css)" > "$app/hash.txt"
if ! "$app/homelab" bench --help | grep -q synthetic || ! "$app/testbed" --help | grep -q -- --apply; then
  echo "error: the binaries in $CARGO_TARGET_DIR lack the benchmark commands (an older build?); run again" >&2
  exit 1
fi

step "benchmarks (several minutes)"
HOMELAB_BIN="$PWD/$app/homelab" TESTBED_BIN="$PWD/$app/testbed" SITE_ROOT="$PWD/target/site" \
  LOADGEN="$LOADGEN" LOADGEN_BIN="$LOADGEN_BIN" BENCH_OUT="$PWD/target/bench" \
  node e2e/bench/bench.mjs
