# Tasks. The README's two commands are `make demo` and `make test`; `make bench` runs the benchmarks.

# Run the server on the embedded demo homelab at http://127.0.0.1:3000 (installs build tools once).
demo:
	bash scripts/demo.sh

# The whole test suite: fmt, clippy, unit, integration (real kube-apiserver, real OIDC provider), browser.
test:
	bash scripts/test.sh

# The benchmark suite: builds release, runs the figures of docs/benchmarks.md, prints
# one table and writes target/bench/bench.json (not part of `make test`; never fails on a figure).
bench:
	bash scripts/bench.sh

# Install every tool the build and the tests need, without running anything.
tools:
	bash scripts/tools.sh

.PHONY: demo test bench tools
