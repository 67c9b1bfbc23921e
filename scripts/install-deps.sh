#!/usr/bin/env bash
# Installs the Debian packages ddns-gateway needs to build, test and run the demo.
# apt-get update runs only when something is missing, so reruns are fast.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  clang libclang-rt-14-dev
  libpoco-dev libldns-dev libpq-dev libsodium-dev libssl-dev
  googletest libgtest-dev libgmock-dev
  bind9 bind9-utils bind9-dnsutils
  postgresql postgresql-client
  inadyn ddclient wget curl openssl
  iproute2
  libkainjow-mustache-dev
  chromium chromium-driver python3-selenium
  python3-aiosmtpd
  lego pebble
  python3 python3-prometheus-client
  # The Docker test (tests/docker/): engine, compose (1.29, the `docker-compose` command; bookworm
  # has no compose plugin) and debootstrap for the base image when no registry is reachable.
  docker.io docker-compose debootstrap
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and no sudo; install them as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Package scripts must not start system-wide named/PostgreSQL services on a developer machine's
# standard ports; the project starts its own unprivileged instances.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
