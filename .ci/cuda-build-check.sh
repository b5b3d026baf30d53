#!/usr/bin/env bash
# Builds the ND4J CUDA variant (mvn -Pcuda, into target-cuda/; README "GPU executors") and runs the quickstart
# with it. On a machine without an NVIDIA GPU and driver the run must refuse with exit code 2 and name the
# missing library; on a GPU machine it must either train or refuse a GPU the CUDA build has no kernels for.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(SPARKTUNE_BACKEND=cuda bin/sparktune finetune --config conf/examples/quickstart.conf \
  --output target-cuda/quickstart --overwrite --set training.epochs=1 2>&1)"
rc=$?
printf '%s\n' "$out" | tail -5
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  if [ "$rc" -eq 0 ] || { [ "$rc" -eq 2 ] && grep -q "has compute capability" <<< "$out"; }; then
    echo "cuda-build-check: ok (GPU present, exit $rc)"; exit 0
  fi
else
  if [ "$rc" -eq 2 ] && grep -q "cannot start here: [^ ]*libjnicudart.so: libcuda\.so\.1: cannot open shared object" <<< "$out"; then
    echo "cuda-build-check: ok (no GPU here: the CUDA build refuses with a clear message)"; exit 0
  fi
fi
echo "cuda-build-check: FAILED (exit $rc)" >&2
exit 1
