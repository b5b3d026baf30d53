#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1 built from the project's own jars (no Spark download):
# one master and N workers, each its own JVM, stopped by PID.
#
#   deploy/local-cluster.sh start [WORKERS]   # default 2 workers, 1 core and 2 GiB each
#   deploy/local-cluster.sh stop
#   deploy/local-cluster.sh status
#
# Environment: SPARKTUNE_CLUSTER_DIR (default target/local-cluster), SPARK_MASTER_PORT (7077),
# SPARK_MASTER_WEBUI_PORT (8080; worker i uses 8080+i), SPARK_WORKER_CORES (1), SPARK_WORKER_MEMORY (2g),
# SPARK_WORKER_OPTS (extra JVM options for the workers, e.g. -Dspark.worker.resource.gpu.amount=1
# -Dspark.worker.resource.gpu.discoveryScript=deploy/gpu/discover-gpus.sh on a GPU machine).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${SPARKTUNE_CLUSTER_DIR:-$ROOT/target/local-cluster}"
PORT="${SPARK_MASTER_PORT:-7077}"
UI="${SPARK_MASTER_WEBUI_PORT:-8080}"
CP_FILE="$ROOT/driver/target/launcher-classpath.txt"
# shellcheck source=jvm-flags.sh
source "$ROOT/deploy/jvm-flags.sh"

spark_home() {
  # Spark wants $SPARK_HOME/jars and, for executors, a launcher/target/scala-2.12 directory (KNOWN-FACTS.md)
  [ -f "$CP_FILE" ] || { echo "local-cluster: build first (mvn -DskipTests install)" >&2; exit 2; }
  rm -rf "$DIR/jars"
  mkdir -p "$DIR/jars" "$DIR/launcher/target/scala-2.12" "$DIR/logs" "$DIR/work"
  tr ":" "\n" < "$CP_FILE" | while read -r jar || [ -n "$jar" ]; do
    [ -n "$jar" ] && ln -sf "$jar" "$DIR/jars/$(basename "$jar")"
  done
}

start() {
  local workers="${1:-2}"
  if [ -f "$DIR/master.pid" ] && kill -0 "$(cat "$DIR/master.pid")" 2>/dev/null; then
    echo "local-cluster: already running (master pid $(cat "$DIR/master.pid"))" >&2; exit 1
  fi
  spark_home
  export SPARK_HOME="$DIR" SPARK_SCALA_VERSION=2.12
  nohup java $SPARKTUNE_JVM_FLAGS -Xmx512m -cp "$DIR/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$PORT" --webui-port "$UI" > "$DIR/logs/master.log" 2>&1 &
  echo $! > "$DIR/master.pid"
  for i in $(seq 1 "$workers"); do
    # shellcheck disable=SC2086  # SPARK_WORKER_OPTS holds several options
    nohup java $SPARKTUNE_JVM_FLAGS -Xmx512m ${SPARK_WORKER_OPTS:-} -cp "$DIR/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "${SPARK_WORKER_CORES:-1}" --memory "${SPARK_WORKER_MEMORY:-2g}" \
      --webui-port $((UI + i)) --work-dir "$DIR/work/worker-$i" "spark://127.0.0.1:$PORT" \
      > "$DIR/logs/worker-$i.log" 2>&1 &
    echo $! > "$DIR/worker-$i.pid"
  done
  for _ in $(seq 1 120); do
    local n
    n=$(grep -c "Registering worker" "$DIR/logs/master.log" 2>/dev/null || true)
    if [ "${n:-0}" -ge "$workers" ]; then
      echo "local-cluster: master spark://127.0.0.1:$PORT with $workers workers (logs in $DIR/logs)"
      return 0
    fi
    sleep 0.5
  done
  echo "local-cluster: workers did not register within 60 s; see $DIR/logs" >&2
  stop
  exit 1
}

stop() {
  for f in "$DIR"/worker-*.pid "$DIR"/master.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  # executors the workers started (working directory under $DIR/work) normally end with their worker; one
  # stuck in native code (e.g. DL4J's gradient sharing) does not, and would hold its memory and /dev/shm
  local left=""
  for _ in $(seq 1 20); do
    left=""
    for pid in $(pgrep -f CoarseGrainedExecutorBackend || true); do
      case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in "$DIR"/work/*) left="$left $pid" ;; esac
    done
    [ -z "$left" ] && break
    sleep 0.5
  done
  if [ -n "$left" ]; then
    echo "local-cluster: killing executors that outlived their workers:$left" >&2
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null || true
  fi
  echo "local-cluster: stopped"
}

status() {
  for f in "$DIR"/master.pid "$DIR"/worker-*.pid; do
    [ -f "$f" ] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"
    else echo "$(basename "$f" .pid): not running"; fi
  done
}

case "${1:-}" in
  start) start "${2:-2}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start [WORKERS] | stop | status" >&2; exit 2 ;;
esac
