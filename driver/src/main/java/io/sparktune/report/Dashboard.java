package io.sparktune.report;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sparktune.io.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>On a shared machine: it answers only requests whose Host header names this machine (a web page elsewhere
 * cannot reach it through DNS rebinding), serves requests concurrently, and drops a request not fully received
 * within ten seconds (one half-sent request used to block it). It has no authentication: bind it to
 * 127.0.0.1 (the default) unless the network is trusted (docs/security.md).
 */
public final class Dashboard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
  private static final int TRIES = 17;

  static {
    // the JDK server's limit on receiving a request (seconds); read when its first server is made
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "10");
    }
  }

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
    Set<String> names = localNames(host);
    server.createContext("/", ex -> {
      if (!names.contains(hostName(ex.getRequestHeaders().getFirst("Host")))) {
        log.debug("dashboard: refused a request for host {}", ex.getRequestHeaders().getFirst("Host"));
        send(ex, 403, "text/plain", "This dashboard answers only requests addressed to this machine.");
      } else if (ex.getRequestURI().getPath().equals("/data.json")) {
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
    // a thread per request in flight: the JDK server reads a request on its handler's thread, and a request not
    // received within maxReqTime is dropped, which bounds what slow or half-sent requests can hold
    server.setExecutor(Executors.newCachedThreadPool(r -> {
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

  /** The Host header's name without the port, lower-cased ("" when absent). */
  static String hostName(String header) {
    if (header == null) {
      return "";
    }
    String h = header.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(0, end + 1) : h;
    }
    int colon = h.lastIndexOf(':');
    return colon >= 0 ? h.substring(0, colon) : h;
  }

  /** The names this machine answers to: the bound address, loopback names, its host names and addresses. */
  static Set<String> localNames(String bound) {
    Set<String> names = new HashSet<>(List.of(bound.toLowerCase(Locale.ROOT), "localhost", "127.0.0.1",
        "[::1]"));
    try {
      InetAddress me = InetAddress.getLocalHost();
      names.add(me.getHostName().toLowerCase(Locale.ROOT));
      names.add(me.getCanonicalHostName().toLowerCase(Locale.ROOT));
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          String literal = a.getHostAddress().replaceFirst("%.*$", "");
          names.add(a instanceof Inet6Address ? "[" + literal + "]" : literal);
        }
      }
    } catch (IOException e) {
      log.debug("dashboard: cannot list this machine's names: {}", e.getMessage());
    }
    return names;
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
