/** Data sources read by Spark (IDX, CSV, image folders), the seeded split and per-epoch minibatches. */
package io.sparktune.data;
