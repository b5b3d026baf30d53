#!/usr/bin/env bash
# sparktune on YARN (Spark 3.5, Scala 2.12, Hadoop 3.3), cluster mode: the driver runs in the YARN
# application master, so the config file travels with --files and is read from the container's directory.
#
#   deploy/yarn/submit.sh my.conf finetune --output hdfs:///sparktune/runs/r1
#   GPUS=1 deploy/yarn/submit.sh my.conf finetune ...   # executors on GPU nodes (see "GPU" below)
#
# Memory: ND4J keeps parameters, gradients, updater state and activations off the JVM heap. YARN kills a
# container whose process grows past executor memory + memoryOverhead, so memoryOverhead must hold all of
# ND4J's native memory: at least the heap, more for big networks/batches (README, "Executor memory").
# GPU: Spark schedules GPUs with the resource settings below (YARN 3.1+ with GPU scheduling enabled); with
# SPARKTUNE_BACKEND=cuda the jar of the CUDA build (mvn -Pcuda package: driver/target-cuda/) is submitted and each
# task computes on its GPU (README, "GPU executors"); the default CPU jar leaves the GPUs unused.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONF="${1:?usage: submit.sh CONFIG COMMAND [options ...]}"
shift
COMMAND="${1:?usage: submit.sh CONFIG COMMAND [options ...]}"
shift
JAR="$(ls "$ROOT"/driver/"$([ "${SPARKTUNE_BACKEND:-cpu}" = cuda ] && echo target-cuda || echo target)"/sparktune-driver-*-spark.jar | head -1)"
# shellcheck source=../jvm-flags.sh
source "$ROOT/deploy/jvm-flags.sh"
FLAGS="$SPARKTUNE_JVM_FLAGS"
GPU_CONF=()
if [ "${GPUS:-0}" -gt 0 ]; then
  GPU_CONF=(--files "$ROOT/deploy/gpu/discover-gpus.sh"
    --conf spark.executor.resource.gpu.amount="$GPUS"
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID
    --conf spark.executor.resource.gpu.discoveryScript=./discover-gpus.sh)
fi
exec spark-submit --master yarn --deploy-mode cluster --class io.sparktune.cli.SparktuneCli \
  --conf "spark.driver.extraJavaOptions=$FLAGS" --conf "spark.executor.extraJavaOptions=$FLAGS" \
  --conf spark.executor.instances="${EXECUTORS:-4}" --conf spark.executor.cores="${CORES:-4}" \
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-6g}" --conf spark.executor.memoryOverhead="${EXECUTOR_OVERHEAD:-6g}" \
  --conf spark.driver.memory=4g --conf spark.driver.memoryOverhead=4g \
  --files "$CONF" "${GPU_CONF[@]}" \
  "$JAR" "$COMMAND" --config "$(basename "$CONF")" "$@"
