# The control plane's image: built with cargo-leptos (the server binary and the WASM site), run on
# distroless as a non-root user with nothing else in the image (no shell, no package manager).
#
#   docker build -t homelab:dev .
#
# The test suite builds no image (no engine on the build machines); after its release build it
# checks that every path copied from the build stage below exists (scripts/check-dockerfile.sh).

# --- build -------------------------------------------------------------------------------------
FROM docker.io/library/rust:1.95-bookworm AS build
# npm: wasm-opt comes from the npm package binaryen (Debian's is too old for islands).
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV CARGO_TARGET_DIR=/src/target HOMELAB_CACHE=/opt/homelab-cache
# The same pinned tools as every other build (cargo-leptos, wasm-bindgen-cli, wasm-opt), in a layer
# of their own so that a source change does not reinstall them.
COPY scripts/tools.sh scripts/tools.sh
RUN bash -c 'source scripts/tools.sh && ensure_build_tools'
COPY . .
RUN bash -c 'source scripts/tools.sh && cargo leptos build --release --precompress'
# An empty data directory owned by the runtime user: a fresh named volume copies its ownership.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

# --- run ---------------------------------------------------------------------------------------
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
# hash.txt (the hashed asset names) must sit beside the binary: the server looks for it there.
COPY --from=build /src/target/release/homelab /app/homelab
COPY --from=build /src/target/release/hash.txt /app/hash.txt
COPY --from=build /src/target/site /app/site
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# `homelab` on PATH, so `kubectl exec deploy/homelab -- homelab db backup ...` works as written.
ENV PATH=/app:/usr/local/bin:/usr/bin:/bin \
    HOMELAB_SERVER__LISTEN=0.0.0.0:3000 \
    HOMELAB_SERVER__SITE_ROOT=/app/site \
    HOMELAB_SERVER__DATA_DIR=/data \
    HOMELAB_SERVER__JSON_LOGS=true
EXPOSE 3000
VOLUME ["/data"]
ENTRYPOINT ["/app/homelab"]
CMD ["serve"]
