//go:build tools

// Package tools pins controller-gen, which scripts/kube.sh runs.
package tools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
