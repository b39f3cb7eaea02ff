package dev.vertxp2p.proto.yamux;

import dev.vertxp2p.proto.mux.MuxerEvent;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Two engines back to back in memory; bytes move between them in random chunk sizes. */
final class Wire {
  final YamuxEngine client;
  final YamuxEngine server;
  final List<MuxerEvent> clientEvents = new ArrayList<>();
  final List<MuxerEvent> serverEvents = new ArrayList<>();
  private final Random random;

  Wire(long seed) {
    this(seed, new YamuxConfig(), new YamuxConfig());
  }

  Wire(long seed, YamuxConfig clientConfig, YamuxConfig serverConfig) {
    this.random = new Random(seed);
    this.client = new YamuxEngine(true, clientConfig);
    this.server = new YamuxEngine(false, serverConfig);
  }

  /** Moves bytes both ways until neither side has anything left to send. */
  void pump() {
    boolean moved = true;
    while (moved) {
      moved = move(client, server, serverEvents) | move(server, client, clientEvents);
    }
    drain(client, clientEvents);
    drain(server, serverEvents);
  }

  /** Moves only what {@code from} has queued now into {@code to}. */
  boolean move(YamuxEngine from, YamuxEngine to, List<MuxerEvent> toEvents) {
    byte[] all = drainBytes(from);
    if (all.length == 0) {
      return false;
    }
    int pos = 0;
    while (pos < all.length) {
      int n = Math.min(all.length - pos, 1 + random.nextInt(random.nextBoolean() ? 16 : 70_000));
      to.receive(all, pos, n);
      pos += n;
      drain(to, toEvents);
    }
    return true;
  }

  static byte[] drainBytes(YamuxEngine e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] b = e.pollOutbound(); b != null; b = e.pollOutbound()) {
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  static void drain(YamuxEngine e, List<MuxerEvent> into) {
    for (MuxerEvent ev = e.pollEvent(); ev != null; ev = e.pollEvent()) {
      into.add(ev);
    }
  }

  /** Concatenates the StreamData of one stream and consumes it. */
  static byte[] takeData(YamuxEngine e, List<MuxerEvent> events, long streamId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events.removeIf(
        ev -> {
          if (ev instanceof MuxerEvent.StreamData d && d.streamId() == streamId) {
            out.writeBytes(d.data());
            e.consumed(streamId, d.data().length);
            return true;
          }
          return false;
        });
    return out.toByteArray();
  }
}
