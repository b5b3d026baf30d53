#!/usr/bin/env bash
# Executes every notebook in this folder headlessly, in place (outputs and plots are written into the
# .ipynb files), and fails on the first cell that fails. CI runs it; run it after changing a notebook.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/install-kernel.sh"
for nb in "$HERE"/*.ipynb; do
  echo "run-all: executing $(basename "$nb")" >&2
  start=$(date +%s)
  jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.kernel_name=sparktune-java \
    --ExecutePreprocessor.timeout=1800 "$nb"
  echo "run-all: $(basename "$nb") ok in $(( $(date +%s) - start )) s" >&2
done
