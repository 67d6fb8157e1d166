# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared helpers for infra/bin/*.sh; sourced, never run. Callers set -euo pipefail.
#
# Everything we create lives under $JF_INFRA_DIR (default <repo>/.infra, git-ignored):
#   bin/ build/ kafka/   installed tools          data/  server state
#   logs/                server logs               run/   pid files
# We only ever signal processes named in our own pid files, and check that the pid
# still runs the expected program, because pids get reused.

INFRA_BIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_BIN_DIR/../.." && pwd)"
JF_INFRA_DIR="${JF_INFRA_DIR:-$REPO_ROOT/.infra}"
# Absolute, so that nothing depends on the caller's working directory.
mkdir -p "$JF_INFRA_DIR"
JF_INFRA_DIR="$(cd "$JF_INFRA_DIR" && pwd)"
export JF_INFRA_DIR

LOG_DIR="$JF_INFRA_DIR/logs"
RUN_DIR="$JF_INFRA_DIR/run"
DATA_DIR="$JF_INFRA_DIR/data"
PROBE="$INFRA_BIN_DIR/probe.py"
# How long start waits for readiness and stop waits for a clean exit.
JF_START_TIMEOUT="${JF_START_TIMEOUT:-60}"
JF_STOP_TIMEOUT="${JF_STOP_TIMEOUT:-30}"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is needed but not on PATH${2:+ ($2)}"
}

# sha256 of a file; coreutils on Linux, shasum on macOS.
file_hash() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# pid_alive PID PATTERN: PID runs and its command line contains PATTERN.
pid_alive() {
  local pid=$1 pattern=$2 args
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Whole command line, never cut to the terminal's width (ps truncates to $COLUMNS, and the
  # pattern sits at the end of a long java command line).
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null)" || return 1
  [[ "$args" == *"$pattern"* ]]
}

# read_pid FILE: print the pid stored in FILE (empty if none).
read_pid() {
  if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi
}

# running PIDFILE PATTERN: our recorded process is alive; drops a stale pid file.
running() {
  local pidfile=$1 pattern=$2 pid
  pid="$(read_pid "$pidfile")"
  if [[ -n "$pid" ]] && pid_alive "$pid" "$pattern"; then
    return 0
  fi
  rm -f "$pidfile"
  return 1
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# take_lock NAME: serialize start/stop/install of one server across concurrent
# callers (e.g. several test workers running `infra.sh up` at once), which would
# otherwise both launch and overwrite each other's pid file. Held until exit.
take_lock() {
  mkdir -p "$RUN_DIR"
  # No flock (macOS): run unlocked; concurrent starts are then the caller's care.
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$RUN_DIR/$1.lock"
  flock -w 900 9 || die "$1: timed out waiting for $RUN_DIR/$1.lock"
}

# launch NAME LOGFILE PIDFILE CMD...: start CMD detached (own session when setsid
# exists, so the caller's terminal or job control cannot signal it), record its pid.
launch() {
  local name=$1 logfile=$2 pidfile=$3
  shift 3
  mkdir -p "$(dirname "$logfile")" "$(dirname "$pidfile")"
  printf '\n==== %s starting %s ====\n' "$(date '+%F %T')" "$name" >>"$logfile"
  # setsid and nohup exec in place, so $! is the server's own pid. 9>&-: the
  # server must not inherit (and so hold forever) the take_lock descriptor.
  if command -v setsid >/dev/null 2>&1; then
    setsid nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  else
    nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  fi
  echo "$!" >"$pidfile"
}

# await_ready NAME PIDFILE PATTERN LOGFILE PROBE_ARGS...: poll the protocol probe
# until it answers; fail early if the process dies, and show the log on failure.
await_ready() {
  local name=$1 pidfile=$2 pattern=$3 logfile=$4
  shift 4
  local start=$SECONDS deadline=$((SECONDS + JF_START_TIMEOUT))
  local pid
  pid="$(read_pid "$pidfile")"
  while ((SECONDS < deadline)); do
    # Only liveness here: right after the fork the child may not have exec'd the server yet,
    # so its command line cannot be matched against the pattern until it has.
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      log "$name: process exited during startup; last log lines ($logfile):"
      tail -n 40 "$logfile" >&2 || true
      return 1
    fi
    if python3 "$PROBE" "$@" --quiet --timeout 2 2>/dev/null; then
      log "$name: ready after $((SECONDS - start))s (pid $(read_pid "$pidfile"))"
      return 0
    fi
    sleep 0.5
  done
  log "$name: not ready after ${JF_START_TIMEOUT}s; last log lines ($logfile):"
  tail -n 40 "$logfile" >&2 || true
  return 1
}

# stop_pidfile NAME PIDFILE PATTERN [SIGNAL]: SIGNAL (TERM) our process, KILL it after the
# deadline.
stop_pidfile() {
  local name=$1 pidfile=$2 pattern=$3 signal=${4:-TERM} pid
  if ! running "$pidfile" "$pattern"; then
    log "$name: not running"
    return 0
  fi
  pid="$(read_pid "$pidfile")"
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + JF_STOP_TIMEOUT))
  while pid_alive "$pid" "$pattern" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if pid_alive "$pid" "$pattern"; then
    log "$name: still running after ${JF_STOP_TIMEOUT}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pidfile"
  log "$name: stopped (pid $pid)"
}
