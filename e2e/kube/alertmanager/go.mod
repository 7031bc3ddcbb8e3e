// Pins Alertmanager for the test harness (e2e/testbed: testbed::alertmanager); nothing here is
// part of the shipped program. Only the version is read from here (by scripts/kube.sh and, at
// compile time, by the testbed): `go build` of the module as a dependency fails, because ui/web.go
// embeds the UI's built files (ui/app/dist) and those are not in the module. scripts/kube.sh
// builds a writable copy of the module's source with a placeholder page there instead.
// Do not `go mod tidy` here: nothing imports the module, so tidy would drop the requirement.
module homelab.local/e2e/kube/alertmanager

go 1.26.0

require github.com/prometheus/alertmanager v0.35.0
