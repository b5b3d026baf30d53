/** Checkpoints on any Hadoop FileSystem with a manifest written last; only verified ones load. */
package io.sparktune.checkpoint;
