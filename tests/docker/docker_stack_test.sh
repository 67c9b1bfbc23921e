#!/usr/bin/env bash
# The Docker test (ctest label docker; docs/docker.md, "How the test does it"): builds the images
# of docker-compose.yml, brings the stack up with host networking on free loopback ports
# (compose.host.yml instead of docker-compose.override.yml), runs the documented first-run
# commands, updates a host through nginx over HTTPS with the client's address taken from
# X-Forwarded-For, and checks the record in the named container and the row in PostgreSQL.
# Everything is torn down at the end, also on failure; images and the build cache stay, so a
# second run reuses them.
#
#   tests/docker/docker_stack_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail

SRC=$(cd "$1" && pwd)
WORK=$2
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
# Debian's docker.io client first: a newer client elsewhere in PATH wants the buildx plugin for
# BuildKit builds, which Debian does not package.
export PATH=/usr/bin:/usr/sbin:$PATH
export DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1

START=$(date +%s)
log() { printf 'docker-test [%4ds] %s\n' $(($(date +%s) - START)) "$*"; }
fail() {
  printf 'docker-test: FAILED: %s\n' "$*" >&2
  exit 1
}

DOCKERD_PID=
PROJECT=
compose() { docker-compose -p "$PROJECT" -f "$SRC/docker-compose.yml" -f "$SRC/tests/docker/compose.host.yml" "$@"; }

cleanup() {
  local rc=$?
  set +e
  if [ -n "$PROJECT" ]; then
    if [ $rc -ne 0 ]; then
      compose ps
      compose logs --no-color >"$WORK/compose.log" 2>&1
      echo "---- last lines of every container's log ($WORK/compose.log) ----"
      tail -n 80 "$WORK/compose.log"
    fi
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
    # This run's tags; the layers stay in BuildKit's cache for the next run.
    docker image ls --format '{{.Repository}}:{{.Tag}}' | grep ":$PROJECT\$" |
      xargs -r docker image rm >/dev/null 2>&1
    docker image prune --force >/dev/null 2>&1
  fi
  if [ -n "$DOCKERD_PID" ]; then
    if flock -n 9; then
      kill "$DOCKERD_PID" 2>/dev/null
      for _ in $(seq 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    else
      log "dockerd (pid $DOCKERD_PID) stays: another run of this test is using it"
    fi
  fi
  log "done (exit $rc)"
  exit $rc
}
trap cleanup EXIT

# --- The engine: started here (as root) when none answers; its log stays in WORK. ------------
# Several worktrees may run this test at once on one machine: the lock makes one of them start
# the engine, each holds it shared while it runs, and the one that started the engine stops it
# only when no other run holds the lock any more.
for tool in docker docker-compose dockerd python3 openssl curl flock; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
exec 9>"${TMPDIR:-/tmp}/ddns-gateway-docker-test.lock"
flock 9
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "no Docker engine answers and only root can start one here"
  log "starting dockerd (log: $WORK/dockerd.log)"
  # Without the lock's descriptor: an engine that outlives this run must not hold the lock.
  dockerd >"$WORK/dockerd.log" 2>&1 9>&- &
  DOCKERD_PID=$!
  for _ in $(seq 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 30 "$WORK/dockerd.log" >&2
    kill "$DOCKERD_PID" 2>/dev/null
    DOCKERD_PID=
    fail "the Docker engine did not start: this kernel cannot run it (overlay file system, \
cgroups and namespaces are needed); its log is $WORK/dockerd.log"
  fi
fi
flock -s 9
log "engine $(docker version --format '{{.Server.Version}}'), $(docker-compose version --short)"

# --- The base image: built from the Debian mirror when no registry gave us one. --------------
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  log "debian:bookworm-slim missing: building it with debootstrap"
  "$SRC/tests/docker/build-base-image.sh" "$WORK"
fi

# --- Free loopback ports, configuration and a certificate for this run. ----------------------
read -r PG_PORT NAMED_PORT RNDC_PORT GATEWAY_PORT METRICS_PORT HTTP_PORT HTTPS_PORT < <(
  python3 - <<'PY'
import socket
held, ports = [], []
while len(ports) < 7:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))  # named needs the port for UDP too
    except OSError:
        t.close(); continue
    held += [t, u]; ports.append(port)
print(*ports)
PY
)
export DDNS_TEST_DIR=$WORK/run DDNS_TEST_PG_PORT=$PG_PORT DDNS_TEST_RNDC_PORT=$RNDC_PORT \
  DDNS_TEST_GATEWAY_PORT=$GATEWAY_PORT DDNS_TEST_METRICS_PORT=$METRICS_PORT \
  DDNS_TEST_NGINX_HTTP_PORT=$HTTP_PORT \
  DDNS_TEST_NGINX_HTTPS_PORT=$HTTPS_PORT
DDNS_DB_PASSWORD=$(openssl rand -hex 16)
export DDNS_DB_PASSWORD
# Its own compose project and image tags: runs from other worktrees build other sources.
PROJECT=ddnsdockertest$$
export DDNS_IMAGE_TAG=$PROJECT
rm -rf "$DDNS_TEST_DIR"
mkdir -p "$DDNS_TEST_DIR/tls"
python3 "$SRC/tests/docker/render_named_conf.py" "$SRC" "$DDNS_TEST_DIR" \
  --named-port "$NAMED_PORT" --rndc-port "$RNDC_PORT"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost" -keyout "$DDNS_TEST_DIR/tls/privkey.pem" \
  -out "$DDNS_TEST_DIR/tls/fullchain.pem" 2>/dev/null
log "ports: postgres $PG_PORT, named $NAMED_PORT (rndc $RNDC_PORT), gateway $GATEWAY_PORT," \
  "nginx http $HTTP_PORT https $HTTPS_PORT"

# --- Build and start. -------------------------------------------------------------------------
log "building the images"
compose build >"$WORK/build.log" 2>&1 || {
  tail -n 60 "$WORK/build.log" >&2
  fail "docker-compose build failed (log: $WORK/build.log)"
}
log "built: $(docker image ls --filter "reference=ddns-gateway*:$PROJECT" \
  --format '{{.Repository}} {{.Size}},' | tr '\n' ' ')"
log "starting the stack"
compose up -d || fail "docker-compose up failed"

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$(compose ps -q "$1")"; }
for _ in $(seq 120); do
  [ "$(health nginx)" = healthy ] && break
  sleep 1
done
for service in postgres named gateway nginx; do
  state=$(health "$service")
  [ "$state" = healthy ] || fail "$service is $state, not healthy"
done
log "postgres, named, gateway and nginx are healthy"

# The gateway runs as the image's unprivileged user.
[ "$(compose exec -T gateway id -u | tr -d '\r')" = 10001 ] || fail "the gateway does not run as uid 10001"

# The configuration in force comes from the environment of docker-compose.yml and the test's
# file, and reaches the database.
compose exec -T gateway ddns-gateway check-config --connect >/dev/null ||
  fail "check-config --connect failed in the gateway container"
printed=$(compose exec -T gateway ddns-gateway check-config --print | tr -d '\r')
grep -E "^proxy\.trusted .*127\.0\.0\.1.*DDNS_PROXY_TRUSTED" <<<"$printed" >/dev/null ||
  fail "check-config --print does not show proxy.trusted from the environment: $printed"
grep -E '^database\.url = \*{8} .*DDNS_DATABASE_URL' <<<"$printed" >/dev/null ||
  fail "check-config --print does not mask database.url: $printed"
log "configuration from the environment: check-config --connect and --print agree"

# --- The documented first run (docs/docker.md). ------------------------------------------------
# In the running gateway container: docker-compose 1.29's `run` links a one-off container to the
# service's running one, which host networking refuses (on the bridge network of
# docker-compose.override.yml the documented `docker-compose run --rm gateway admin` works).
admin() { compose exec -T gateway ddns-gateway admin "$@"; }
log "first run: zone, account, host, token"
admin zone add dyn.example.org --server "127.0.0.1:$NAMED_PORT" \
  --key-file /etc/ddns-gateway/keys/ddns-gateway.key --ttl 60
printf '%s\n' 'docker-test-password' | admin account add alice --email alice@example.org
admin host add home.dyn.example.org --account alice
TOKEN=$(admin token add alice --host home.dyn.example.org | tr -d '\r' | tail -n 1)
[ -n "$TOKEN" ] || fail "token add printed no token"

# --- Updates through nginx. ---------------------------------------------------------------------
# The client connects from 127.0.0.77 and sends its own X-Forwarded-For, which nginx replaces
# with the address it saw; the gateway (peer 127.0.0.1 = nginx, trusted) records 127.0.0.77.
update() { # URL SOURCE_ADDRESS -> the answer body
  curl -sS --fail-with-body --max-time 20 --cacert "$DDNS_TEST_DIR/tls/fullchain.pem" \
    --interface "$2" -u "alice:$TOKEN" -H 'X-Forwarded-For: 127.0.0.99' "$1"
}
record() {
  compose exec -T named dig +short +norecurse @127.0.0.1 -p "$NAMED_PORT" home.dyn.example.org A |
    tr -d '\r'
}
row() {
  compose exec -T postgres psql -X -At -d ddns \
    -c "SELECT host(ipv4) FROM hosts WHERE name = 'home.dyn.example.org'" | tr -d '\r'
}
expect() { # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  log "$1: $2"
}

answer=$(update "https://localhost:$HTTPS_PORT/nic/update?hostname=home.dyn.example.org" 127.0.0.77)
expect "HTTPS update through nginx" "$answer" "good 127.0.0.77"
expect "A record in the named container" "$(record)" "127.0.0.77"
expect "address in PostgreSQL" "$(row)" "127.0.0.77"

# Plain HTTP on nginx's second port (routers that cannot speak HTTPS), from another address.
answer=$(update "http://localhost:$HTTP_PORT/nic/update?hostname=home.dyn.example.org" 127.0.0.78)
expect "HTTP update through nginx" "$answer" "good 127.0.0.78"
expect "A record in the named container" "$(record)" "127.0.0.78"
expect "address in PostgreSQL" "$(row)" "127.0.0.78"

# Straight to the gateway, the forged header counts for nothing: the peer is not a trusted proxy.
answer=$(update "http://127.0.0.1:$GATEWAY_PORT/nic/update?hostname=home.dyn.example.org" 127.0.0.79)
expect "direct update with a forged X-Forwarded-For" "$answer" "good 127.0.0.79"
expect "A record in the named container" "$(record)" "127.0.0.79"

log "PASSED in $(($(date +%s) - START)) s"
