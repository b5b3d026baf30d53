package io.sparktune.train;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;

/**
 * Pulls elements of an iterator on a second thread, up to {@code depth} ahead, so that reading and
 * assembling the next minibatch overlaps training on the current one. The Spark task's context is handed
 * to the reading thread (shuffle readers and metrics look it up there); an exception while reading is
 * rethrown to the consumer.
 */
final class Prefetcher<T> implements Iterator<T>, AutoCloseable {
  private static final Object END = new Object();

  private final BlockingQueue<Object> queue;
  private final Thread reader;
  private volatile boolean closed;
  private Object next;

  Prefetcher(Iterator<T> source, int depth) {
    this.queue = new ArrayBlockingQueue<>(Math.max(1, depth) + 1);
    TaskContext task = TaskContext.get();
    this.reader = new Thread(() -> {
      if (task != null) {
        TaskContext$.MODULE$.setTaskContext(task);
      }
      try {
        while (!closed && source.hasNext()) {
          put(source.next());
        }
        put(END);
      } catch (Throwable t) {
        put(new Failure(t));
      } finally {
        TaskContext$.MODULE$.unset();
      }
    }, "sparktune-prefetch");
    reader.setDaemon(true);
    reader.start();
  }

  private record Failure(Throwable cause) {}

  private void put(Object o) {
    try {
      while (!closed && !queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
        // consumer is busy; keep waiting unless closed
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for the next minibatch.", e);
      }
      if (next instanceof Failure f) {
        next = END;
        if (f.cause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException("Reading the training data failed: " + f.cause().getMessage(), f.cause());
      }
    }
    return next != END;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T t = (T) next;
    next = null;
    return t;
  }

  @Override
  public void close() {
    closed = true;
    queue.clear();
  }
}
