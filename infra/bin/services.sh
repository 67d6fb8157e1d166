#!/usr/bin/env bash
# The JobFriends processes (the services and the gateway, as the registry lists them) on
# loopback, no Docker.
#
#   infra/bin/services.sh up      start what is not running, wait until each is ready
#   infra/bin/services.sh down    stop the processes in our pid files
#   infra/bin/services.sh status  one line per process; exit 1 if any is down
#
# Needs the project's virtualenv (make install) and the infra (infra/bin/infra.sh up).
# Reads secrets from $JF_INFRA_DIR/secrets.env, created once with random values.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

PYTHON="$REPO_ROOT/.venv/bin/python"
# The processes and their ports, in start order, from the service registry
# (shared/src/jobfriends_shared/registry.py): nothing here names a service. The registry needs
# only the standard library, so `down` and `status` work before `make install` too.
SERVICES=()
declare -A PORTS=()
while read -r name port; do
  SERVICES+=("$name")
  PORTS[$name]=$port
done < <(PYTHONPATH="$REPO_ROOT/shared/src" python3 -m jobfriends_shared.registry processes)
(( ${#SERVICES[@]} > 0 )) || die "the service registry lists no process"
SECRETS="$JF_INFRA_DIR/secrets.env"

ensure_secrets() {
  if [[ ! -f "$SECRETS" ]]; then
    umask 077
    printf 'JF_GATEWAY_SECRET=%s\n' "$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')" >"$SECRETS"
  fi
}

pattern_of() { printf -- '-m %s' "$1"; }

up() {
  [[ -x "$PYTHON" ]] || die "no virtualenv at $REPO_ROOT/.venv; run 'make install' first"
  ensure_secrets
  set -a
  # shellcheck source=/dev/null
  source "$SECRETS"
  KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${JF_KAFKA_PORT:-9092}}"
  MONGODB_URL="${MONGODB_URL:-mongodb://127.0.0.1:${JF_MONGO_PORT:-27017}}"
  set +a
  local svc
  for svc in "${SERVICES[@]}"; do
    if running "$RUN_DIR/$svc.pid" "$(pattern_of "$svc")"; then
      log "$svc: already running (pid $(read_pid "$RUN_DIR/$svc.pid"))"
      continue
    fi
    launch "$svc" "$LOG_DIR/$svc.log" "$RUN_DIR/$svc.pid" "$PYTHON" -m "$svc"
  done
  # Started together, awaited in order: the gateway is ready once identity's keys answer.
  for svc in "${SERVICES[@]}"; do
    await_ready "$svc" "$RUN_DIR/$svc.pid" "$(pattern_of "$svc")" "$LOG_DIR/$svc.log" \
      http "http://127.0.0.1:${PORTS[$svc]}/health/ready"
  done
}

down() {
  local i
  # Gateway first, so no request reaches a service that is going away.
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    stop_pidfile "${SERVICES[$i]}" "$RUN_DIR/${SERVICES[$i]}.pid" "$(pattern_of "${SERVICES[$i]}")"
  done
}

status() {
  local svc rc=0
  for svc in "${SERVICES[@]}"; do
    if running "$RUN_DIR/$svc.pid" "$(pattern_of "$svc")"; then
      printf '%-14s running  http://127.0.0.1:%s\n' "$svc" "${PORTS[$svc]}"
    else
      printf '%-14s stopped\n' "$svc"
      rc=1
    fi
  done
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 {up|down|status}" ;;
esac
