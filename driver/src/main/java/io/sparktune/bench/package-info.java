/** The side-by-side benchmark: plain single-process DL4J against sparktune's strategies on the same work. */
package io.sparktune.bench;
