#!/usr/bin/env bash
# spark-submit for sparktune without a Spark distribution: SparkSubmit from the project's jars, the
# shaded driver jar as the application, and the JVM flags sparktune needs on the driver and executors.
#
#   deploy/submit.sh [--master URL] [spark-submit options ...] -- <sparktune command and options>
#   e.g. deploy/submit.sh --master spark://127.0.0.1:7077 -- finetune --config conf/examples/quickstart.conf
#
# With a real Spark installation use its bin/spark-submit with the same --conf lines (see README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${SPARKTUNE_CLUSTER_DIR:-$ROOT/target/local-cluster}"
APP_JAR="$(ls "$ROOT"/driver/"$([ "${SPARKTUNE_BACKEND:-cpu}" = cuda ] && echo target-cuda || echo target)"/sparktune-driver-*-spark.jar 2>/dev/null | head -1)"
[ -n "$APP_JAR" ] || { echo "submit: build first (mvn -DskipTests install)" >&2; exit 2; }
[ -d "$DIR/jars" ] || { echo "submit: no Spark jars in $DIR/jars; run deploy/local-cluster.sh start" >&2; exit 2; }
MASTER="spark://127.0.0.1:7077"
SPARK_ARGS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  if [ "$1" = "--master" ]; then MASTER="$2"; shift 2; else SPARK_ARGS+=("$1"); shift; fi
done
[ "${1:-}" = "--" ] && shift
# shellcheck source=../jvm-flags.sh
source "$ROOT/deploy/jvm-flags.sh"
JVM_FLAGS="$SPARKTUNE_JVM_FLAGS"
export SPARK_HOME="$DIR" SPARK_SCALA_VERSION=2.12
export SPARKTUNE_GIT_SHA="${SPARKTUNE_GIT_SHA:-$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}"
exec java $JVM_FLAGS ${SPARKTUNE_DRIVER_JAVA_OPTS:--Xmx2g} -Dlog4j2.configurationFile="$ROOT/driver/src/main/resources/log4j2.properties" -cp "$DIR/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master "$MASTER" --deploy-mode client --class io.sparktune.cli.SparktuneCli \
  --conf "spark.executor.extraJavaOptions=$JVM_FLAGS" \
  --conf spark.executor.memory=1g --conf spark.executor.cores=1 \
  "${SPARK_ARGS[@]}" "$APP_JAR" "$@"
