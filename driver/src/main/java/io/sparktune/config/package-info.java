/** Typed, validated settings built from HOCON (reference.conf, the user's file and --set overrides). */
package io.sparktune.config;
