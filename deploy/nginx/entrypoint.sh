#!/bin/sh
# Renders the nginx site for the gateway from the environment, then runs nginx in the foreground.
#  DDNS_NGINX_HTTP_PORT   plain HTTP port (default 80; many routers cannot speak HTTPS)
#  DDNS_NGINX_HTTPS_PORT  HTTPS port (default 443)
#  DDNS_NGINX_ADDRESS     address to listen on (default: all; the test's stack uses 127.0.0.1)
#  DDNS_NGINX_SERVER_NAME server_name (default _: any)
#  DDNS_UPSTREAM          the gateway's plain-HTTP listener, HOST:PORT (default gateway:8080)
# The certificate chain and key are /etc/nginx/tls/fullchain.pem and privkey.pem; when they are
# missing a self-signed pair is made (first run only: mount the real ones).
set -eu

export DDNS_NGINX_HTTP_PORT="${DDNS_NGINX_HTTP_PORT:-80}"
export DDNS_NGINX_HTTPS_PORT="${DDNS_NGINX_HTTPS_PORT:-443}"
export DDNS_NGINX_SERVER_NAME="${DDNS_NGINX_SERVER_NAME:-_}"
export DDNS_UPSTREAM="${DDNS_UPSTREAM:-gateway:8080}"
if [ -n "${DDNS_NGINX_ADDRESS:-}" ]; then
    export DDNS_NGINX_LISTEN_PREFIX="$DDNS_NGINX_ADDRESS:"
else
    export DDNS_NGINX_LISTEN_PREFIX=""
fi

TLS=/etc/nginx/tls
if [ ! -s "$TLS/fullchain.pem" ] || [ ! -s "$TLS/privkey.pem" ]; then
    echo "nginx-entrypoint: no certificate in $TLS; using a self-signed one (mount the real one)" >&2
    TLS=/run/nginx-selfsigned
    install -d -m 0700 "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$DDNS_NGINX_SERVER_NAME" \
        -keyout "$TLS/privkey.pem" -out "$TLS/fullchain.pem" 2>/dev/null
fi
export DDNS_NGINX_TLS_DIR=$TLS

# Only our variables: nginx's own ($host, $remote_addr, ...) stay as they are.
# shellcheck disable=SC2016 # the list names the variables; envsubst expands them
envsubst '${DDNS_NGINX_HTTP_PORT} ${DDNS_NGINX_HTTPS_PORT} ${DDNS_NGINX_SERVER_NAME}
          ${DDNS_UPSTREAM} ${DDNS_NGINX_LISTEN_PREFIX} ${DDNS_NGINX_TLS_DIR}' \
    </etc/nginx/templates/ddns-gateway.conf.template >/etc/nginx/conf.d/ddns-gateway.conf
nginx -t -q
exec nginx -g 'daemon off;' "$@"
