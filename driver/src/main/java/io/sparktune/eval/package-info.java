/** Distributed evaluation: per-partition metrics merged exactly on the driver. */
package io.sparktune.eval;
