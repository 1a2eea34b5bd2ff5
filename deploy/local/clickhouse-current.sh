#!/usr/bin/env bash
# A current ClickHouse (26.9) on loopback, beside the Debian 18.16 that services.sh runs, so the
# warehouse is tested on both generations (issue #5). There is no Docker engine here and Debian has
# 18.16 only; PyPI's chdb-core carries the whole current ClickHouse engine as a library, and
# clickhouse-current/server.py puts the ClickHouse HTTP interface in front of it (see that file for
# what it does and does not emulate).
#
#   bash deploy/local/clickhouse-current.sh up      install (once, pinned by hash) and start; wait until it answers
#   bash deploy/local/clickhouse-current.sh down    stop it
#   bash deploy/local/clickhouse-current.sh env     print CLICKHOUSE_URL of it
#   bash deploy/local/clickhouse-current.sh test    (re)start it from this checkout, run every non-fault test that talks
#                                                   to ClickHouse against it, stop it
#
# Environment: HOURGLASS_STATE, HOURGLASS_CACHE (as services.sh), HOURGLASS_CLICKHOUSE_CURRENT_PORT (8124).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${HOURGLASS_STATE:-/var/lib/hourglass-local}/clickhouse-current"
CACHE="${HOURGLASS_CACHE:-/var/cache/hourglass}"
PORT="${HOURGLASS_CLICKHOUSE_CURRENT_PORT:-8124}"
VENV="$CACHE/chdb-core-26.9.0"
PID_FILE="$STATE/server.pid"
LOG_FILE="$STATE/server.log"
URL="http://127.0.0.1:$PORT"
# The tests that talk to ClickHouse, fault tests aside (those stop and start the 18.16 server).
TESTS=(
  test/smoke/clickhouse.test.ts
  packages/warehouse
  services/api/src/api.clickhouse.test.ts
  test/e2e/embedded-vs-real.test.ts
)

say() { printf '[clickhouse-current] %s\n' "$*"; }
die() { printf '[clickhouse-current] ERROR: %s\n' "$*" >&2; exit 1; }

answers() { curl -fsS --max-time 2 "$URL/ping" >/dev/null 2>&1; }

install() {
  [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import chdb' 2>/dev/null && return 0
  say "installing chdb-core 26.9.0 into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  # No dependencies: pandas and pyarrow are only for chdb's DataFrame API, which the server does not use.
  "$VENV/bin/pip" install --quiet --no-deps --require-hashes -r "$HERE/clickhouse-current/requirements.txt" </dev/null
}

up() {
  if answers; then say "already answering on $URL"; return 0; fi
  install
  mkdir -p "$STATE"
  # Started from its state directory: chdb resolves paths against the working directory, and the
  # caller's (a checkout) may be deleted while the server runs.
  (cd "$STATE" && exec nohup "$VENV/bin/python" "$HERE/clickhouse-current/server.py" --port "$PORT" \
    --path "$STATE" >"$LOG_FILE" 2>&1 </dev/null) &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 120); do
    if answers; then say "$(head -1 "$LOG_FILE")"; return 0; fi
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { cat "$LOG_FILE" >&2; die "server exited"; }
    sleep 0.5
  done
  die "no answer on $URL after 60 s; log: $LOG_FILE"
}

down() {
  if [[ -f "$PID_FILE" ]]; then
    local pid
    pid="$(cat "$PID_FILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
  fi
  say "stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) echo "export CLICKHOUSE_URL=$URL" ;;
  test)
    # A server of this checkout's server.py, stopped afterwards: one left running by another checkout
    # (or another version of it) would be tested instead.
    down >/dev/null
    up
    trap down EXIT
    cd "$HERE/../.."
    # insert-in-doubt needs an insert the server is running while its client is gone: the front reads a
    # request's whole body before it runs it and lists nothing in system.processes, unlike a server.
    # (Vitest's --exclude does not reach a project's own list, so the files are named instead.)
    files=()
    for t in "${TESTS[@]}"; do
      if [[ -d "$t" ]]; then
        mapfile -t -O "${#files[@]}" files < <(find "$t" -name '*.test.ts' -not -path '*/node_modules/*' \
          -not -name insert-in-doubt.test.ts | sort)
      else
        files+=("$t")
      fi
    done
    CLICKHOUSE_URL="$URL" pnpm exec vitest run --project main "${files[@]}" </dev/null
    ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
