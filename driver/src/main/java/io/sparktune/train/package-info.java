/** Training strategies (DL4J training masters behind one interface) and the driver-side training monitor. */
package io.sparktune.train;
