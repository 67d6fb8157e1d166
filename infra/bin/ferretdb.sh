#!/usr/bin/env bash
# Local MongoDB-compatible store, no Docker: a real mongod when one is on PATH,
# otherwise FerretDB v1.24.2 built from the Go module proxy, on its PostgreSQL backend
# (FerretDB's default and main backend; infra/bin/postgres.sh runs the cluster) or, chosen with
# JF_FERRETDB_BACKEND=sqlite, on its SQLite backend for machines without PostgreSQL. The SQLite
# backend answers every filter on a field other than `_id` by scanning the collection
# (docs/store.md), so it is a fallback only.
#
#   infra/bin/ferretdb.sh install   build FerretDB into $JF_INFRA_DIR/bin (once; no-op with mongod)
#   infra/bin/ferretdb.sh start     install if needed, start, wait for a MongoDB `ping`
#   infra/bin/ferretdb.sh stop      stop the process in our pid file
#   infra/bin/ferretdb.sh status    "running"/"stopped"; exit 0/1
#
# Env: JF_INFRA_DIR, JF_MONGO_PORT (27017), JF_MONGO_IMPL (auto|mongod|ferretdb),
#      JF_FERRETDB_BACKEND (postgresql|sqlite), and postgres.sh's JF_PG_PORT, JF_PG_PROFILE,
#      JF_FERRETDB_LOG_LEVEL (warn), JF_FERRETDB_DEBUG_ADDR (off; e.g. 127.0.0.1:8088),
#      JF_START_TIMEOUT (60), JF_STOP_TIMEOUT (30).
# FerretDB runs without authentication locally (docs/store.md).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

HOST=127.0.0.1
PORT="${JF_MONGO_PORT:-27017}"
FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_BIN="$JF_INFRA_DIR/bin/ferretdb"
# Changes with our patches to its source, forcing a rebuild.
FERRETDB_RECIPE="$FERRETDB_VERSION+$(file_hash "$INFRA_BIN_DIR/ferretdb_patches.py" | cut -c1-12)"
FERRETDB_STAMP="$FERRETDB_BIN.recipe"
FERRETDB_BUILD="$JF_INFRA_DIR/build/ferretdb-$FERRETDB_VERSION"
FERRETDB_SQLITE_DIR="$DATA_DIR/ferretdb/sqlite"
FERRETDB_STATE_DIR="$DATA_DIR/ferretdb/state"
MONGOD_DBPATH="$DATA_DIR/mongod"
BACKEND="${JF_FERRETDB_BACKEND:-postgresql}"
case "$BACKEND" in
  postgresql | sqlite) ;;
  *) die "JF_FERRETDB_BACKEND must be postgresql or sqlite" ;;
esac

# Which server: a real mongod wins when installed (closer to production).
impl() {
  case "${JF_MONGO_IMPL:-auto}" in
    mongod | ferretdb) echo "$JF_MONGO_IMPL" ;;
    auto) if command -v mongod >/dev/null 2>&1; then echo mongod; else echo ferretdb; fi ;;
    *) die "JF_MONGO_IMPL must be auto, mongod or ferretdb" ;;
  esac
}

# Each implementation keeps its own pid file, so stop/status still find a server
# started before the other one became the default.
pidfile_of() { echo "$RUN_DIR/$1.pid"; }
logfile_of() { echo "$LOG_DIR/$1.log"; }
pattern_of() {
  case "$1" in
    ferretdb) echo "$FERRETDB_BIN" ;;
    mongod) echo "--dbpath $MONGOD_DBPATH" ;;
  esac
}

install_ferretdb() {
  # Skip when built with this recipe: the version is pinned, so it never goes stale.
  if [[ -x "$FERRETDB_BIN" && "$(cat "$FERRETDB_STAMP" 2>/dev/null)" == "$FERRETDB_RECIPE" ]]; then
    return 0
  fi
  need go "to build FerretDB"
  need python3
  log "ferretdb: building $FERRETDB_VERSION from the Go module proxy (first time only)..."
  local json src commit
  json="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")"
  src="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<<"$json")"
  commit="$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("Origin", {}).get("Hash", ""))' <<<"$json")"
  [[ -f "$src/cmd/ferretdb/main.go" ]] || die "ferretdb: module source not found in '$src'"
  # The module cache is read-only and lacks the generated version files, so build
  # from a writable copy.
  rm -rf "$FERRETDB_BUILD"
  mkdir -p "$(dirname "$FERRETDB_BUILD")" "$(dirname "$FERRETDB_BIN")"
  cp -R "$src" "$FERRETDB_BUILD"
  chmod -R u+w "$FERRETDB_BUILD"
  # build/version embeds *.txt: version.txt is required (`go install` of the
  # module panics at start without it); commit.txt/branch.txt/package.txt are
  # optional and otherwise written by `git describe` in their Taskfile.
  printf '%s\n' "$FERRETDB_VERSION" >"$FERRETDB_BUILD/build/version/version.txt"
  if [[ -n "$commit" ]]; then
    printf '%s\n' "$commit" >"$FERRETDB_BUILD/build/version/commit.txt"
  fi
  printf 'jobfriends-%s\n' "$FERRETDB_RECIPE" >"$FERRETDB_BUILD/build/version/package.txt"
  # Our changes to its source (what and why: infra/bin/ferretdb_patches.py, docs/store.md).
  python3 "$INFRA_BIN_DIR/ferretdb_patches.py" "$FERRETDB_BUILD"
  # -buildvcs=false: $JF_INFRA_DIR sits inside our git repo, and a stamped
  # vcs.revision that differs from commit.txt makes FerretDB panic at start.
  # CGO_ENABLED=0: FerretDB's SQLite driver is pure Go.
  (
    cd "$FERRETDB_BUILD"
    CGO_ENABLED=0 go build -buildvcs=false -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb
  )
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  echo "$FERRETDB_RECIPE" >"$FERRETDB_STAMP"
  log "ferretdb: built $("$FERRETDB_BIN" --version 2>/dev/null | head -n 1 || echo "$FERRETDB_BIN")"
}

install() {
  if [[ "$(impl)" == mongod ]]; then
    log "mongo: using mongod from PATH ($(command -v mongod)); nothing to install"
    return 0
  fi
  install_ferretdb
}

launch_ferretdb() {
  mkdir -p "$FERRETDB_STATE_DIR"
  local -a backend
  if [[ "$BACKEND" == postgresql ]]; then
    backend=(--handler=postgresql --postgresql-url="$("$INFRA_BIN_DIR/postgres.sh" url)")
  else
    mkdir -p "$FERRETDB_SQLITE_DIR"
    backend=(--handler=sqlite --sqlite-url="file:$FERRETDB_SQLITE_DIR/")
  fi
  # Flag names are those of v1.24.2's cmd/ferretdb/main.go. --debug-addr=-
  # disables the metrics/pprof HTTP listener (default 127.0.0.1:8088, a port
  # services may want). DO_NOT_TRACK as a second guard against telemetry.
  launch ferretdb "$(logfile_of ferretdb)" "$(pidfile_of ferretdb)" \
    env DO_NOT_TRACK=1 "$FERRETDB_BIN" \
    "${backend[@]}" \
    --listen-addr="$HOST:$PORT" \
    --state-dir="$FERRETDB_STATE_DIR" \
    --telemetry=disable \
    --debug-addr="${JF_FERRETDB_DEBUG_ADDR:--}" \
    --log-level="${JF_FERRETDB_LOG_LEVEL:-warn}"
}

launch_mongod() {
  mkdir -p "$MONGOD_DBPATH"
  launch mongod "$(logfile_of mongod)" "$(pidfile_of mongod)" \
    mongod --dbpath "$MONGOD_DBPATH" --bind_ip "$HOST" --port "$PORT"
}

start() {
  local kind pidfile pattern logfile
  kind="$(impl)"
  pidfile="$(pidfile_of "$kind")"
  pattern="$(pattern_of "$kind")"
  logfile="$(logfile_of "$kind")"
  # FerretDB's PostgreSQL: started first, and again should it have crashed under a running
  # FerretDB (which reconnects by itself).
  if [[ "$kind" == ferretdb && "$BACKEND" == postgresql ]]; then
    "$INFRA_BIN_DIR/postgres.sh" start
  fi
  if running "$pidfile" "$pattern"; then
    if python3 "$PROBE" mongo "$HOST:$PORT" --quiet 2>/dev/null; then
      log "$kind: already running (pid $(read_pid "$pidfile")) on $HOST:$PORT"
      return 0
    fi
    await_ready "$kind" "$pidfile" "$pattern" "$logfile" mongo "$HOST:$PORT"
    return
  fi
  port_open "$HOST" "$PORT" && die "$kind: $HOST:$PORT is taken by a process we did not start"
  need python3
  install
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  "launch_$kind"
  await_ready "$kind" "$pidfile" "$pattern" "$logfile" mongo "$HOST:$PORT"
}

stop() {
  local kind found=
  for kind in ferretdb mongod; do
    if [[ -f "$(pidfile_of "$kind")" ]]; then
      found=1
      stop_pidfile "$kind" "$(pidfile_of "$kind")" "$(pattern_of "$kind")"
    fi
  done
  [[ -n "$found" ]] || log "$(impl): not running"
  # FerretDB's PostgreSQL after FerretDB itself (a no-op when it was not started).
  "$INFRA_BIN_DIR/postgres.sh" stop
}

status() {
  local kind
  for kind in ferretdb mongod; do
    if running "$(pidfile_of "$kind")" "$(pattern_of "$kind")"; then
      if python3 "$PROBE" mongo "$HOST:$PORT" --quiet 2>/dev/null; then
        echo "$kind: running (pid $(read_pid "$(pidfile_of "$kind")")) on $HOST:$PORT"
        if [[ "$kind" == ferretdb && "$BACKEND" == postgresql ]]; then
          "$INFRA_BIN_DIR/postgres.sh" status || return 1
        fi
        return 0
      fi
      echo "$kind: starting or unhealthy (pid $(read_pid "$(pidfile_of "$kind")")), no ping on $HOST:$PORT"
      return 1
    fi
  done
  echo "$(impl): stopped"
  return 1
}

case "${1:-}" in
  install | start | stop) take_lock mongo ;;
esac
case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 {install|start|stop|status}" >&2
    exit 2
    ;;
esac
