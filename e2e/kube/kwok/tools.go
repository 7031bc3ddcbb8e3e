//go:build tools

// Package tools pins kwok, the nodes' kubelets in the test cluster: it heartbeats the nodes,
// moves scheduled pods to Running and serves their logs. scripts/kube.sh builds it.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
