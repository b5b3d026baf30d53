package io.sparktune.eval;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.model.Network;
import java.util.Iterator;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Scores two classifiers on the same records into a {@link PairedComparison}. Each model gets its own
 * assembler, because each carries the normalisation it was trained with.
 */
public final class PairedEvaluator {
  private PairedEvaluator() {}

  public static PairedComparison compare(Network a, BatchAssembler assemblerA, Network b,
      BatchAssembler assemblerB, Iterator<Record> records, PairedComparison into) {
    Iterator<List<Record>> chunks = assemblerA.chunks(records);
    while (chunks.hasNext()) {
      List<Record> chunk = chunks.next();
      DataSet dsA = assemblerA.assemble(chunk);
      DataSet dsB = assemblerB.assemble(chunk);
      into.add(chunk.stream().map(Record::origin).toList(), dsA.getLabels(), a.output(dsA),
          b.output(dsB));
    }
    return into;
  }
}
