/** Starting Spark for sparktune's jobs. */
package io.sparktune.spark;
