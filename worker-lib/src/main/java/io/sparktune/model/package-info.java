/** Loading pre-trained networks (DL4J zip, Keras, DL4J JSON) and adapting them with TransferLearning. */
package io.sparktune.model;
