#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 server for the test suite and print the variables to eval:
#
#     eval "$(.ci/start-postgres.sh)"      # sets HHVALUES_TEST_POSTGRES_URL
#     .ci/stop-postgres.sh                 # (or: pg_ctl -D "$HHVALUES_TEST_POSTGRES_DATA" stop)
#
# initdb refuses to run as root, so as root the server runs as an ordinary user (hhci, created
# when missing). Only stdout carries the export lines; progress goes to stderr.
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PGBIN/initdb" ] || PGBIN="$(dirname "$(command -v initdb)")"
[ -x "$PGBIN/initdb" ] || { echo "start-postgres: no PostgreSQL binaries (initdb) found" >&2; exit 1; }

RUN_AS=""
if [ "$(id -u)" = 0 ]; then
  PGUSER_OS="${HHCI_USER:-hhci}"
  if ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --create-home --shell /usr/sbin/nologin "$PGUSER_OS" >&2 \
      || adduser --system --group --shell /usr/sbin/nologin "$PGUSER_OS" >&2
  fi
  RUN_AS="$PGUSER_OS"
else
  PGUSER_OS="$(id -un)"
fi

as_user() {
  if [ -n "$RUN_AS" ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u "$RUN_AS" -- "$@"
    else su -s /bin/sh "$RUN_AS" -c "$(printf '%q ' "$@")"; fi
  else "$@"; fi
}

BASE="$(mktemp -d /tmp/hhvalues-pg.XXXXXX)"
chmod 0755 "$BASE"
[ -n "$RUN_AS" ] && chown "$RUN_AS" "$BASE"
DATA="$BASE/data"
SOCK="$BASE"

# A free port: ask the kernel for one (python3 is a dependency of the project anyway).
PORT="${HHVALUES_TEST_POSTGRES_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
PWFILE="$BASE/pw"
printf '%s\n' "$PASSWORD" > "$PWFILE"
[ -n "$RUN_AS" ] && chown "$RUN_AS" "$PWFILE"
chmod 0600 "$PWFILE"

as_user "$PGBIN/initdb" -D "$DATA" -U hhvalues --pwfile="$PWFILE" -A scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 >&2 2>&1 || \
  as_user "$PGBIN/initdb" -D "$DATA" -U hhvalues --pwfile="$PWFILE" -A scram-sha-256 \
    --encoding=UTF8 --no-locale >&2
rm -f "$PWFILE"

as_user "$PGBIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 \
  -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >&2 || { cat "$BASE/server.log" >&2; exit 1; }

PGPASSWORD="$PASSWORD" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U hhvalues hhvalues_test >&2

URL="postgresql+psycopg://hhvalues:${PASSWORD}@127.0.0.1:${PORT}/hhvalues_test"
echo "start-postgres: server on 127.0.0.1:$PORT, data in $DATA (run as $PGUSER_OS)" >&2
echo "export HHVALUES_TEST_POSTGRES_URL='$URL'"
echo "export HHVALUES_TEST_POSTGRES_DATA='$DATA'"
