/** Which native kernels ND4J runs on and which DL4J layer helpers are on: chosen, switched on and reported. */
package io.sparktune.compute;
