#!/usr/bin/env bash
# Checks the Dockerfile against a finished `cargo leptos build --release`: every path its runtime
# stage copies out of the build stage's target directory (/src/target) must exist in ours. No
# image is built here (no engine on these machines); this catches a renamed binary, a moved site
# or a missing hash.txt before an image build would.
#
#   scripts/check-dockerfile.sh [Dockerfile] [target dir]   (default: Dockerfile, $CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile=${1:-Dockerfile}
target=${2:-${CARGO_TARGET_DIR:-target}}
build_target=/src/target   # CARGO_TARGET_DIR in the Dockerfile's build stage

checked=0 missing=0
while read -r src; do
  case "$src" in
    "$build_target"/*) ;;
    *) continue ;;  # made by the build stage itself (/out/data), not by cargo
  esac
  path="$target/${src#"$build_target"/}"
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
echo "all $checked paths the Dockerfile copies from $build_target exist under $target"
