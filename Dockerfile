# ddns-gateway container image.
#
#   docker build -t ddns-gateway .
#   docker run --rm ddns-gateway version
#
# Build stage: compiles with CMake/Ninja against the Debian bookworm -dev packages (POCO 1.11,
# ldns 1.8.3, libpq 15, libsodium). Runtime stage: only the shared libraries the binary links
# against, and the binary. The configuration file is mounted at run time
# (/etc/ddns-gateway/gateway.conf); see docs/deployment.md.

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libpoco-dev libldns-dev libpq-dev libsodium-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Tests are not built here (they need named, PostgreSQL and the real clients: run ./test.sh).
# Warnings stay warnings in a packaging build; CI builds with -Werror.
RUN cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DDDNS_BUILD_TESTS=OFF \
      -DDDNS_WERROR=OFF \
 && cmake --build /build --target ddns-gateway \
 && DESTDIR=/out cmake --install /build --prefix /usr/local --strip

FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Runtime libraries only (their own dependencies, e.g. libpocoxml80 or libgssapi-krb5-2, come
# along through apt).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpocofoundation80 libpoconet80 libpoconetssl80 libpocoutil80 libpocojson80 \
      libpococrypto80 libldns3 libpq5 libsodium23 libssl3 \
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
# Every subcommand reads this path when --config is not given.
ENV DDNS_GATEWAY_CONFIG=/etc/ddns-gateway/gateway.conf
EXPOSE 8080
ENTRYPOINT ["ddns-gateway"]
CMD ["serve", "--config", "/etc/ddns-gateway/gateway.conf"]
