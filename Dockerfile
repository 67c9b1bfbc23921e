# ddns-gateway container image (docs/docker.md).
#
#   DOCKER_BUILDKIT=1 docker build -t ddns-gateway:local .
#   docker run --rm ddns-gateway:local version
#   docker run -e DDNS_DATABASE_URL=postgresql://ddns@db/ddns -e PGPASSWORD=... \
#              -e DDNS_HTTP_LISTEN=0.0.0.0:8080 ddns-gateway:local
#
# Needs BuildKit (the default from Docker 23 on; with Debian's docker.io 20.10 set
# DOCKER_BUILDKIT=1, and COMPOSE_DOCKER_CLI_BUILD=1 for docker-compose 1.29): the build stage
# keeps its ccache in a cache mount, so a rebuild after a source change compiles only what
# changed.
#
# Build stage: CMake/Ninja against the Debian bookworm -dev packages (POCO 1.11, ldns 1.8.3,
# libpq 15, libsodium). Runtime stage: only the shared libraries the binary links against, and
# the binary. Both stages use debian:bookworm-slim, so a machine without registry access needs
# just that one base image (tests/docker/ builds it with debootstrap when it is missing).

FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache \
      libpoco-dev libldns-dev libpq-dev libsodium-dev libssl-dev libkainjow-mustache-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the program's build reads, so edits to docs, tests or deploy files reuse this layer.
COPY CMakeLists.txt ./
COPY cmake cmake
COPY nsupdate nsupdate
COPY auth auth
COPY sql sql
COPY gateway gateway
COPY agent agent
# Tests are not built here (they need named, PostgreSQL and the real clients: run ./test.sh).
# Warnings stay warnings in a packaging build; CI builds with -Werror.
ENV CCACHE_DIR=/ccache
RUN --mount=type=cache,target=/ccache,id=ddns-gateway-ccache \
    cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DDDNS_BUILD_TESTS=OFF \
      -DDDNS_WERROR=OFF \
 && cmake --build /build --target ddns-gateway \
 && install -D -m 0755 -s /build/gateway/ddns-gateway /out/usr/local/bin/ddns-gateway \
 && ccache --show-stats

FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Runtime libraries only (their own dependencies, e.g. libpocoxml80 or libgssapi-krb5-2, come
# along through apt).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpocofoundation80 libpoconet80 libpoconetssl80 libpocoutil80 libpocojson80 \
      libpococrypto80 libldns3 libpq5 libsodium23 libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Fixed ids so files shared with other containers (the TSIG key volume) can be granted by group.
RUN groupadd --system --gid 10001 ddns-gateway \
 && useradd --system --uid 10001 --gid ddns-gateway --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin ddns-gateway
COPY --from=build /out/usr/local/bin/ddns-gateway /usr/local/bin/ddns-gateway
# Fail the image build, not the first start, when a shared library is missing.
RUN if ldd /usr/local/bin/ddns-gateway | grep 'not found'; then exit 1; fi \
 && ddns-gateway version
USER 10001:10001
# Configuration: DDNS_<SECTION>_<KEY> variables (docs/configuration.md), as docker-compose.yml
# sets them, or a mounted file named by DDNS_GATEWAY_CONFIG or --config (variables win, so the
# image sets none; http.listen must name 0.0.0.0 or the container's address to be reachable).
# The port of a plain-HTTP listener of http.listen, for the health check below.
ENV DDNS_HEALTHCHECK_PORT=8080
EXPOSE 8080
# Liveness: /healthz answers 200 while the process serves (docs/deployment.md, Health checks).
# The image has no curl, so bash speaks HTTP through /dev/tcp.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${DDNS_HEALTHCHECK_PORT} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["ddns-gateway"]
CMD ["serve"]
