#!/usr/bin/env bash
# Native local infrastructure for JobFriends (no Docker): Kafka + a MongoDB-compatible store.
#
# The store is mongod when installed, else FerretDB on PostgreSQL (infra/bin/postgres.sh), or on
# SQLite with JF_FERRETDB_BACKEND=sqlite (infra/bin/ferretdb.sh).
#
#   infra/bin/infra.sh up        install what is missing, start both, print the endpoints
#   infra/bin/infra.sh down      stop both (only the processes in our pid files)
#   infra/bin/infra.sh status    one line each; exit 0 only if both answer
#   infra/bin/infra.sh env       print the endpoint variables (for: eval "$(infra/bin/infra.sh env)")
#   infra/bin/infra.sh logs [-f] last lines of both logs, or follow them
#   infra/bin/infra.sh reset     stop both and delete their data (topics, databases)
#
# State, logs and pid files live in $JF_INFRA_DIR (default <repo>/.infra).
# Ports: JF_KAFKA_PORT (9092), JF_KAFKA_CONTROLLER_PORT (9093), JF_MONGO_PORT (27017).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

endpoints() {
  echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:${JF_KAFKA_PORT:-9092}"
  echo "MONGODB_URL=mongodb://127.0.0.1:${JF_MONGO_PORT:-27017}"
}

case "${1:-}" in
  up)
    # One after the other: the first run resolves jars and compiles FerretDB,
    # and the machines have few cores.
    "$INFRA_BIN_DIR/kafka.sh" start
    "$INFRA_BIN_DIR/ferretdb.sh" start
    endpoints
    ;;
  down)
    # Both, even if the first fails to stop.
    rc=0
    "$INFRA_BIN_DIR/ferretdb.sh" stop || rc=1
    "$INFRA_BIN_DIR/kafka.sh" stop || rc=1
    exit "$rc"
    ;;
  status)
    rc=0
    "$INFRA_BIN_DIR/kafka.sh" status || rc=1
    "$INFRA_BIN_DIR/ferretdb.sh" status || rc=1
    exit "$rc"
    ;;
  env)
    endpoints
    ;;
  reset)
    # Many test runs leave thousands of topic partitions, which slow Kafka's
    # start (~1 s per 1000). Only our data dirs; installed tools stay.
    "$INFRA_BIN_DIR/ferretdb.sh" stop
    "$INFRA_BIN_DIR/kafka.sh" stop
    rm -rf "$DATA_DIR/kafka" "$DATA_DIR/ferretdb" "$DATA_DIR/postgres" "$DATA_DIR/mongod" "$JF_INFRA_DIR/kafka/cluster-id"
    log "removed data under $DATA_DIR; run '$0 up' to start afresh"
    ;;
  logs)
    files=()
    for f in kafka postgres ferretdb mongod; do
      [[ -f "$LOG_DIR/$f.log" ]] && files+=("$LOG_DIR/$f.log")
    done
    ((${#files[@]})) || die "no logs yet in $LOG_DIR"
    if [[ "${2:-}" == "-f" ]]; then
      exec tail -n 20 -F "${files[@]}"
    fi
    tail -n "${JF_LOG_LINES:-40}" "${files[@]}"
    ;;
  *)
    echo "usage: $0 {up|down|status|env|logs [-f]|reset}" >&2
    exit 2
    ;;
esac
