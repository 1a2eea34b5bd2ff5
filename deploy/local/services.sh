#!/usr/bin/env bash
# Local infrastructure for Hourglass, without Docker: installs (once) and runs
# Kafka (KRaft, from Maven Central jars), Redis (Debian) and ClickHouse (Debian)
# as plain background processes on loopback.
#
#   bash deploy/local/services.sh up                  install what is missing, start all, wait until they answer
#   bash deploy/local/services.sh down                stop what this script started
#   bash deploy/local/services.sh status              one line per service (exit 3 if any is not running)
#   bash deploy/local/services.sh start|stop|restart kafka|redis|clickhouse
#   bash deploy/local/services.sh kill kafka|redis|clickhouse   SIGKILL (crash simulation for fault tests)
#   bash deploy/local/services.sh env                 print the export lines only (eval "$(... env)")
#
# Environment:
#   HOURGLASS_STATE          state, data, pid files and logs  (default /var/lib/hourglass-local)
#   HOURGLASS_CACHE          downloaded Kafka jars + Maven repo (default /var/cache/hourglass)
#   HOURGLASS_KAFKA_VERSION  org.apache.kafka:kafka_2.13 version (default 4.1.1)
#   HOURGLASS_WAIT_SECONDS   how long `up`/`start` wait for each service (default 120)
#   HOURGLASS_KAFKA_PORT, HOURGLASS_KAFKA_CONTROLLER_PORT, HOURGLASS_REDIS_PORT,
#   HOURGLASS_CLICKHOUSE_HTTP_PORT, HOURGLASS_CLICKHOUSE_TCP_PORT
#                            ports (defaults 9092, 9093, 6379, 8123, 9000); with another HOURGLASS_STATE
#                            they allow a second, separate set of servers (always on 127.0.0.1)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${HOURGLASS_STATE:-/var/lib/hourglass-local}"
CACHE="${HOURGLASS_CACHE:-/var/cache/hourglass}"
KAFKA_VERSION="${HOURGLASS_KAFKA_VERSION:-4.1.1}"
WAIT_SECONDS="${HOURGLASS_WAIT_SECONDS:-120}"

RUN_DIR="$STATE/run"
LOG_DIR="$STATE/logs"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
# Fixed 16-byte cluster id (base64url of "hourglass-local1"): formatting is reproducible.
KAFKA_CLUSTER_ID="aG91cmdsYXNzLWxvY2FsMQ"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${HOURGLASS_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${HOURGLASS_KAFKA_CONTROLLER_PORT:-9093}"
REDIS_HOST=127.0.0.1
REDIS_PORT="${HOURGLASS_REDIS_PORT:-6379}"
CLICKHOUSE_HOST=127.0.0.1
CLICKHOUSE_HTTP_PORT="${HOURGLASS_CLICKHOUSE_HTTP_PORT:-8123}"
CLICKHOUSE_TCP_PORT="${HOURGLASS_CLICKHOUSE_TCP_PORT:-9000}"

SERVICES=(kafka redis clickhouse)
APT_UPDATED=0

say() { printf '[services] %s\n' "$*"; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() {
  case "$1" in
    kafka) echo "$LOG_DIR/kafka/server.log" ;;
    redis) echo "$LOG_DIR/redis.log" ;;
    clickhouse) echo "$LOG_DIR/clickhouse/clickhouse-server.log" ;;
  esac
}
address() {
  case "$1" in
    kafka) echo "$KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)" ;;
    redis) echo "$REDIS_HOST:$REDIS_PORT" ;;
    clickhouse) echo "http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT tcp $CLICKHOUSE_HOST:$CLICKHOUSE_TCP_PORT" ;;
  esac
}
# A word that must appear in the process's command line, so a recycled pid is not taken for ours.
cmd_marker() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    redis) echo "redis-server" ;;
    clickhouse) echo "clickhouse" ;;
  esac
}

# Prints the pid if the service started by this script is alive, else nothing.
running_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -s "$file" ]] || return 0
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(cmd_marker "$1")"; then
    echo "$pid"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  # Never let a package's maintainer script start its own copy of the service.
  local added_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  if [[ "$APT_UPDATED" == 0 ]]; then
    say "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install -y $*"
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$LOG_DIR/apt-install.log" 2>&1 || status=$?
  [[ "$added_policy" == 1 ]] && rm -f /usr/sbin/policy-rc.d
  [[ "$status" == 0 ]] || die "apt-get install $* failed; see $LOG_DIR/apt-install.log"
}

need_root_for_install() {
  [[ "$(id -u)" == 0 ]] || die "$1 is not installed and installing it needs root (run as root or install it: apt-get install -y $1)"
}

ensure_command() { # command package...
  local cmd="$1"; shift
  if ! command -v "$cmd" >/dev/null 2>&1; then
    need_root_for_install "$*"
    apt_install "$@"
  fi
}

# ---------------------------------------------------------------- Kafka

ensure_kafka_installed() {
  ensure_command java openjdk-17-jre-headless
  ensure_command node nodejs
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    return 0
  fi
  ensure_command mvn maven
  say "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  local tmp="$CACHE/kafka-$KAFKA_VERSION/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" \
      -Dkafka.version="$KAFKA_VERSION" -Dkafka.libs="$tmp" \
      -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies >"$LOG_DIR/kafka-maven.log" 2>&1; then
    rm -rf "$tmp"
    die "could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION; see $LOG_DIR/kafka-maven.log"
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  touch "$KAFKA_LIBS/.complete"
}

write_kafka_config() {
  local dir="$STATE/kafka"
  mkdir -p "$dir/data" "$LOG_DIR/kafka"
  cat >"$dir/server.properties" <<EOF
# Generated by deploy/local/services.sh - edits are overwritten on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$dir/log4j2.properties" <<EOF
# Generated by deploy/local/services.sh
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $LOG_DIR/kafka/server.log
appender.file.filePattern = $LOG_DIR/kafka/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
EOF
}

format_kafka_storage() {
  local dir="$STATE/kafka"
  local version_file="$dir/data/.hourglass-kafka-version"
  if [[ -f "$dir/data/meta.properties" ]]; then
    if [[ "$(cat "$version_file" 2>/dev/null)" == "$KAFKA_VERSION" ]]; then
      return 0
    fi
    warn "Kafka data in $dir/data was formatted by another Kafka version; wiping it (local data only)"
    rm -rf "$dir/data"
    mkdir -p "$dir/data"
  fi
  say "formatting Kafka KRaft storage (cluster id $KAFKA_CLUSTER_ID)"
  if ! java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$KAFKA_LIBS/*" \
      kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" \
      >"$LOG_DIR/kafka/format.log" 2>&1; then
    die "formatting Kafka storage failed; see $LOG_DIR/kafka/format.log"
  fi
  echo "$KAFKA_VERSION" >"$version_file"
}

probe_kafka() { node "$HERE/kafka/probe.mjs" "$KAFKA_HOST:$KAFKA_PORT" 2>&1; }

start_kafka_process() {
  ensure_kafka_installed
  write_kafka_config
  format_kafka_storage
  local dir="$STATE/kafka"
  setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR/kafka" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
    >>"$LOG_DIR/kafka/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file kafka)"
}

# ---------------------------------------------------------------- Redis

ensure_redis_installed() {
  if [[ ! -x /usr/bin/redis-server ]] || ! command -v redis-cli >/dev/null 2>&1; then
    need_root_for_install redis-server
    apt_install redis-server redis-tools
  fi
}

probe_redis() {
  local reply
  reply="$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>&1)" || true
  if [[ "$reply" == "PONG" ]]; then echo "redis $REDIS_HOST:$REDIS_PORT answers PONG"; else echo "$reply"; return 1; fi
}

start_redis_process() {
  ensure_redis_installed
  local dir="$STATE/redis"
  mkdir -p "$dir"
  cat >"$dir/redis.conf" <<EOF
# Generated by deploy/local/services.sh - edits are overwritten on start.
bind $REDIS_HOST
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $(pid_file redis)
logfile $(log_file redis)
loglevel notice
dir $dir
appendonly yes
appendfsync everysec
# Each detector batch rewrites its learners' states and its partition's outbox: the AOF grows ~0.7 KB
# per event while the dataset does not. With Redis's defaults (64mb, 100 %) that forked a rewrite of
# the whole dataset about once a second at 50k events/s, a quarter of Redis's CPU (README, "Redis's
# AOF rewrites"). The AOF may grow to 1 GB, or 5x the dataset, before it is rewritten.
auto-aof-rewrite-min-size 1gb
auto-aof-rewrite-percentage 400
save 3600 1
EOF
  rm -f "$(pid_file redis)"
  /usr/bin/redis-server "$dir/redis.conf" >>"$(log_file redis)" 2>&1 </dev/null 9>&- ||
    die "redis-server failed to start; see $(log_file redis)"
  for _ in $(seq 1 50); do # daemonized: wait for its pid file
    [[ -s "$(pid_file redis)" ]] && return 0
    sleep 0.1
  done
  die "redis-server wrote no pid file $(pid_file redis); see $(log_file redis)"
}

# ---------------------------------------------------------------- ClickHouse

ensure_clickhouse_installed() {
  if [[ ! -x /usr/sbin/clickhouse-server ]] || ! command -v clickhouse-client >/dev/null 2>&1; then
    need_root_for_install clickhouse-server
    apt_install clickhouse-server clickhouse-client
  fi
  ensure_command curl curl
}

probe_clickhouse() {
  local reply
  reply="$(curl -sS --max-time 5 "http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT/?query=SELECT%201" 2>&1)" || true
  if [[ "$reply" == "1" ]]; then
    echo "clickhouse http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT answers SELECT 1 = 1 (server $(curl -sS --max-time 5 "http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT/?query=SELECT%20version()" 2>/dev/null))"
  else
    echo "$reply"
    return 1
  fi
}

write_clickhouse_config() {
  local dir="$STATE/clickhouse"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$LOG_DIR/clickhouse"
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Generated by deploy/local/services.sh - edits are overwritten on start. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$LOG_DIR/clickhouse/clickhouse-server.log</log>
        <errorlog>$LOG_DIR/clickhouse/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>$CLICKHOUSE_HOST</listen_host>
    <http_port>$CLICKHOUSE_HTTP_PORT</http_port>
    <tcp_port>$CLICKHOUSE_TCP_PORT</tcp_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
EOF
  cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Generated by deploy/local/services.sh - edits are overwritten on start. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

start_clickhouse_process() {
  ensure_clickhouse_installed
  write_clickhouse_config
  local dir="$STATE/clickhouse"
  # Run from the state folder: the server may write files relative to its cwd.
  # exec: the background subshell becomes the server itself, so $! is the server's pid.
  (cd "$dir" && exec setsid nohup /usr/sbin/clickhouse-server --config-file="$dir/config.xml") \
    >>"$LOG_DIR/clickhouse/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file clickhouse)"
}

# ---------------------------------------------------------------- generic

probe() { "probe_$1"; }

check_port_free() { # service host port
  if port_open "$2" "$3"; then
    die "$2:$3 is already in use by a process this script did not start; stop it first (ss -ltnp 'sport = :$3' shows it)"
  fi
}

start_service() {
  local svc="$1" pid
  pid="$(running_pid "$svc")"
  if [[ -n "$pid" ]]; then
    say "$svc already running (pid $pid) on $(address "$svc")"
    return 0
  fi
  # Something else answering on the port (e.g. started by hand or another state folder).
  local out
  case "$svc" in
    kafka) if port_open "$KAFKA_HOST" "$KAFKA_PORT" && out="$(probe_kafka)"; then
             say "kafka already answering on $KAFKA_HOST:$KAFKA_PORT, not started by this script: leaving it ($out)"; return 0; fi
           check_port_free kafka "$KAFKA_HOST" "$KAFKA_PORT"; check_port_free kafka "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT" ;;
    redis) if port_open "$REDIS_HOST" "$REDIS_PORT" && command -v redis-cli >/dev/null 2>&1 && out="$(probe_redis)"; then
             say "redis already answering on $REDIS_HOST:$REDIS_PORT, not started by this script: leaving it"; return 0; fi
           check_port_free redis "$REDIS_HOST" "$REDIS_PORT" ;;
    clickhouse) if port_open "$CLICKHOUSE_HOST" "$CLICKHOUSE_HTTP_PORT" && out="$(probe_clickhouse)"; then
             say "clickhouse already answering on $CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT, not started by this script: leaving it"; return 0; fi
           check_port_free clickhouse "$CLICKHOUSE_HOST" "$CLICKHOUSE_HTTP_PORT"; check_port_free clickhouse "$CLICKHOUSE_HOST" "$CLICKHOUSE_TCP_PORT" ;;
  esac
  say "starting $svc"
  "start_${svc}_process"
}

wait_service() {
  local svc="$1" deadline out pid
  deadline=$((SECONDS + WAIT_SECONDS))
  while true; do
    if out="$(probe "$svc")"; then
      say "$out"
      return 0
    fi
    pid="$(pid_file "$svc")"
    if [[ -s "$pid" ]] && ! kill -0 "$(cat "$pid")" 2>/dev/null; then
      die "$svc exited during startup. Last lines of $(log_file "$svc"):
$(tail -n 30 "$(log_file "$svc")" 2>/dev/null; tail -n 10 "$(dirname "$(log_file "$svc")")/stdout.log" 2>/dev/null || true)"
    fi
    if ((SECONDS >= deadline)); then
      die "$svc did not answer on $(address "$svc") within ${WAIT_SECONDS}s (last probe: $out). See $(log_file "$svc")"
    fi
    sleep 0.5
  done
}

stop_service() {
  local svc="$1" pid
  pid="$(running_pid "$svc")"
  if [[ -z "$pid" ]]; then
    say "$svc not running (no live pid in $(pid_file "$svc"))"
    rm -f "$(pid_file "$svc")"
    return 0
  fi
  say "stopping $svc (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do # up to 60 s for a clean shutdown
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$svc (pid $pid) ignored SIGTERM for 60s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pid_file "$svc")"
}

kill_service() {
  local svc="$1" pid
  pid="$(running_pid "$svc")"
  if [[ -z "$pid" ]]; then
    say "$svc not running (no live pid in $(pid_file "$svc"))"
    return 0
  fi
  say "killing $svc (pid $pid) with SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$(pid_file "$svc")"
}

status_all() {
  local svc pid bad=0
  printf '%-11s %-8s %-8s %-52s %s\n' SERVICE STATE PID ADDRESS LOG
  for svc in "${SERVICES[@]}"; do
    pid="$(running_pid "$svc")"
    if [[ -n "$pid" ]]; then
      printf '%-11s %-8s %-8s %-52s %s\n' "$svc" running "$pid" "$(address "$svc")" "$(log_file "$svc")"
    else
      printf '%-11s %-8s %-8s %-52s %s\n' "$svc" stopped - "$(address "$svc")" "$(log_file "$svc")"
      bad=1
    fi
  done
  echo "state: $STATE   cache: $CACHE   kafka: $KAFKA_VERSION"
  return $((bad * 3))
}

print_env() {
  echo "export KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
  echo "export REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT"
  echo "export CLICKHOUSE_URL=http://$CLICKHOUSE_HOST:$CLICKHOUSE_HTTP_PORT"
}

valid_service() {
  case "${1:-}" in kafka | redis | clickhouse) return 0 ;; esac
  die "unknown service '${1:-}' (expected kafka, redis or clickhouse)"
}

with_lock() {
  mkdir -p "$STATE" "$RUN_DIR" "$LOG_DIR" "$CACHE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another services.sh holds $STATE/.lock"
}

main() {
  local cmd="${1:-}" started svc
  case "$cmd" in
    up)
      with_lock
      started=$SECONDS
      # Start all first, then wait: the three boot in parallel.
      for svc in "${SERVICES[@]}"; do start_service "$svc"; done
      for svc in "${SERVICES[@]}"; do wait_service "$svc"; done
      say "all services up in $((SECONDS - started))s"
      status_all || true
      echo
      echo "# environment for Hourglass:"
      print_env
      ;;
    down)
      with_lock
      for svc in kafka clickhouse redis; do stop_service "$svc"; done
      ;;
    start)
      valid_service "${2:-}"
      with_lock
      start_service "$2"
      wait_service "$2"
      ;;
    stop)
      valid_service "${2:-}"
      with_lock
      stop_service "$2"
      ;;
    kill)
      # Crash simulation for fault tests: SIGKILL, no clean shutdown.
      valid_service "${2:-}"
      with_lock
      kill_service "$2"
      ;;
    restart)
      valid_service "${2:-}"
      with_lock
      stop_service "$2"
      start_service "$2"
      wait_service "$2"
      ;;
    status) status_all ;;
    env) print_env ;;
    *)
      awk 'NR > 1 && !/^#/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      [[ "$cmd" == "help" || "$cmd" == "-h" || "$cmd" == "--help" ]] || exit 2
      ;;
  esac
}

main "$@"
