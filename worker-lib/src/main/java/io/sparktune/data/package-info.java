/** Records to DataSets: IDX, CSV and image decoding, normalisation statistics, batching. */
package io.sparktune.data;
