# Rust/Cargo-shaped, in a Dockerfile that is not at the root (build/app.Dockerfile) and
# has its own ignore file beside it (build/app.Dockerfile.dockerignore), which BuildKit
# uses instead of the root .dockerignore. The root .dockerignore belongs to the docs
# image and keeps everything but docs/ out: if it were applied here, the first COPY
# would fail. The dependency step builds the dependencies against a stub main.rs, as
# cargo-chef-style Dockerfiles do.
ARG RUNTIME_IMAGE=busybox:1.36

FROM rust:1.83-slim-bookworm AS build
WORKDIR /usr/src/tracker
COPY Cargo.toml Cargo.lock ./
# "cargo build --release --locked" with a stub main: compiles only the dependencies
RUN mkdir -p src target/release/deps \
 && echo 'fn main() {}' > src/main.rs \
 && sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock | sort > target/release/deps/crates.txt \
 && rm -r src \
 && test -s target/release/deps/crates.txt
COPY src/ src/
# the real build; fails if files the specific ignore file excludes reached the context
RUN test ! -e secrets/signing.key && test ! -e target/release/tracker-stale && test ! -e docs/design.md \
 && mkdir -p /out \
 && cat /bin/busybox src/*.rs > /out/tracker \
 && busybox chmod 0755 /out/tracker

FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=build /out/tracker /usr/local/bin/tracker
USER 10001
ENTRYPOINT ["/usr/local/bin/tracker"]
