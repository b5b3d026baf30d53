#!/usr/bin/env bash
# Sourced by the deploy scripts: the JVM flags sparktune's driver and executors need on Java 17
# (module openings for Spark, ND4J and Kryo; Aeron's unblock timeout for DL4J's gradient sharing).
# shellcheck disable=SC2034
SPARKTUNE_JVM_FLAGS="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
-Daeron.publication.unblock.timeout=60000000000"
