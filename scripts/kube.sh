#!/usr/bin/env bash
# Builds the real Kubernetes control plane that the test harness (e2e/testbed) runs, and gathers
# the CustomResourceDefinitions of the systems the homelab runs, all from the Go module proxy.
#
#   kube-apiserver, kube-controller-manager,
#   kube-scheduler                           from e2e/kube/apiserver (k8s.io/kubernetes, pinned there)
#   kwok                                     from e2e/kube/kwok      (sigs.k8s.io/kwok: the nodes' kubelets)
#   etcd                                     from e2e/kube/etcd      (go.etcd.io/etcd/server/v3)
#   kustomize                                from e2e/kube/kustomize (sigs.k8s.io/kustomize/kustomize/v5)
#   alertmanager                             from e2e/kube/alertmanager (github.com/prometheus/alertmanager,
#                                            a copy of its source with a placeholder UI: ensure_alertmanager)
#   velero, velero-plugin-for-aws, versitygw from e2e/kube/velero (Velero's server from a copy of its
#                                            source, its AWS object-store plugin, an S3 server)
#   CRDs                                     Velero, Gateway API, Flux, Longhorn at pinned versions
#
# Everything lands outside the repository, in ${HOMELAB_KUBE_DIR:-$HOMELAB_CACHE/kube}:
#   v1.32.5/{kube-apiserver,kube-controller-manager,kube-scheduler}, etcd-v3.5.21/etcd,
#   kwok-v0.8.0/kwok, kustomize-v5.7.1/kustomize, alertmanager-v0.35.0/alertmanager, crds/*.yaml,
#   velero-v1.18.3-1/{velero,plugins/velero-plugin-for-aws-v1.14.3}, versitygw-v1.8.0/versitygw
# and is built only when missing, so a second run takes seconds. Measured on 2 cores with cold Go
# caches (2026-12-04): kube-apiserver and kube-controller-manager 253 s, etcd 50 s, the CRDs
# about a minute, alertmanager 64 s (its dependencies downloaded too); with a warm Go cache
# (another checkout, a changed HOMELAB_CACHE) seconds.
# Needs only Go (and network access to the Go module proxy). Prints the directory to use as
# HOMELAB_KUBE_DIR; the tests find it there by default.
#
#   scripts/kube.sh              everything
#   scripts/kube.sh crds         only one part: etcd, crds, kube, kwok, kustomize, alertmanager,
#                                velero or versitygw
set -euo pipefail

command -v go >/dev/null || { echo "[kube] Go is needed: apt-get install golang-go, or see go.dev" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HOMELAB_CACHE="${HOMELAB_CACHE:-$HOME/.cache/homelab}"
KUBE_DIR="${HOMELAB_KUBE_DIR:-$HOMELAB_CACHE/kube}"

# The CRDs, as "module version path-inside-module". Kept at the versions the homelab runs.
CRD_SOURCES=(
  # Velero's server checks for the CRDs of its own version (e2e/kube/velero pins it).
  "github.com/vmware-tanzu/velero VELERO config/crd/v1/bases"
  "github.com/vmware-tanzu/velero VELERO config/crd/v2alpha1/bases"
  "sigs.k8s.io/gateway-api v1.1.0 config/crd/standard"
  "github.com/longhorn/longhorn-manager v1.6.2 k8s/crds.yaml"
  # The ServiceMonitor of deploy/components/servicemonitor (kube-prometheus-stack's operator).
  "github.com/prometheus-operator/prometheus-operator v0.79.2 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
)
# Flux's controller modules (which carry config/crd/bases) are not on the module proxy at these
# versions, but their api modules are: those files are generated from the api types by
# controller-gen, so the same generation is run here, with the controller-gen version and flags of
# the controllers' Makefiles (controller-gen is pinned in e2e/kube/crdgen).
FLUX_API_SOURCES=(
  "github.com/fluxcd/kustomize-controller/api v1.5.1"
  "github.com/fluxcd/helm-controller/api v1.2.0"
)

# -mod=mod: go.sum is committed, but let go fill in what a newer go wants; -buildvcs=false: the
# binaries are tools, not releases, and stamping needs a git that may not be there.
GO_FLAGS="${GOFLAGS:-} -mod=mod -buildvcs=false"

log() { printf '\033[1m[kube]\033[0m %s\n' "$*" >&2; }

# The version a module is required at in a go.mod, e.g. `required_version go.mod k8s.io/kubernetes`.
required_version() {
  awk -v m="$2" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1"
}

KUBE_VERSION=$(required_version "$ROOT/e2e/kube/apiserver/go.mod" k8s.io/kubernetes)
ETCD_VERSION=$(required_version "$ROOT/e2e/kube/etcd/go.mod" go.etcd.io/etcd/server/v3)
KUSTOMIZE_VERSION=$(required_version "$ROOT/e2e/kube/kustomize/go.mod" sigs.k8s.io/kustomize/kustomize/v5)
KWOK_VERSION=$(required_version "$ROOT/e2e/kube/kwok/go.mod" sigs.k8s.io/kwok)
ALERTMANAGER_MODULE=github.com/prometheus/alertmanager
ALERTMANAGER_VERSION=$(required_version "$ROOT/e2e/kube/alertmanager/go.mod" "$ALERTMANAGER_MODULE")
VELERO_MODULE=github.com/vmware-tanzu/velero
VELERO_VERSION=$(required_version "$ROOT/e2e/kube/velero/go.mod" "$VELERO_MODULE")
VELERO_AWS_VERSION=$(required_version "$ROOT/e2e/kube/velero/go.mod" github.com/vmware-tanzu/velero-plugin-for-aws)
VERSITYGW_VERSION=$(required_version "$ROOT/e2e/kube/velero/go.mod" github.com/versity/versitygw)
CRD_SOURCES=("${CRD_SOURCES[@]/VELERO/$VELERO_VERSION}")
[ -n "$KUBE_VERSION" ] && [ -n "$ETCD_VERSION" ] && [ -n "$KUSTOMIZE_VERSION" ] && [ -n "$KWOK_VERSION" ] \
  && [ -n "$ALERTMANAGER_VERSION" ] && [ -n "$VELERO_VERSION" ] && [ -n "$VELERO_AWS_VERSION" ] \
  && [ -n "$VERSITYGW_VERSION" ] || { log "cannot read the pinned versions"; exit 1; }
KUBE_BIN="$KUBE_DIR/$KUBE_VERSION"
ETCD_BIN="$KUBE_DIR/etcd-$ETCD_VERSION"
KUSTOMIZE_BIN="$KUBE_DIR/kustomize-$KUSTOMIZE_VERSION"
KWOK_BIN="$KUBE_DIR/kwok-$KWOK_VERSION"
ALERTMANAGER_BIN="$KUBE_DIR/alertmanager-$ALERTMANAGER_VERSION"
# -1: the build's revision (its source change below); a new one gets a new directory.
VELERO_BIN="$KUBE_DIR/velero-$VELERO_VERSION-1"
VERSITYGW_BIN="$KUBE_DIR/versitygw-$VERSITYGW_VERSION"
CRD_DIR="$KUBE_DIR/crds"
# Work in progress is named *.tmp.<pid>*; whatever an interrupted or failed run leaves goes.
trap 'rm -rf "$KUBE_DIR"/*.tmp."$$"*' EXIT

# go build from a module directory into a fresh directory, then moved into place whole, so that an
# interrupted build never leaves a half-written binary that looks finished.
build_into() {
  local module_dir=$1 dest=$2 ldflags=$3; shift 3
  local start tmp
  start=$(date +%s)
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$module_dir" && GOFLAGS="$GO_FLAGS" go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp/" "$@")
  # go names go.etcd.io/etcd/server/v3 after the element before the major version: "server".
  if [ -f "$tmp/server" ]; then mv "$tmp/server" "$tmp/etcd"; fi
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "built $(ls "$dest" | tr '\n' ' ')in $(( $(date +%s) - start ))s"
}

ensure_kube() {
  local cmd missing=""
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$KUBE_BIN/$cmd" ] || missing="$missing $cmd"
  done
  if [ -z "$missing" ]; then return; fi
  log "building kube-apiserver, kube-controller-manager and kube-scheduler $KUBE_VERSION (about 5 minutes on 2 cores, once)"
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local x="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION"
  x="$x -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  x="$x -X k8s.io/component-base/version.gitTreeState=clean"
  x="$x -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
  build_into "$ROOT/e2e/kube/apiserver" "$KUBE_BIN" "$x" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
}

ensure_kwok() {
  if [ -x "$KWOK_BIN/kwok" ]; then return; fi
  log "building kwok $KWOK_VERSION"
  build_into "$ROOT/e2e/kube/kwok" "$KWOK_BIN" "" sigs.k8s.io/kwok/cmd/kwok
}

ensure_etcd() {
  if [ -x "$ETCD_BIN/etcd" ]; then return; fi
  log "building etcd $ETCD_VERSION"
  build_into "$ROOT/e2e/kube/etcd" "$ETCD_BIN" "" go.etcd.io/etcd/server/v3
}

ensure_kustomize() {
  if [ -x "$KUSTOMIZE_BIN/kustomize" ]; then return; fi
  log "building kustomize $KUSTOMIZE_VERSION"
  build_into "$ROOT/e2e/kube/kustomize" "$KUSTOMIZE_BIN" "" sigs.k8s.io/kustomize/kustomize/v5
}

# Directory of a module in the module cache, downloading it if needed. Run outside any module.
module_dir() {
  (cd / && GOFLAGS= go mod download -json "$1@$2") | awk -F'"' '$2 == "Dir" { print $4 }'
}

# `go install .../cmd/alertmanager@version` fails: ui/web.go embeds ui/app/dist, the UI's built
# files, which are not in the module. So: a writable copy of the module's source with a
# placeholder page there, built in place (with its own go.mod and go.sum). The API (v2) is what
# the tests use; the web UI shows only the placeholder.
ensure_alertmanager() {
  if [ -x "$ALERTMANAGER_BIN/alertmanager" ]; then return; fi
  log "building alertmanager $ALERTMANAGER_VERSION"
  local dir src
  dir=$(module_dir "$ALERTMANAGER_MODULE" "$ALERTMANAGER_VERSION")
  [ -n "$dir" ] || { log "cannot download $ALERTMANAGER_MODULE@$ALERTMANAGER_VERSION"; exit 1; }
  src="$ALERTMANAGER_BIN.src.tmp.$$"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  mkdir -p "$src/ui/app/dist"
  echo '<!doctype html><title>Alertmanager</title><p>The UI is not built (scripts/kube.sh); the API is /api/v2.' \
    >"$src/ui/app/dist/index.html"
  # The version as Prometheus's release builds stamp it (shown by --version and /api/v2/status).
  build_into "$src" "$ALERTMANAGER_BIN" \
    "-X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}" ./cmd/alertmanager
  rm -rf "$src"
}

# Velero's module has replace directives, so `go install` of it is refused; and its go.mod asks
# for k8s.io/cli-runtime v0.33.12, which the proxy does not serve: a writable copy of its source,
# that one requirement moved to the next patch release, built in place. The AWS plugin installs
# as it is, into the directory `velero server --plugin-dir` scans.
ensure_velero() {
  local plugin="$VELERO_BIN/plugins/velero-plugin-for-aws-$VELERO_AWS_VERSION"
  if [ -x "$VELERO_BIN/velero" ] && [ -x "$plugin" ]; then return; fi
  log "building velero $VELERO_VERSION and velero-plugin-for-aws $VELERO_AWS_VERSION (about 5 minutes on 2 cores, once)"
  local dir src tmp start
  dir=$(module_dir "$VELERO_MODULE" "$VELERO_VERSION")
  [ -n "$dir" ] || { log "cannot download $VELERO_MODULE@$VELERO_VERSION"; exit 1; }
  src="$VELERO_BIN.src.tmp.$$"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (cd "$src" && go mod edit -replace k8s.io/cli-runtime=k8s.io/cli-runtime@v0.33.13)
  # Velero's controller manager keeps controller-runtime's own metrics listener on :8080, every
  # interface, with no flag to move it: off here, so that a test Velero listens on 127.0.0.1 only
  # (its own metrics are at --metrics-address) and two can run side by side.
  perl -0pi -e 's|(ctrl\.NewManager\(clientConfig, ctrl\.Options\{\n\s*Scheme: scheme,)|$1\n\t\t\tMetrics: metricsserver.Options{BindAddress: "0"},|; s|(\t"sigs.k8s.io/controller-runtime/pkg/manager"\n)|$1\tmetricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"\n|' \
    "$src/pkg/cmd/server/server.go"
  grep -q 'BindAddress: "0"' "$src/pkg/cmd/server/server.go" \
    || { log "cannot turn off the controller-runtime metrics listener in velero's server.go"; exit 1; }
  build_into "$src" "$VELERO_BIN.server.tmp.$$" \
    "-X $VELERO_MODULE/pkg/buildinfo.Version=$VELERO_VERSION" ./cmd/velero
  start=$(date +%s)
  tmp="$VELERO_BIN.server.tmp.$$/plugins"
  mkdir -p "$tmp"
  (cd / && GOFLAGS= GOBIN="$tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws@$VELERO_AWS_VERSION")
  mv "$tmp/velero-plugin-for-aws" "$tmp/velero-plugin-for-aws-$VELERO_AWS_VERSION"
  log "built velero-plugin-for-aws in $(( $(date +%s) - start ))s"
  rm -rf "$VELERO_BIN" "$src"
  mv "$VELERO_BIN.server.tmp.$$" "$VELERO_BIN"
}

ensure_versitygw() {
  if [ -x "$VERSITYGW_BIN/versitygw" ]; then return; fi
  log "building versitygw $VERSITYGW_VERSION"
  local tmp="$VERSITYGW_BIN.tmp.$$" start
  start=$(date +%s)
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd / && GOFLAGS= GOBIN="$tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION")
  rm -rf "$VERSITYGW_BIN"
  mv "$tmp" "$VERSITYGW_BIN"
  log "built versitygw in $(( $(date +%s) - start ))s"
}

ensure_crds() {
  local stamp="${CRD_SOURCES[*]} ${FLUX_API_SOURCES[*]} $(required_version \
    "$ROOT/e2e/kube/crdgen/go.mod" sigs.k8s.io/controller-tools) crdprep-2"
  if [ -f "$CRD_DIR/.stamp" ] && [ "$(cat "$CRD_DIR/.stamp")" = "$stamp" ]; then return; fi
  log "gathering CRDs into $CRD_DIR"
  local tmp raw gen src mod ver path dir out
  tmp="$CRD_DIR.tmp.$$"  # the result
  raw="$tmp.raw"         # CRD files as found or generated
  gen="$tmp.gen"         # controller-gen and the writable module copies it runs in
  rm -rf "$tmp" "$raw" "$gen"
  mkdir -p "$tmp" "$raw" "$gen"
  for src in "${CRD_SOURCES[@]}"; do
    read -r mod ver path <<<"$src"
    dir=$(module_dir "$mod" "$ver")
    [ -n "$dir" ] || { log "cannot download $mod@$ver"; exit 1; }
    mkdir -p "$raw/${mod##*/}"
    if [ -d "$dir/$path" ]; then
      cp "$dir/$path"/*.yaml "$raw/${mod##*/}/"
    else
      cp "$dir/$path" "$raw/${mod##*/}/"
    fi
  done
  (cd "$ROOT/e2e/kube/crdgen" && GOFLAGS="$GO_FLAGS" go build -o "$gen/controller-gen" \
    sigs.k8s.io/controller-tools/cmd/controller-gen)
  for src in "${FLUX_API_SOURCES[@]}"; do
    read -r mod ver <<<"$src"
    dir=$(module_dir "$mod" "$ver")
    [ -n "$dir" ] || { log "cannot download $mod@$ver"; exit 1; }
    out=$(basename "$(dirname "$mod")")
    mkdir -p "$raw/$out"
    # controller-gen loads the packages with go: it needs a writable module copy.
    cp -r "$dir" "$gen/$out"
    chmod -R u+w "$gen/$out"
    (cd "$gen/$out" && GOFLAGS="$GO_FLAGS" GODEBUG=gotypesalias=0 "$gen/controller-gen" crd:crdVersions=v1 paths=./... \
      output:crd:artifacts:config="$raw/$out")
  done
  # One file per CRD; CRDs whose versions convert through a webhook (Longhorn) keep only their
  # storage version, since no webhook runs beside a test apiserver.
  (cd "$ROOT/e2e/kube/apiserver" && GOFLAGS="$GO_FLAGS" go run ./crdprep -storage-only longhorn.io "$tmp" "$raw")
  rm -rf "$raw" "$gen"
  echo "$stamp" >"$tmp/.stamp"
  rm -rf "$CRD_DIR"
  mv "$tmp" "$CRD_DIR"
  log "$(ls "$CRD_DIR" | wc -l) CRDs in $CRD_DIR"
}

# With arguments (any of etcd, crds, kube, kwok, kustomize, alertmanager, velero, versitygw), only
# those parts; otherwise all.
for part in "${@:-etcd crds kube kwok kustomize alertmanager velero versitygw}"; do
  for p in $part; do "ensure_$p"; done
done
log "ready: HOMELAB_KUBE_DIR=$KUBE_DIR"
echo "$KUBE_DIR"
