#!/usr/bin/env bash
# Starts the sparktune-java Jupyter kernel (Jupyter runs this with its connection file; install-kernel.sh
# registers it). The kernel runs in the repository root, so notebooks use the same relative paths as the
# README and conf/examples; its JVM has the flags Spark needs on Java 17.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CP_FILE="$ROOT/notebooks/kernel/target/kernel-classpath.txt"
[ -f "$CP_FILE" ] || { echo "sparktune-java kernel: not built; run notebooks/install-kernel.sh" >&2; exit 2; }
# shellcheck source=../../deploy/jvm-flags.sh
source "$ROOT/deploy/jvm-flags.sh"
cd "$ROOT"
export SPARKTUNE_GIT_SHA="${SPARKTUNE_GIT_SHA:-$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}"
# shellcheck disable=SC2086
exec java ${SPARKTUNE_JAVA_OPTS:--Xmx4g} $SPARKTUNE_JVM_FLAGS -Djava.awt.headless=true \
  -cp "$ROOT/notebooks/kernel/target/classes:$ROOT/driver/target/classes:$ROOT/worker-lib/target/classes:$(cat "$CP_FILE")" \
  io.sparktune.notebook.KernelMain "$1"
