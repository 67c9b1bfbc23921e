#!/bin/sh
# Prepares named's state on start, then runs named in the foreground (logging to stderr).
#  - TSIG key for the gateway: generated with tsig-keygen into the shared key volume if absent.
#    Owner bind (named reads it), group DDNS_KEY_GID (the gateway image's group, 10001), 0640.
#  - Zone files: copied from the read-only seed directory on first start only. Afterwards the
#    zone belongs to named (dynamic updates, journal); edit it with `rndc freeze`/`thaw`.
#  - rndc key: generated per container, used by rndc inside the container only.
set -eu

KEY_DIR=/etc/bind/keys
KEY_NAME=${DDNS_KEY_NAME:-ddns-gateway-key}
KEY_FILE=$KEY_DIR/ddns-gateway.key
KEY_GID=${DDNS_KEY_GID:-10001}
SEED_DIR=/etc/bind/zones-seed
ZONE_DIR=/var/lib/bind
CONF=/etc/bind/named.conf

if [ ! -s "$KEY_FILE" ]; then
    tmp=$(mktemp "$KEY_DIR/.ddns-gateway.key.XXXXXX")
    tsig-keygen -a hmac-sha256 "$KEY_NAME" >"$tmp"
    chown "bind:$KEY_GID" "$tmp"
    chmod 0640 "$tmp"
    mv "$tmp" "$KEY_FILE"
    echo "named-entrypoint: generated TSIG key $KEY_NAME in $KEY_FILE" >&2
fi

for seed in "$SEED_DIR"/*; do
    [ -f "$seed" ] || continue
    target=$ZONE_DIR/$(basename "$seed")
    if [ ! -e "$target" ]; then
        cp "$seed" "$target"
        chown bind:bind "$target"
        chmod 0644 "$target"
        echo "named-entrypoint: seeded $target" >&2
    fi
done
# named writes journals (.jnl) and dumps dynamic zones next to the zone files; it needs a
# writable working directory and its run directory (pid file, session key).
chown bind:bind "$ZONE_DIR" /var/cache/bind
install -d -o root -g bind -m 0775 /run/named

if [ ! -s /etc/bind/rndc.key ]; then
    rndc-confgen -a -A hmac-sha256 -c /etc/bind/rndc.key >/dev/null 2>&1
    chown root:bind /etc/bind/rndc.key
    chmod 0640 /etc/bind/rndc.key
fi

named-checkconf -z "$CONF" >/dev/null
exec named -g -u bind -c "$CONF" "$@"
