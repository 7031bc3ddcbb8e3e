// Pins Velero, its AWS object-store plugin and the S3 server the test harness backs up to
// (e2e/testbed: testbed::velero); nothing here is part of the shipped program. Only the versions
// are read from here (by scripts/kube.sh and, at compile time, by the testbed). Velero's module
// has replace directives, so `go install` of it is refused: scripts/kube.sh builds a writable copy
// of its source instead. versitygw (Apache-2.0) stands in for the homelab's MinIO, whose server is
// under the AGPL.
// Do not `go mod tidy` here: nothing imports the modules, so tidy would drop the requirements.
module homelab.local/e2e/kube/velero

go 1.26.0

require (
	github.com/versity/versitygw v1.8.0
	github.com/vmware-tanzu/velero v1.18.3
	github.com/vmware-tanzu/velero-plugin-for-aws v1.14.3
)
