#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run the whole suite:
# Debian's Chromium (for the browser tests), the package with its test extra, and a throw-away
# PostgreSQL 15 server (unless HHVALUES_TEST_POSTGRES_URL already names one).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,inspect]'

if [ -z "${HHVALUES_TEST_POSTGRES_URL:-}" ]; then
  eval "$(bash .ci/start-postgres.sh)"
  trap 'bash .ci/stop-postgres.sh >/dev/null 2>&1 || true' EXIT
fi

python3 -m pytest "$@"
