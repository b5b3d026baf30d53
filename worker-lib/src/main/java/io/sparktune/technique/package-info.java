/** Fine-tuning techniques' parts that run inside training on the executors (e.g. the L2-SP penalty). */
package io.sparktune.technique;
