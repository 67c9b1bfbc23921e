#!/usr/bin/env bash
# Builds the gateway and the agent, and starts a complete demo on loopback: an unprivileged named
# and PostgreSQL under .local/, the database migrated, a demo zone, account, host and token, and
# the gateway on 127.0.0.1:8080 (HTTP) and 127.0.0.1:8443 (HTTPS, with a self-signed certificate
# made on the first run), and a local mail catcher (the tests' SMTP server) on 127.0.0.1:2525 that
# stores the mails the gateway sends as .eml files in .local/mail/.
# Ctrl-C stops everything this script started. Data in .local/ survives restarts;
# `rm -rf .local` starts over (run as root from a directory the postgres user cannot reach, the
# database lives in a postgres-owned directory under /var/tmp that .local/pg links to).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

HTTP_PORT=${HTTP_PORT:-8080}
HTTPS_PORT=${HTTPS_PORT:-8443}
DNS_PORT=${DNS_PORT:-15353}
PG_PORT=${PG_PORT:-15432}
SMTP_PORT=${SMTP_PORT:-2525}
ZONE=${ZONE:-dyn.example.test}
DEMO_USER=demo
DEMO_PASSWORD=demo-password
DEMO_HOST=home.$ZONE
LOCAL=$ROOT/.local

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target ddns-gateway ddns-agent
GATEWAY=$ROOT/build/gateway/ddns-gateway

PG_BIN=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$PG_BIN/initdb" ]; then PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); fi

# PostgreSQL refuses to run as root: run it as the `postgres` system user then.
# (From /, so runuser does not complain about a working directory it cannot enter.)
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

PIDS=()
PG_DIR=$LOCAL/pg
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "stopping..."
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for DESCRIPTION COMMAND...: polls until COMMAND succeeds (20 s at most)
  local what=$1; shift
  for _ in $(seq 1 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "run.sh: $what did not become ready; see the logs in $LOCAL" >&2
  exit 1
}

mkdir -p "$LOCAL/named"

# --- PostgreSQL -----------------------------------------------------------------------------
# As root, PostgreSQL runs as the `postgres` user, which must reach its data directory. When the
# checkout is not reachable for it (a clone under /root, mode 700), the data lives in a
# postgres-owned directory instead and .local/pg links to it.
PG_DIR=$LOCAL/pg
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$LOCAL"
  if [ -L "$LOCAL/pg" ] || ! as_pg test -x "$LOCAL"; then
    PG_DIR=/var/tmp/ddns-gateway-demo-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
    mkdir -p "$PG_DIR"
    ln -sfn "$PG_DIR" "$LOCAL/pg"
  fi
  mkdir -p "$PG_DIR"
  chown postgres "$PG_DIR"
else
  mkdir -p "$PG_DIR"
fi
if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >"$PG_DIR/initdb.log"
fi
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR" start >/dev/null
wait_for "PostgreSQL" "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "select 1 from pg_database where datname='ddns'" | grep -q 1; then
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ddns
fi

# --- named ----------------------------------------------------------------------------------
KEY_FILE=$LOCAL/named/gateway.key
[ -f "$KEY_FILE" ] || tsig-keygen -a hmac-sha256 ddns-gateway-key >"$KEY_FILE"
if [ ! -f "$LOCAL/named/$ZONE.zone" ]; then
  cat >"$LOCAL/named/$ZONE.zone" <<ZONEFILE
\$TTL 300
@   IN SOA ns1.$ZONE. hostmaster.$ZONE. 1 3600 600 86400 60
@   IN NS  ns1.$ZONE.
ns1 IN A   192.0.2.53
ZONEFILE
fi
cat >"$LOCAL/named/named.conf" <<CONF
include "$KEY_FILE";
options {
    directory "$LOCAL/named";
    pid-file "$LOCAL/named/named.pid";
    lock-file "$LOCAL/named/named.lock";
    session-keyfile "$LOCAL/named/session.key";
    managed-keys-directory "$LOCAL/named";
    listen-on port $DNS_PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
};
controls { };
zone "$ZONE" {
    type primary;
    file "$ZONE.zone";
    update-policy { grant ddns-gateway-key zonesub ANY; };
};
CONF
named-checkconf -z "$LOCAL/named/named.conf" >/dev/null
named -g -c "$LOCAL/named/named.conf" >"$LOCAL/named/named.log" 2>&1 &
PIDS+=($!)
wait_for "named" dig +short +norec @127.0.0.1 -p "$DNS_PORT" "$ZONE" SOA

# --- mail catcher ---------------------------------------------------------------------------
# The SMTP server of the tests (python3-aiosmtpd, Debian's interpreter): plain SMTP on loopback,
# every accepted mail a file in .local/mail/, so sign-up and reset links can be followed.
MAIL_DIR=$LOCAL/mail
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
"$PYTHON" tests/support/smtp_server.py --port "$SMTP_PORT" --maildir "$MAIL_DIR" \
  >"$LOCAL/mail-catcher.log" 2>&1 &
PIDS+=($!)
wait_for "the mail catcher" grep -q "listening on" "$LOCAL/mail-catcher.log"

# --- TLS certificate ------------------------------------------------------------------------
# Self-signed for 127.0.0.1 and localhost, made once and kept, so a client that trusts it keeps
# working across reruns. RSA, because the oldest TLS 1.2 clients do not all speak ECDSA.
TLS_CERT=$LOCAL/tls/gateway.crt
TLS_KEY=$LOCAL/tls/gateway.key
if [ ! -s "$TLS_CERT" ] || [ ! -s "$TLS_KEY" ]; then
  mkdir -p "$LOCAL/tls"
  if ! (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$TLS_KEY" -out "$TLS_CERT" 2>"$LOCAL/tls/openssl.log"); then
    cat "$LOCAL/tls/openssl.log" >&2
    exit 1
  fi
fi

# --- gateway --------------------------------------------------------------------------------
CONFIG=$LOCAL/gateway.conf
cat >"$CONFIG" <<CONF
# Written by run.sh for the local demo; see docs/configuration.md for every key.
database.url = postgresql://postgres@127.0.0.1:$PG_PORT/ddns
http.listen = 127.0.0.1:$HTTP_PORT
https.listen = 127.0.0.1:$HTTPS_PORT
tls.certificate = $TLS_CERT
tls.private_key = $TLS_KEY
proxy.trusted =
log.level = info
# Mail goes to the local catcher (plain SMTP is fine on loopback; use starttls or tls with a
# real server).
mail.enabled = true
mail.smtp_host = 127.0.0.1
mail.smtp_port = $SMTP_PORT
mail.tls = none
mail.from = ddns-gateway demo <gateway@example.test>
mail.interval = 5s
mail.retry_initial = 5s
# The self-service pages, open for sign-up; links in mails point at the plain listener.
web.enabled = true
web.registration = open
web.base_url = http://127.0.0.1:$HTTP_PORT
CONF
"$GATEWAY" check-config --config "$CONFIG" >/dev/null
"$GATEWAY" migrate --config "$CONFIG"
admin() { "$GATEWAY" admin --config "$CONFIG" "$@"; }
if ! admin zone list | grep -q "^$ZONE "; then
  admin zone add "$ZONE" --server "127.0.0.1:$DNS_PORT" --key-file "$KEY_FILE" --ttl 60
fi
if ! admin account list | grep -q "^$DEMO_USER "; then
  echo "$DEMO_PASSWORD" | admin account add "$DEMO_USER" --email demo@example.test
fi
if ! admin host list | grep -q "^$DEMO_HOST "; then
  admin host add "$DEMO_HOST" --account "$DEMO_USER"
fi
# The token is shown once by `token add`; the demo keeps it in .local so reruns can print it.
if [ ! -s "$LOCAL/demo-token" ]; then
  (umask 077; admin token add "$DEMO_USER" --host "$DEMO_HOST" 2>/dev/null >"$LOCAL/demo-token")
fi
TOKEN=$(cat "$LOCAL/demo-token")
admin account enable-updates "$DEMO_USER" >/dev/null   # the demo also shows /dynamic
admin zone public "$ZONE" on >/dev/null                # users who sign up pick names in it

"$GATEWAY" serve --config "$CONFIG" &
PIDS+=($!)
wait_for "the gateway" curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz"

cat <<EOT

ddns-gateway is running on http://127.0.0.1:$HTTP_PORT and https://127.0.0.1:$HTTPS_PORT (named on 127.0.0.1:$DNS_PORT, PostgreSQL on 127.0.0.1:$PG_PORT).

Update the demo host with the account password:
  curl -u $DEMO_USER:$DEMO_PASSWORD "http://127.0.0.1:$HTTP_PORT/nic/update?hostname=$DEMO_HOST&myip=203.0.113.10"
or with the demo's update token (limited to $DEMO_HOST):
  curl -u $DEMO_USER:$TOKEN "http://127.0.0.1:$HTTP_PORT/nic/update?hostname=$DEMO_HOST&myip=198.51.100.20"
or as a DynamIP-style client (the host name is the SiteID):
  curl "http://127.0.0.1:$HTTP_PORT/Login/updateip.asp?SiteID=$DEMO_HOST&Password=$DEMO_PASSWORD&IPAddr=203.0.113.30&ProgVer=1.0"
or Zerigo-style, with the token in the query:
  curl "http://127.0.0.1:$HTTP_PORT/dynamic?host=$DEMO_HOST&ip=198.51.100.21&user=$DEMO_USER&password=$TOKEN"
or as the MyServer-style VB6 client (Login lists the account's records):
  curl "http://127.0.0.1:$HTTP_PORT/dnslogin3.asp?FXN=Add&Usr=$DEMO_USER&Pwd=$DEMO_PASSWORD&Type=A&IP=198.51.100.22"
  curl "http://127.0.0.1:$HTTP_PORT/dnslogin3.asp?FXN=Login&Usr=$DEMO_USER&Pwd=$DEMO_PASSWORD"
or over HTTPS, trusting the demo's self-signed certificate:
  curl --cacert $TLS_CERT -u $DEMO_USER:$DEMO_PASSWORD "https://127.0.0.1:$HTTPS_PORT/nic/update?hostname=$DEMO_HOST&myip=203.0.113.30"

See the result in named:
  dig +short @127.0.0.1 -p $DNS_PORT $DEMO_HOST A
Admin commands:
  $GATEWAY admin --config $CONFIG host list

Mails the gateway sends (address verification, password reset, a test) land as .eml files in
  $MAIL_DIR/
Try it:
  $GATEWAY admin --config $CONFIG mail test you@example.test
  ls $MAIL_DIR/
  $GATEWAY admin --config $CONFIG mail queue --all

The self-service pages (sign up, get a name and a token, router settings, password reset):
  http://127.0.0.1:$HTTP_PORT/         (log in as $DEMO_USER / $DEMO_PASSWORD, or sign up)
  https://127.0.0.1:$HTTPS_PORT/       (the same over HTTPS, self-signed certificate)
The sign-up and reset mails arrive in $MAIL_DIR/ (open the .eml file, follow the link).

Press Ctrl-C to stop.
EOT
wait "${PIDS[-1]}"
