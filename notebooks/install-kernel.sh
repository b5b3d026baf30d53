#!/usr/bin/env bash
# Builds sparktune with its notebook kernel and registers the kernel with Jupyter as "sparktune-java"
# (for this user). Needs Jupyter: on Debian, apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v jupyter >/dev/null || { echo "install-kernel: jupyter not found (Debian: apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel)" >&2; exit 2; }
if [ ! -f "$ROOT/notebooks/kernel/target/kernel-classpath.txt" ] || [ -n "${SPARKTUNE_REBUILD:-}" ]; then
  (cd "$ROOT" && mvn -B -q -DskipTests install) >&2
fi
# Debian's Jupyter has no jupyter-kernelspec command: the spec goes straight into the user's data dir
spec="$(jupyter --data-dir)/kernels/sparktune-java"
mkdir -p "$spec"
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["bash", "$ROOT/notebooks/kernel/start-kernel.sh", "{connection_file}"],
  "display_name": "Java (sparktune)",
  "language": "java",
  "interrupt_mode": "message"
}
JSON
echo "install-kernel: kernel sparktune-java installed in $spec"
