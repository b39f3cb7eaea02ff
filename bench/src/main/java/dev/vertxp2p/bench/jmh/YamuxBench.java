package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.yamux.YamuxConfig;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import dev.vertxp2p.proto.yamux.YamuxFrame;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/** Yamux Data frames: encode (write + pollOutbound) and decode (receive + events + consumed). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class YamuxBench {
  @Param({"32", "65507"})
  public int size;

  private YamuxEngine sender;
  private YamuxEngine receiver;
  private long stream;
  private byte[] payload;
  private byte[] frame;

  @Setup
  public void setUp() {
    sender = new YamuxEngine(true, new YamuxConfig());
    receiver = new YamuxEngine(false, new YamuxConfig());
    stream = sender.openStream();
    pump(sender, receiver);
    pump(receiver, sender);
    while (receiver.pollEvent() != null) {
      // StreamOpened
    }
    while (sender.pollEvent() != null) {
      // StreamAcknowledged
    }
    payload = new byte[size];
    frame = new byte[YamuxFrame.HEADER_LENGTH + size];
    YamuxFrame.writeHeader(frame, 0, YamuxFrame.TYPE_DATA, 0, stream, size);
  }

  private static void pump(YamuxEngine from, YamuxEngine to) {
    byte[] out;
    while ((out = from.pollOutbound()) != null) {
      to.receive(out, 0, out.length);
    }
  }

  /** One Data frame out; the peer's window is kept open by crediting it back directly. */
  @Benchmark
  public byte[] encode() {
    sender.write(stream, payload, 0, payload.length);
    byte[] out = sender.pollOutbound();
    // keep the send window open without running the receiver: a WindowUpdate for what we sent
    byte[] update = YamuxFrame.header(YamuxFrame.TYPE_WINDOW_UPDATE, 0, stream, payload.length);
    sender.receive(update, 0, update.length);
    sender.pollEvent();
    return out;
  }

  /** One Data frame in, its event taken and consumed (which may queue a WindowUpdate). */
  @Benchmark
  public void decode(Blackhole bh) {
    receiver.receive(frame, 0, frame.length);
    MuxerEvent e;
    while ((e = receiver.pollEvent()) != null) {
      bh.consume(e);
    }
    receiver.consumed(stream, size);
    byte[] out;
    while ((out = receiver.pollOutbound()) != null) {
      // the window update is sent back to a peer that would grant more window
      bh.consume(out);
    }
    // keep the receive window valid: behave as if the sender saw the update
  }
}
