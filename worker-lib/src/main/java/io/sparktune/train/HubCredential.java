package io.sparktune.train;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.SparkEnv;

/**
 * How a training task proves to the driver's averaging hub that it belongs to this run, and the hub to the
 * task, without the key ever crossing the wire (an HMAC-SHA256 challenge and response, see
 * {@link AveragingProtocol}).
 *
 * <p>Why it exists: the hub listens on a TCP port that anyone on the network can reach, and what it receives
 * becomes the model. Without proof, one forged message with a large weight replaces the run's parameters.
 *
 * <p>Where the key comes from:
 * <ul>
 *   <li>with {@code spark.authenticate=true}, from Spark's own shared secret (which Spark hands to its
 *       executors itself): the key is HMAC(secret, a random per-run nonce), so the tasks' closure carries only
 *       the nonce, and a copy of the closure (Spark may spill task binaries to local disk) proves nothing;
 *   <li>otherwise, a random 256-bit token made for the run and handed to the tasks in their closure, which
 *       Spark ships over its own RPC (encrypted when {@code spark.network.crypto.enabled} is on).
 * </ul>
 * Either way the key stays in memory: {@link #toString()} never shows it and nothing writes it.
 */
public final class HubCredential implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] LABEL = "sparktune averaging hub v1".getBytes(StandardCharsets.US_ASCII);

  /** The run's random token (without Spark authentication), or null. */
  private final byte[] token;
  /** The run's nonce, mixed with Spark's secret (with Spark authentication), or null. */
  private final byte[] nonce;
  private transient byte[] key;

  private HubCredential(byte[] token, byte[] nonce) {
    this.token = token;
    this.nonce = nonce;
  }

  /** A new credential for a run: from Spark's secret when {@code sparkAuthenticates}, else a random token. */
  public static HubCredential forRun(boolean sparkAuthenticates) {
    byte[] fresh = new byte[32];
    RANDOM.nextBytes(fresh);
    return sparkAuthenticates ? new HubCredential(null, fresh) : new HubCredential(fresh, null);
  }

  /** Whether the key derives from Spark's shared secret ({@code spark.authenticate=true}). */
  public boolean usesSparkSecret() {
    return nonce != null;
  }

  /** The HMAC key: on the driver and on an executor alike (there through the executor's SparkEnv). */
  public synchronized byte[] key() {
    if (key == null) {
      byte[] base;
      if (nonce != null) {
        SparkEnv env = SparkEnv.get();
        String secret = env == null ? null : env.securityManager().getSecretKey();
        if (secret == null) {
          throw new IllegalStateException("spark.authenticate is on, but this JVM's Spark has no shared secret to "
              + "prove itself to the averaging hub with.");
        }
        base = hmac(secret.getBytes(StandardCharsets.UTF_8), LABEL, nonce);
      } else {
        base = token;
      }
      key = hmac(base, LABEL);
    }
    return key;
  }

  /** HMAC-SHA256 of the parts, in order. */
  public static byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("This JVM has no HmacSHA256: " + e.getMessage(), e);
    }
  }

  /** Compares two MACs in time that does not depend on where they differ. */
  public static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  /** Random bytes for a challenge. */
  public static byte[] challenge() {
    byte[] c = new byte[AveragingProtocol.NONCE_BYTES];
    RANDOM.nextBytes(c);
    return c;
  }

  @Override
  public String toString() {
    return usesSparkSecret() ? "HubCredential[from Spark's secret]" : "HubCredential[per-run token]";
  }
}
