/** Fine-tuning techniques behind one interface, planned on the driver: layer-wise rates, unfreezing, regularisation. */
package io.sparktune.technique;
