package io.sparktune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The live dashboard on a shared machine: DNS rebinding refused, half-sent requests do not block it. */
class DashboardTest {
  private static String get(int port, String hostHeader) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }
  }

  @Test
  void onlyRequestsAddressedToThisMachineAreAnsweredAndAHalfSentRequestBlocksNothing() throws Exception {
    try (Dashboard d = Dashboard.start(null, "127.0.0.1", 4350, "test", () -> Map.of("title", "test"))) {
      int port = new URL(d.url()).getPort();
      assertTrue(get(port, "127.0.0.1:" + port).contains("200"));
      assertTrue(get(port, "localhost:" + port).contains("200"));
      assertTrue(get(port, "attacker.example:" + port).contains("403"), "a rebound name is refused");
      List<Socket> halfSent = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
          s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          halfSent.add(s);
        }
        long t0 = System.nanoTime();
        HttpURLConnection c = (HttpURLConnection) new URL(d.url()).openConnection();
        c.setReadTimeout(5000);
        assertEquals(200, c.getResponseCode(), "served while eight requests hang half-sent");
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
      } finally {
        for (Socket s : halfSent) {
          s.close();
        }
      }
    }
  }

  @Test
  void theHostHeadersNameIsComparedWithoutItsPort() {
    assertEquals("127.0.0.1", Dashboard.hostName("127.0.0.1:4050"));
    assertEquals("[::1]", Dashboard.hostName("[::1]:4050"));
    assertEquals("example.org", Dashboard.hostName("Example.org"));
    assertTrue(Dashboard.localNames("0.0.0.0").contains("127.0.0.1"));
  }
}
