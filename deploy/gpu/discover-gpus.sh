#!/usr/bin/env bash
# Spark resource discovery script for GPUs (spark.executor.resource.gpu.discoveryScript,
# spark.worker.resource.gpu.discoveryScript): prints the GPUs this host has as Spark expects,
#   {"name": "gpu", "addresses": ["0", "1"]}
# from nvidia-smi, restricted to CUDA_VISIBLE_DEVICES when that is set. No GPU (or no nvidia-smi)
# prints an empty address list, so an executor asking for a GPU fails to start with Spark's own message.
set -uo pipefail
ids=""
if command -v nvidia-smi >/dev/null 2>&1; then
  ids="$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ')"
fi
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  ids="$(printf '%s\n' "$ids" | grep -Fx -f <(printf '%s\n' "${CUDA_VISIBLE_DEVICES//,/$'\n'}") || true)"
fi
addresses=""
for id in $ids; do
  addresses="${addresses:+$addresses, }\"$id\""
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
