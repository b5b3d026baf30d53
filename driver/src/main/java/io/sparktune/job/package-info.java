/** Jobs: the single fine-tune path and the evaluation job, with their outputs and provenance. */
package io.sparktune.job;
