#!/usr/bin/env bash
# A throwaway MariaDB server for the MySQL store's tests, without systemd.
#
#   .ci/servers/mysql.sh start   # installs nothing; needs mariadb-server and
#                                # mariadb-client (Debian packages), run as root
#   . .ci/servers/mysql.env      # exports MODULE_SETTINGS_MYSQL_URL
#   .ci/servers/mysql.sh stop    # shuts it down and removes its files
#
# The server listens on 127.0.0.1:33069 only, keeps its data in a temporary
# directory owned by `mysql`, and has binary logging on with
# log_bin_trust_function_creators off, as many production servers do: user
# `ci` (password `ci`, all privileges, SUPER included) can create the
# revision triggers, and the tests make users without TRIGGER or SUPER to
# check the store's error for a missing privilege. Each test creates and
# drops a database of its own, so tests run in parallel on one server.
set -euo pipefail

PORT=33069
HERE="$(cd "$(dirname "$0")" && pwd)"
ENV_FILE="$HERE/mysql.env"

# The data directory of the running server, from the env file.
server_root() {
  [ -f "$ENV_FILE" ] || return 0
  sed -n 's/^MODULE_SETTINGS_MYSQL_ROOT=//p' "$ENV_FILE"
}

start() {
  local root
  root="$(server_root)"
  if [ -n "$root" ] && mariadb-admin --socket="$root/sock" -uroot ping >/dev/null 2>&1; then
    echo "mysql: already running ($root)"
    return 0
  fi
  for tool in mariadb-install-db mysqld_safe mariadb-admin mariadb; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "mysql: $tool not found; install the Debian packages mariadb-server and mariadb-client" >&2
      exit 1
    }
  done
  root="$(mktemp -d)"
  chown mysql:mysql "$root"
  mariadb-install-db --no-defaults --user=mysql --datadir="$root/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$root/install.log" 2>&1 || {
    cat "$root/install.log" >&2
    exit 1
  }
  # Durability settings are relaxed: the tests never crash the server, and
  # two cores are shared by everything.
  nohup mysqld_safe --no-defaults --user=mysql --datadir="$root/data" \
    --socket="$root/sock" --port="$PORT" --bind-address=127.0.0.1 \
    --pid-file="$root/pid" --log-error="$root/err" --skip-name-resolve \
    --server-id=1 --log-bin="$root/data/binlog" --log-bin-trust-function-creators=0 \
    --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 --max-connections=400 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    >/dev/null 2>&1 &
  disown || true
  local waited=0
  until mariadb-admin --socket="$root/sock" -uroot ping >/dev/null 2>&1; do
    sleep 0.25
    waited=$((waited + 1))
    if [ "$waited" -gt 240 ]; then
      echo "mysql: the server did not start within 60 s; its log:" >&2
      cat "$root/err" >&2 || true
      exit 1
    fi
  done
  mariadb --socket="$root/sock" -uroot -e "
    CREATE USER 'ci'@'127.0.0.1' IDENTIFIED BY 'ci';
    GRANT ALL PRIVILEGES ON *.* TO 'ci'@'127.0.0.1' WITH GRANT OPTION;"
  {
    echo "# Written by .ci/servers/mysql.sh start; removed by stop."
    echo "MODULE_SETTINGS_MYSQL_ROOT=$root"
    echo "export MODULE_SETTINGS_MYSQL_URL=mysql://ci:ci@127.0.0.1:$PORT/"
  } >"$ENV_FILE"
  echo "mysql: running on 127.0.0.1:$PORT ($root); . $ENV_FILE to use it"
}

stop() {
  local root
  root="$(server_root)"
  if [ -z "$root" ]; then
    echo "mysql: not running"
    rm -f "$ENV_FILE"
    return 0
  fi
  if [ -S "$root/sock" ]; then
    mariadb-admin --socket="$root/sock" -uroot shutdown >/dev/null 2>&1 || true
  fi
  # mysqld_safe exits once the server has; wait for the pid file to go.
  local waited=0
  while [ -f "$root/pid" ] && [ "$waited" -lt 120 ]; do
    sleep 0.25
    waited=$((waited + 1))
  done
  if [ -f "$root/pid" ]; then
    kill "$(cat "$root/pid")" 2>/dev/null || true
  fi
  rm -rf "$root"
  rm -f "$ENV_FILE"
  echo "mysql: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
