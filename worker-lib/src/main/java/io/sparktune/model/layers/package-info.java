/**
 * Custom DL4J layers whose pre-trained parameters stay frozen while added ones train: LoRA (Hu et al.
 * 2021) and bottleneck adapters (Houlsby et al. 2019), and putting them on a network and taking them off.
 */
package io.sparktune.model.layers;
