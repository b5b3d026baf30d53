#!/usr/bin/env bash
# One scheduled retrain: spark-submit of `sparktune retrain`, for cron, systemd timers, Airflow and
# Kubernetes CronJobs (the examples beside this file call it).
#
#   SPARKTUNE_JAR=/opt/sparktune/sparktune-driver-0.1.0-SNAPSHOT-spark.jar \
#   SPARK_MASTER=yarn deploy/schedule/retrain.sh /etc/sparktune/retrain.conf [--set key=value ...]
#
# Exit codes (sparktune's): 0 a decision was made and recorded (promoted, kept-production, no-new-data,
# too-little-data; see the registry's retrain journal), 1 the run failed (a later run resumes it),
# 2 bad configuration or input, 3 another retrain of the model holds the lock (nothing was done).
# Exit 3 is mapped to 0 unless SPARKTUNE_BUSY_IS_ERROR=1: an overlapping schedule is not a failure.
#
# Environment: SPARK_SUBMIT (default spark-submit; deploy/submit.sh works for the local cluster),
# SPARK_MASTER (default yarn), SPARKTUNE_JAR (required), SPARK_SUBMIT_EXTRA (more spark-submit options).
set -uo pipefail
CONF="${1:?usage: retrain.sh CONFIG [sparktune options ...]}"
shift
SPARK_SUBMIT="${SPARK_SUBMIT:-spark-submit}"
JAR="${SPARKTUNE_JAR:?set SPARKTUNE_JAR to the sparktune driver jar (driver/target/sparktune-driver-*-spark.jar)}"
# shellcheck source=../jvm-flags.sh
source "$(dirname "${BASH_SOURCE[0]}")/../jvm-flags.sh"
FLAGS="$SPARKTUNE_JVM_FLAGS"
echo "$(date -u +%FT%TZ) retrain: $CONF on ${SPARK_MASTER:-yarn}"
# shellcheck disable=SC2086
"$SPARK_SUBMIT" --master "${SPARK_MASTER:-yarn}" --deploy-mode client --class io.sparktune.cli.SparktuneCli \
  --conf "spark.driver.extraJavaOptions=$FLAGS" --conf "spark.executor.extraJavaOptions=$FLAGS" \
  ${SPARK_SUBMIT_EXTRA:-} "$JAR" retrain --config "$CONF" "$@"
code=$?
if [ "$code" -eq 3 ] && [ "${SPARKTUNE_BUSY_IS_ERROR:-0}" != 1 ]; then
  echo "$(date -u +%FT%TZ) retrain: another retrain of this model is running; skipped"
  exit 0
fi
echo "$(date -u +%FT%TZ) retrain: exit $code"
exit "$code"
