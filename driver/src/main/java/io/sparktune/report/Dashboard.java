package io.sparktune.report;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sparktune.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dashboard served by the driver while a job runs: the report page in live mode, which polls
 * /data.json (the run's metrics so far, its metrics log and the executors' status) every two seconds.
 * Binds the configured port or, when it is taken, the next free one of the following 16.
 */
public final class Dashboard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
  private static final int TRIES = 17;

  private final HttpServer server;
  private final String url;

  private Dashboard(HttpServer server, String url) {
    this.server = server;
    this.url = url;
  }

  /**
   * Starts serving; {@code data} supplies a snapshot of the run's data (title, status, metrics, records)
   * and must be thread-safe.
   */
  public static Dashboard start(JavaSparkContext sc, String host, int port, String title,
      Supplier<Map<String, Object>> data) {
    HttpServer server = null;
    int bound = port;
    for (int i = 0; i < TRIES && server == null; i++) {
      bound = port + i;
      try {
        server = HttpServer.create(new InetSocketAddress(host, bound), 0);
      } catch (BindException e) {
        log.debug("dashboard port {} is taken", bound);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    if (server == null) {
      throw new IllegalStateException("No free port for the live dashboard in " + port + ".." + (port + TRIES - 1)
          + "; set monitoring.dashboard.port or monitoring.dashboard.enabled = false.");
    }
    String page = HtmlReport.livePage(title, "data.json");
    server.createContext("/", ex -> {
      if (ex.getRequestURI().getPath().equals("/data.json")) {
        Map<String, Object> d = new LinkedHashMap<>(data.get());
        d.put("executors", executors(sc));
        d.put("updated", java.time.Instant.now().toString());
        send(ex, 200, "application/json", Json.writeLine(d));
      } else if (ex.getRequestURI().getPath().equals("/")) {
        send(ex, 200, "text/html; charset=utf-8", page);
      } else {
        send(ex, 404, "text/plain", "not found");
      }
    });
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sparktune-dashboard");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    String url = "http://" + host + ":" + bound + "/";
    log.info("Live dashboard: {}", url);
    return new Dashboard(server, url);
  }

  public String url() {
    return url;
  }

  static List<Map<String, Object>> executors(JavaSparkContext sc) {
    List<Map<String, Object>> out = new ArrayList<>();
    int i = 0;
    for (SparkExecutorInfo e : sc.sc().statusTracker().getExecutorInfos()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", Integer.toString(i++));
      m.put("host", e.host() + ":" + e.port());
      m.put("running-tasks", e.numRunningTasks());
      m.put("cache-mib", e.cacheSize() / 1048576.0);
      out.add(m);
    }
    return out;
  }

  private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
