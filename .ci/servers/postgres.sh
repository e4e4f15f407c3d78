#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the server tests: no systemd, nothing
# installed, trust authentication on loopback only.
#
#   .ci/servers/postgres.sh start   # initdb + start on 127.0.0.1:54329, prints the URL
#   .ci/servers/postgres.sh stop    # stop it and remove its files (safe to repeat)
#   .ci/servers/postgres.sh url     # print the URL of the running cluster
#
# `start` writes `export MODULE_SETTINGS_POSTGRES_URL=...` to
# .ci/servers/postgres.env (git-ignored), so a shell (and .ci/run) can
# source it; the tests read that variable. Starting a running cluster again
# leaves it as it is.
# Needs the Debian `postgresql` package (its binaries under
# /usr/lib/postgresql/*/bin) and root, to run the server as `postgres`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
port="${MODULE_SETTINGS_POSTGRES_PORT:-54329}"
# The tests' own throwaway servers (tests/server_common) pick another port,
# env file and state directory through these variables.
env_file="${MODULE_SETTINGS_POSTGRES_ENV:-$here/postgres.env}"
# Where the cluster lives while it runs; `stop` reads it back.
root_file="${MODULE_SETTINGS_POSTGRES_STATE:-$here}/.postgres.root"
url="postgres://postgres@127.0.0.1:$port/postgres"

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin;" \
      "install them with: apt-get install -y --no-install-recommends postgresql" >&2
    exit 1
  fi
  echo "$bin"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  if [ -f "$root_file" ] && [ -d "$(cat "$root_file")/data" ] &&
    as_postgres "$(pg_bin)/pg_ctl" -D "$(cat "$root_file")/data" status >/dev/null 2>&1; then
    # Running already (started by hand, or by .ci/run): use it as it is.
    echo "postgres.sh: already running under $(cat "$root_file")" >&2
    echo "export MODULE_SETTINGS_POSTGRES_URL=$url" > "$env_file"
    echo "export MODULE_SETTINGS_POSTGRES_URL=$url"
    return 0
  fi
  local bin root
  bin="$(pg_bin)"
  root="$(mktemp -d /tmp/module-settings-postgres.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$root"
  fi
  echo "$root" > "$root_file"
  as_postgres "$bin/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --no-sync >"$root/initdb.log" 2>&1 || {
    cat "$root/initdb.log" >&2
    exit 1
  }
  # Every user is trusted on loopback but one, which must give its password:
  # the tests of a wrong password log in as it.
  sed -i '0,/^host/s//host    all             module_settings_password_test 127.0.0.1\/32 scram-sha-256\nhost/' \
    "$root/data/pg_hba.conf"
  # Enough connections for tests that run in parallel, each with a store or
  # two (and their listeners) on a database of its own.
  as_postgres "$bin/pg_ctl" -D "$root/data" -l "$root/log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off -c max_connections=300" start >/dev/null || {
    cat "$root/log" >&2
    exit 1
  }
  echo "export MODULE_SETTINGS_POSTGRES_URL=$url" > "$env_file"
  echo "export MODULE_SETTINGS_POSTGRES_URL=$url"
}

stop() {
  if [ ! -f "$root_file" ]; then
    rm -f "$env_file"
    return 0
  fi
  local root
  root="$(cat "$root_file")"
  if [ -d "$root/data" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  case "$root" in
    /tmp/module-settings-postgres.*) rm -rf "$root" ;;
  esac
  rm -f "$root_file" "$env_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) [ -f "$env_file" ] && echo "$url" || { echo "postgres.sh: not running" >&2; exit 1; } ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
