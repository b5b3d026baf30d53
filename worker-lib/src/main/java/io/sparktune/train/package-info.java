/** Pieces of the training loop that run on executors: progress reporting into Spark accumulators. */
package io.sparktune.train;
