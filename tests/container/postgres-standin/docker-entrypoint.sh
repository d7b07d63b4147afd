#!/bin/sh
# The official postgres image's entrypoint, in the part compose.yaml relies on (see Dockerfile):
# on the first start (an empty data folder) make the cluster with POSTGRES_USER as its superuser
# and POSTGRES_PASSWORD as its password, create POSTGRES_DB, then run the server as `postgres`,
# listening on every address of the container (port 5432).
set -eu

if [ "${1:-postgres}" != "postgres" ]; then
    exec "$@"  # e.g. `docker run ... psql ...`
fi
[ "$#" -gt 0 ] && shift  # what follows `postgres` goes to the server, as in the official image

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
as_postgres="setpriv --reuid=postgres --regid=postgres --init-groups"

if [ "$(id -u)" = 0 ]; then
    # A volume mounted from elsewhere may be owned by someone else: the server insists on its own.
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
else
    as_postgres=""
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "Error: the database is not made yet and POSTGRES_PASSWORD is not set." >&2
        exit 1
    fi
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chmod 644 "$pwfile"
    $as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
    rm -f "$pwfile"
    # As the official image: any address may connect, with the password.
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$POSTGRES_DB" != "postgres" ]; then
        # A server only on its unix socket while the database is made (nobody else can connect).
        $as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
        # (psql quotes the name: `:"db"`; it does so only in what it reads, not in -c.)
        echo 'CREATE DATABASE :"db";' | $as_postgres psql -v ON_ERROR_STOP=1 --no-psqlrc \
            --username="$POSTGRES_USER" --dbname=postgres --set=db="$POSTGRES_DB"
        $as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
    fi
    echo "PostgreSQL init process complete; ready for start up."
fi

exec $as_postgres postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432 "$@"
