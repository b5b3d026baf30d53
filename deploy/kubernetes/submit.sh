#!/usr/bin/env bash
# sparktune on Kubernetes (Spark 3.5's native scheduler), cluster mode: driver and executors are pods of
# IMAGE, an image with Java 17, Spark 3.5 (Scala 2.12) and the sparktune driver jar at /opt/sparktune/. The
# config is mounted from a ConfigMap through a pod template.
#
#   kubectl create configmap sparktune-conf --from-file=job.conf=my.conf
#   IMAGE=registry.example.com/sparktune:0.1.0 deploy/kubernetes/submit.sh finetune --output s3a://ml/runs/r1
#
# Memory: the executor pod's limit is memory + memoryOverhead; ND4J's native memory must fit the overhead
# (README, "Executor memory"). GPU: GPUS=1 asks for nvidia.com/gpu per executor pod (NVIDIA device plugin)
# and lets Spark hand each task its GPU; the image must carry the CUDA build's jar (mvn -Pcuda package,
# driver/target-cuda/) for tasks to compute on it (README, "GPU executors").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COMMAND="${1:?usage: submit.sh COMMAND [options ...]}"
shift
IMAGE="${IMAGE:?set IMAGE to the sparktune container image}"
# shellcheck source=../jvm-flags.sh
source "$ROOT/deploy/jvm-flags.sh"
FLAGS="$SPARKTUNE_JVM_FLAGS"
GPU_CONF=()
if [ "${GPUS:-0}" -gt 0 ]; then
  GPU_CONF=(--conf spark.executor.resource.gpu.amount="$GPUS" --conf spark.executor.resource.gpu.vendor=nvidia.com
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID
    --conf spark.executor.resource.gpu.discoveryScript=/opt/sparktune/deploy/gpu/discover-gpus.sh)
fi
exec spark-submit --master "${K8S_MASTER:-k8s://https://kubernetes.default.svc}" --deploy-mode cluster \
  --name "sparktune-$COMMAND" --class io.sparktune.cli.SparktuneCli \
  --conf spark.kubernetes.container.image="$IMAGE" --conf spark.kubernetes.namespace="${NAMESPACE:-ml}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark \
  --conf spark.kubernetes.driver.podTemplateFile="$ROOT/deploy/kubernetes/config-pod-template.yaml" \
  --conf "spark.driver.extraJavaOptions=$FLAGS" --conf "spark.executor.extraJavaOptions=$FLAGS" \
  --conf spark.executor.instances="${EXECUTORS:-4}" --conf spark.executor.cores="${CORES:-4}" \
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-6g}" --conf spark.executor.memoryOverhead="${EXECUTOR_OVERHEAD:-6g}" \
  "${GPU_CONF[@]}" \
  local:///opt/sparktune/sparktune-driver-0.1.0-SNAPSHOT-spark.jar "$COMMAND" --config /etc/sparktune/job.conf "$@"
