#!/usr/bin/env bash
# Installs the build and test tools this project needs, from the package registries only, and
# reuses whatever is already installed. Sourced by the other scripts; run directly to install all.
#
# Everything is cached outside the repository (cargo's bin dir, ~/.cache/homelab) so that a second
# run, and CI on the same machine, skips straight past it.
set -euo pipefail

HOMELAB_CACHE="${HOMELAB_CACHE:-$HOME/.cache/homelab}"
CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pinned in frontend/Cargo.toml
BINARYEN_VERSION=132.0.0       # wasm-opt; Debian's (108) breaks islands hydration
export PATH="$HOME/.cargo/bin:$HOMELAB_CACHE/binaryen/node_modules/.bin:$PATH"
# Each checkout builds into its own target directory: cargo does not keep checkouts of one
# workspace apart in a shared one (a path crate's artifacts are named the same whichever checkout
# built them, and judged fresh by the other checkout's file times), so a CI clone could test
# another checkout's code. The slow tool installs above stay shared in the caches.
HOMELAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOMELAB_ROOT/target}"
# Incremental artifacts grew to tens of GB here; scripts build from scratch-or-cache anyway.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

log() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

# The two cargo-built tools are compiled at opt-level 1: on 2 cores that cut cargo-leptos's
# install from about 12 to 10 minutes, and a release build with it took as long (its own work
# is small next to cargo, wasm-opt and the wasm-bindgen pass, which took 5.8 s either way).
tool_install() { env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install "$@"; }

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes on 2 cores, once)"
  # Its newest dependencies want a newer rustc than 1.95: let the resolver pick versions that fit.
  if CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
      tool_install cargo-leptos --version "$CARGO_LEPTOS_VERSION"; then
    return
  fi
  log "plain install failed; pinning cargo-util-schemas in a copy of the source"
  local src tmp
  src=$(ls -d "$HOME"/.cargo/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" | head -n1)
  tmp=$(mktemp -d)
  cp -r "$src" "$tmp/cargo-leptos"
  (cd "$tmp/cargo-leptos" && cargo update -p cargo-util-schemas --precise 0.14.1 \
    && tool_install --path . --locked)
  rm -rf "$tmp"
}

ensure_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return; fi
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a crate version the registry does not have.
  tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
}

ensure_wasm_opt() {
  if wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then return; fi
  log "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  mkdir -p "$HOMELAB_CACHE/binaryen"
  (cd "$HOMELAB_CACHE/binaryen" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --no-audit --no-fund "binaryen@$BINARYEN_VERSION")
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_chromium() { apt_install chromium fonts-dejavu-core; }

# What the scripts cannot install by themselves is checked before anything starts, and named
# with what to install; what Debian packages well enough is installed from it.
need() {
  case "$1" in
    rust)
      command -v cargo >/dev/null && command -v rustup >/dev/null && return
      missing_prerequisite "Rust, installed with rustup (https://rustup.rs): the scripts add the wasm32 target, rustfmt, clippy and the tools themselves" ;;
    go)
      # The modules of e2e/kube say `go 1.23.0`.
      if command -v go >/dev/null \
          && [ "$(printf '%s\n' go1.23 "$(go env GOVERSION)" | sort -V | head -n1)" = go1.23 ]; then
        return
      fi
      missing_prerequisite "Go 1.23 or newer, to build the test API server (https://go.dev/doc/install; Debian 12's golang-go is 1.19, too old)" ;;
    npm) command -v npm >/dev/null || apt_install nodejs npm ;;
    python3) command -v python3 >/dev/null || apt_install python3 ;;
  esac
}

missing_prerequisite() {
  printf '\033[1;31m[tools]\033[0m missing: %s\n' "$1" >&2
  exit 1
}

# Everything the Leptos build needs.
ensure_build_tools() {
  need rust
  need npm
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  ensure_cargo_leptos
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_build_tools
  ensure_chromium
fi
