# Tasks. The README's two commands are `make demo` and `make test`.

# Run the server on the embedded demo homelab at http://127.0.0.1:3000 (installs build tools once).
demo:
	bash scripts/demo.sh

# The whole test suite: fmt, clippy, unit, integration (real kube-apiserver, real OIDC provider), browser.
test:
	bash scripts/test.sh

# Search latency over 10,000 synthetic AARs (a measurement, not a test; figures in the README).
bench:
	bash -c 'source scripts/tools.sh && cargo run --release -p homelab -- bench aar-search'

# Install every tool the build and the tests need, without running anything.
tools:
	bash scripts/tools.sh

.PHONY: demo test bench tools
