package io.sparktune.train;

import io.sparktune.model.Network;
import java.util.Collection;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.dataset.DataSet;

/** A strategy carried out by one of DL4J's training masters, for either kind of network. */
abstract class Dl4jMasterStrategy implements TrainingStrategy {
  private final SparkDl4jMultiLayer multiLayer;
  private final SparkComputationGraph graph;

  Dl4jMasterStrategy(JavaSparkContext sc, Network net, TrainingMaster<?, ?> master) {
    if (net.isGraph()) {
      graph = new SparkComputationGraph(sc, net.graph(), master);
      multiLayer = null;
    } else {
      multiLayer = new SparkDl4jMultiLayer(sc, net.multiLayer(), master);
      graph = null;
    }
  }

  @Override
  public void fitEpoch(JavaRDD<DataSet> batches) {
    if (graph != null) {
      graph.fit(batches);
    } else {
      multiLayer.fit(batches);
    }
  }

  @Override
  public Network network() {
    return new Network(graph != null ? graph.getNetwork() : multiLayer.getNetwork());
  }

  @Override
  public void setListeners(Collection<TrainingListener> listeners) {
    if (graph != null) {
      graph.setListeners(listeners);
    } else {
      multiLayer.setListeners(listeners);
    }
  }
}
