/** What Spark executors run: data records to DataSets, model loading and adaptation, metrics and checkpoints. */
package io.sparktune;
