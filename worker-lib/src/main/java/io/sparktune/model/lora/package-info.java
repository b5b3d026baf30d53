/** LoRA (Hu et al. 2021) as DL4J layers: low-rank trainable updates to frozen pre-trained weights, and merging them back. */
package io.sparktune.model.lora;
