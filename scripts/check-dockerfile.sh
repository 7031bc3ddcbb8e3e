#!/usr/bin/env bash
# Checks the Dockerfile against a finished `cargo leptos build --release`: every path its runtime
# stage copies out of the build stage must exist here, where this build really put it. No image is
# built (no engine on these machines); this catches a renamed binary, a moved site or a missing
# hash.txt before an image build would.
#
# The build stage lays things out in one tree (WORKDIR /src, CARGO_TARGET_DIR=/src/target); here
# they live in two places, so each copied path is mapped the way the build writes it:
#   /src/<site-root>/...  -> <checkout>/<site-root>/...  cargo-leptos writes the site relative to
#                                                       the workspace (site-root in Cargo.toml)
#   /src/target/...       -> <target dir>/...          binaries and hash.txt, in CARGO_TARGET_DIR
#
#   scripts/check-dockerfile.sh [Dockerfile] [target dir] [checkout]
#   (defaults: Dockerfile, $CARGO_TARGET_DIR or <checkout>/target, this script's checkout)
set -euo pipefail
checkout=$(cd "${3:-$(dirname "$0")/..}" && pwd)
dockerfile=${1:-$checkout/Dockerfile}
target=${2:-${CARGO_TARGET_DIR:-$checkout/target}}
build_src=/src                 # WORKDIR of the Dockerfile's build stage
build_target=$build_src/target # its CARGO_TARGET_DIR

site_root=$(awk -F'"' '$1 ~ /^site-root *= *$/ { print $2; exit }' "$checkout/Cargo.toml")
[ -n "$site_root" ] || { echo "no site-root in $checkout/Cargo.toml" >&2; exit 1; }
site_root=${site_root%/}

checked=0 missing=0
while read -r src; do
  case "$src" in
    "$build_src/$site_root" | "$build_src/$site_root"/*) path="$checkout/${src#"$build_src"/}" ;;
    "$build_target"/*) path="$target/${src#"$build_target"/}" ;;
    *) continue ;;  # made by the build stage itself (/out/data), not by the build
  esac
  if [ -e "$path" ]; then
    echo "ok       $src  ($path)"
  else
    echo "MISSING  $src  ($path)" >&2
    missing=$((missing + 1))
  fi
  checked=$((checked + 1))
done < <(awk 'toupper($1) == "COPY" && $0 ~ /--from=build/ {
  # The source is the next-to-last word (flags start with --).
  n = 0; for (i = 2; i <= NF; i++) if ($i !~ /^--/) words[++n] = $i
  if (n >= 2) print words[n - 1] }' "$dockerfile")

if [ "$checked" -eq 0 ]; then echo "no COPY --from=build lines found in $dockerfile" >&2; exit 1; fi
if [ "$missing" -gt 0 ]; then
  echo "$missing of $checked paths the Dockerfile copies are missing after the release build" >&2
  exit 1
fi
echo "all $checked paths the Dockerfile copies exist (site under $checkout, binaries under $target)"
