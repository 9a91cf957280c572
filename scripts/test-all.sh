#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run the whole suite:
# Debian's Chromium (for the browser tests), npm (for axe-core) and PostgreSQL 15 (for the store tests) when they are
# missing, the package with its test extra, and a throw-away PostgreSQL server (unless
# HHVALUES_TEST_POSTGRES_URL already names one).
#
# HHVALUES_SETUP_DRY_RUN=1 prints every command instead of running it (the tests check the
# install steps that way); PGBIN names the PostgreSQL binaries to look for (default
# /usr/lib/postgresql/15/bin, as .ci/start-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

run() {
  if [ -n "${HHVALUES_SETUP_DRY_RUN:-}" ]; then echo "+ $*"; else "$@"; fi
}

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
packages=()
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v chromium >/dev/null 2>&1 || packages+=(chromium fonts-dejavu-core)
if [ -z "${HHVALUES_TEST_POSTGRES_URL:-}" ] && [ ! -x "$PGBIN/initdb" ] \
    && ! command -v initdb >/dev/null 2>&1; then
  packages+=(postgresql-15)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  run $SUDO apt-get update -qq
  run $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi

run python3 -m pip install -q --disable-pip-version-check -e '.[test,inspect]'
# axe-core, which the accessibility tests inject into the participant pages
run npm install --prefix tests/browser/axe --no-audit --no-fund --silent

if [ -z "${HHVALUES_TEST_POSTGRES_URL:-}" ]; then
  if [ -n "${HHVALUES_SETUP_DRY_RUN:-}" ]; then
    echo "+ eval \"\$(bash .ci/start-postgres.sh)\""
  else
    eval "$(bash .ci/start-postgres.sh)"
    trap 'bash .ci/stop-postgres.sh >/dev/null 2>&1 || true' EXIT
  fi
fi

run python3 -m pytest "$@"
