//go:build tools

// Package tools pins kustomize, which scripts/kube.sh builds.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
