#!/usr/bin/env bash
# Stop the server .ci/start-postgres.sh started and remove its data directory.
set -euo pipefail
DATA="${1:-${HHVALUES_TEST_POSTGRES_DATA:-}}"
[ -n "$DATA" ] || { echo "stop-postgres: pass the data dir or set HHVALUES_TEST_POSTGRES_DATA" >&2; exit 1; }
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PGBIN/pg_ctl" ] || PGBIN="$(dirname "$(command -v pg_ctl)")"
OWNER="$(stat -c %U "$DATA")"
if [ "$(id -u)" = 0 ] && [ "$OWNER" != root ]; then
  runuser -u "$OWNER" -- "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
else
  "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
fi
rm -rf "$(dirname "$DATA")"
