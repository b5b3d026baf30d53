/** Mergeable classification metrics computed on executors. */
package io.sparktune.eval;
