#!/bin/sh
# Starts PostgreSQL in the foreground; on the first start (empty data directory) creates the
# cluster with the role POSTGRES_USER (default ddns), its password and the database POSTGRES_DB
# (default ddns), owned by the role.
#  - Password: POSTGRES_PASSWORD_FILE (a mounted secret) or POSTGRES_PASSWORD.
#  - Port: PGPORT (default 5432; the server and psql both read it).
#  - Addresses: POSTGRES_LISTEN (default '*'; the test's host-network stack uses 127.0.0.1).
# Connections over TCP need the password (scram-sha-256); the local socket is for the postgres
# superuser inside the container (docker-compose exec postgres psql).
set -eu

user=${POSTGRES_USER:-ddns}
db=${POSTGRES_DB:-ddns}
listen=${POSTGRES_LISTEN:-*}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        password=$(cat "$POSTGRES_PASSWORD_FILE")
    else
        password=${POSTGRES_PASSWORD:-}
    fi
    if [ -z "$password" ]; then
        echo "postgres-entrypoint: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
        exit 1
    fi
    case $user$db in *[!a-z0-9_]*)
        echo "postgres-entrypoint: POSTGRES_USER and POSTGRES_DB: lower-case letters, digits, _" >&2
        exit 1 ;;
    esac
    # The superuser is postgres (peer login on the socket); the gateway's role owns its database.
    initdb --username=postgres --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    printf '%s\n' "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    # Socket only while the role is set up. The password reaches psql in its environment and goes
    # through psql's quoting (:'pw'), never into a command line.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    DDNS_INIT_PASSWORD=$password psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
\\getenv pw DDNS_INIT_PASSWORD
CREATE ROLE $user LOGIN PASSWORD :'pw';
CREATE DATABASE $db OWNER $user;
SQL
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "postgres-entrypoint: created role $user and database $db" >&2
fi

exec postgres -D "$PGDATA" -c listen_addresses="$listen" "$@"
