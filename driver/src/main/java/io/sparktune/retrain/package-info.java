/** Scheduled retraining: new data found, fine-tuned from production, gated, promoted or kept, under a lock. */
package io.sparktune.retrain;
