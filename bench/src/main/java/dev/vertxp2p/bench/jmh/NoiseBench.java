package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.proto.noise.NoiseAead;
import dev.vertxp2p.proto.noise.NoiseAeads;
import dev.vertxp2p.proto.noise.NoiseSession;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Noise transport encryption of one full message (65519 bytes of plaintext) against the raw AEAD
 * call it wraps: the difference is the session's framing and copies.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NoiseBench {
  @Param({"JDK", "BC", "JAVA"})
  public String aead;

  private NoiseSession sender;
  private NoiseSession roundTripSender;
  private NoiseSession receiver;
  private NoiseAead raw;
  private long nonce;
  private final byte[] plain = new byte[NoiseSession.MAX_PLAINTEXT_LENGTH];
  private final byte[] cipher = new byte[NoiseSession.MAX_MESSAGE_LENGTH];
  private byte[] frame;

  @Setup
  public void setUp() {
    NoiseAeads.Kind kind = NoiseAeads.Kind.valueOf(aead);
    NoiseSession[] s = Pairs.noise(kind);
    sender = s[0];
    // a second pair: sessionEncrypt advances its sender's nonce with no receiver to follow
    NoiseSession[] rt = Pairs.noise(kind);
    roundTripSender = rt[0];
    receiver = rt[1];
    raw = NoiseAeads.create(kind);
    raw.setKey(new byte[NoiseAead.KEY_LENGTH]);
  }

  /** Session encrypt: framing plus AEAD into a new array. */
  @Benchmark
  public byte[] sessionEncrypt() {
    return sender.encrypt(plain, 0, plain.length);
  }

  /** Session encrypt then decrypt by the peer session (receive + poll). */
  @Benchmark
  public byte[] sessionRoundTrip() {
    frame = roundTripSender.encrypt(plain, 0, plain.length);
    receiver.receive(frame, 0, frame.length);
    return receiver.pollPlaintext();
  }

  /** The AEAD alone, into a reused array. */
  @Benchmark
  public int rawEncrypt() {
    return raw.encrypt(nonce++, null, plain, 0, plain.length, cipher, 0);
  }
}
