#!/usr/bin/env bash
# Local PostgreSQL for FerretDB's PostgreSQL backend (FerretDB's default backend since v1.13).
# Debian's `postgresql` package, one cluster under $JF_INFRA_DIR/data/postgres, no Docker.
#
#   infra/bin/postgres.sh install   apt-get install postgresql when missing (root only)
#   infra/bin/postgres.sh start     install if needed, initialise the cluster once, start, wait
#   infra/bin/postgres.sh stop      fast shutdown of the process in our pid file
#   infra/bin/postgres.sh status    "running"/"stopped"; exit 0/1
#   infra/bin/postgres.sh url       the URL FerretDB connects with
#   infra/bin/postgres.sh sql "…"   one statement, its rows unadorned (e.g. "SHOW fsync")
#
# Env: JF_INFRA_DIR, JF_PG_PORT (55432), JF_PG_PROFILE (durable|test), JF_START_TIMEOUT,
#      JF_STOP_TIMEOUT.
#
# The cluster belongs to an unprivileged user: `postgres` (created by the Debian package) when
# run as root, the current user otherwise; PostgreSQL refuses to run as root. It listens on
# loopback only, with no Unix socket, and trusts loopback connections (as FerretDB runs
# without authentication locally, docs/store.md).
#
# Profiles, chosen at each start (they are server settings, not part of the cluster):
#   durable  the default, used by `make up` and `make bench`: fsync and synchronous commits on.
#   test     the test fixtures' choice: fsync, full-page writes and synchronous commit off. A
#            crashed test cluster may lose its last writes or need `infra.sh reset`; test data
#            is thrown away anyway, and tests then spend no time waiting for the disk.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

HOST=127.0.0.1
PORT="${JF_PG_PORT:-55432}"
PROFILE="${JF_PG_PROFILE:-durable}"
PG_DATA="$DATA_DIR/postgres"
LOGFILE="$LOG_DIR/postgres.log"
PIDFILE="$RUN_DIR/postgres.pid"
# Matches our server's command line (pid-reuse guard).
PATTERN="-D $PG_DATA"
# The role FerretDB connects as and the database it keeps its collections in.
ROLE=ferretdb
DATABASE=ferretdb
# FerretDB's pool towards PostgreSQL, shared by every client: an open cursor holds one of its
# connections until it is read to the end or closed, so at FerretDB's default (50) six services'
# clients (16 operations each, jobfriends_shared.mongo) with cursors open could take them all
# and stall each other. 200 leaves head-room for a test session's services too.
POOL=200

# The newest installed server's bin directory (Debian keeps them out of PATH).
bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$dir" && -x "$dir/postgres" ]]; then
    echo "$dir"
  elif command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v postgres)"
  fi
}

install() {
  [[ -n "$(bindir)" ]] && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "postgres: installing Debian's postgresql package (first time only)..."
    # The package's own cluster is not started here (no init system in CI); we run our own.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    [[ -n "$(bindir)" ]] || die "postgres: installed, but no server binary found"
    return 0
  fi
  die "postgres: PostgreSQL is not installed; install Debian's 'postgresql' package, or choose JF_FERRETDB_BACKEND=sqlite"
}

# The user the cluster runs as, and a command prefix that becomes that user.
owner() {
  if [[ "$(id -u)" == 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "postgres: running as root needs the 'postgres' user (the Debian package creates it)"
    echo postgres
  else
    id -un
  fi
}

# The command prefix that runs a program as the owner. setpriv executes in place (unlike
# su/runuser, which fork), so the pid `launch` records is the server's own.
owner_prefix() {
  if [[ "$(id -u)" == 0 ]]; then
    printf '%s\n' setpriv --reuid=postgres --regid=postgres --init-groups --
  fi
}

as_owner() {
  local -a prefix
  mapfile -t prefix < <(owner_prefix)
  "${prefix[@]}" "$@"
}

# As root, the cluster's owner must be able to reach the data folder through the checkout's
# parents (a clone under /root is not, by default). Each parent it cannot pass gets the
# search bit for others only (o+x: pass through, not list), and we say so.
let_owner_reach() {
  [[ "$(id -u)" == 0 ]] || return 0
  local dir
  dir="$(dirname "$PG_DATA")"
  while [[ "$dir" != / ]]; do
    if ! as_owner test -x "$dir"; then
      log "postgres: letting the cluster's owner pass through $dir (chmod o+x)"
      chmod o+x "$dir"
    fi
    dir="$(dirname "$dir")"
  done
}

initialise() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  local user bin
  user="$(owner)"
  bin="$(bindir)"
  log "postgres: initialising a cluster in $PG_DATA (owner $user)"
  rm -rf "$PG_DATA"
  mkdir -p "$PG_DATA"
  let_owner_reach
  chown "$user" "$PG_DATA"
  chmod 700 "$PG_DATA"
  # Trust, because the server listens on loopback only; the superuser is FerretDB's role.
  as_owner "$bin/initdb" -D "$PG_DATA" --username="$ROLE" --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$LOG_DIR/postgres-initdb.log" 2>&1 || {
    tail -n 20 "$LOG_DIR/postgres-initdb.log" >&2
    rm -rf "$PG_DATA"
    die "postgres: initdb failed"
  }
}

# Settings for this start. Connections: FerretDB keeps one pool for all its clients, of
# POOL connections (see `url`), and 20 more leave room for psql and maintenance.
settings() {
  local -a common=(
    -c listen_addresses="$HOST" -c port="$PORT" -c unix_socket_directories=
    -c max_connections=$((POOL + 20)) -c shared_buffers=256MB -c work_mem=8MB
    -c effective_cache_size=1GB -c max_wal_size=2GB -c checkpoint_timeout=15min
    -c logging_collector=off -c log_min_messages=warning -c log_lock_waits=on
  )
  case "$PROFILE" in
    durable) printf '%s\n' "${common[@]}" ;;
    test) printf '%s\n' "${common[@]}" -c fsync=off -c full_page_writes=off -c synchronous_commit=off ;;
    *) die "JF_PG_PROFILE must be durable or test" ;;
  esac
}

# A server that died without cleaning up leaves postmaster.pid behind. PostgreSQL checks the
# pid in it itself, but a reused pid would make it refuse to start, so we drop the file when
# the process it names is not a postgres of this data directory. WAL replay then recovers.
drop_stale_lock() {
  local lock="$PG_DATA/postmaster.pid" pid
  [[ -f "$lock" ]] || return 0
  pid="$(head -n 1 "$lock" | tr -dc '0-9')"
  if [[ -z "$pid" ]] || ! pid_alive "$pid" "$PATTERN"; then
    log "postgres: removing the lock file of a server that is gone (pid ${pid:-?})"
    rm -f "$lock"
  fi
}

ensure_database() {
  local bin
  bin="$(bindir)"
  if ! "$bin/psql" -h "$HOST" -p "$PORT" -U "$ROLE" -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
    "$bin/psql" -h "$HOST" -p "$PORT" -U "$ROLE" -d postgres -q -c "CREATE DATABASE $DATABASE" >/dev/null
  fi
}

# launch_and_wait: start the server and wait until it answers; 1 if it exits first.
launch_and_wait() {
  local -a opts prefix
  mapfile -t opts < <(settings)
  mapfile -t prefix < <(owner_prefix)
  log "postgres: starting ($PROFILE profile) on $HOST:$PORT"
  launch postgres "$LOGFILE" "$PIDFILE" "${prefix[@]}" "$(bindir)/postgres" -D "$PG_DATA" "${opts[@]}"
  wait_ready
}

wait_ready() {
  local deadline=$((SECONDS + JF_START_TIMEOUT)) pid
  pid="$(read_pid "$PIDFILE")"
  until "$(bindir)/pg_isready" -q -h "$HOST" -p "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      rm -f "$PIDFILE"
      return 1
    fi
    sleep 0.2
  done
}

start() {
  if running "$PIDFILE" "$PATTERN"; then
    if ! wait_ready; then
      log "postgres: running but not answering; last log lines ($LOGFILE):"
      tail -n 30 "$LOGFILE" >&2 || true
      return 1
    fi
    log "postgres: already running (pid $(read_pid "$PIDFILE")) on $HOST:$PORT"
    return 0
  fi
  port_open "$HOST" "$PORT" && die "postgres: $HOST:$PORT is taken by a process we did not start"
  install
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  initialise
  drop_stale_lock
  # After a crash the old server's backends can hold its shared memory for a moment, and the
  # new server refuses to start until they are gone: a few tries, a second apart.
  local tries=0
  until launch_and_wait; do
    if ((++tries >= 5)); then
      log "postgres: did not start; last log lines ($LOGFILE):"
      tail -n 30 "$LOGFILE" >&2 || true
      return 1
    fi
    sleep 1
  done
  ensure_database
  log "postgres: ready (pid $(read_pid "$PIDFILE"))"
}

stop() {
  # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, and nothing is lost.
  stop_pidfile postgres "$PIDFILE" "$PATTERN" INT
}

status() {
  if running "$PIDFILE" "$PATTERN" && "$(bindir)/pg_isready" -q -h "$HOST" -p "$PORT"; then
    echo "postgres: running (pid $(read_pid "$PIDFILE")) on $HOST:$PORT"
    return 0
  fi
  echo "postgres: stopped"
  return 1
}

case "${1:-}" in
  install | start | stop) take_lock postgres ;;
esac
case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "postgres://$ROLE@$HOST:$PORT/$DATABASE?pool_max_conns=$POOL" ;;
  sql) "$(bindir)/psql" -h "$HOST" -p "$PORT" -U "$ROLE" -d "$DATABASE" -tA -c "${2:?SQL}" ;;
  *)
    echo "usage: $0 {install|start|stop|status|url|sql STATEMENT}" >&2
    exit 2
    ;;
esac
