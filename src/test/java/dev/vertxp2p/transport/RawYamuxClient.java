package dev.vertxp2p.transport;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import dev.vertxp2p.testing.RawPeer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw peer with a Yamux engine of its own, on a blocking socket: the test decides exactly which
 * frames go out together in one Noise message, so the node reads them in one go.
 */
final class RawYamuxClient implements AutoCloseable {
  private final RawPeer peer;
  private final YamuxEngine engine = new YamuxEngine(true);
  private final List<MuxerEvent> events = new ArrayList<>();
  private final Map<Long, ByteArrayOutputStream> data = new HashMap<>();

  private RawYamuxClient(RawPeer peer) {
    this.peer = peer;
  }

  /** Connects and secures, with Yamux chosen inside the Noise handshake. */
  static RawYamuxClient connect(int port) throws IOException {
    RawPeer p = RawPeer.connect("127.0.0.1", port);
    p.secure(RawPeer.Identity.ed25519(new SecureRandom()),
        List.of(TransportOptions.YAMUX_PROTOCOL));
    return new RawYamuxClient(p);
  }

  YamuxEngine engine() {
    return engine;
  }

  /** Everything the engine queued, sent as one Noise message. */
  void send() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] c; (c = engine.pollOutbound()) != null; ) {
      out.writeBytes(c);
    }
    if (out.size() > 0) {
      peer.write(out.toByteArray());
    }
  }

  /** Opens a stream and negotiates {@code protocol} on it; returns its id. */
  long open(String protocol) throws IOException {
    long id = engine.openStream();
    MultistreamInitiator ms = new MultistreamInitiator(List.of(protocol));
    for (byte[] o; (o = ms.pollOutbound()) != null; ) {
      engine.write(id, o, 0, o.length);
    }
    send();
    int seen = 0;
    while (!ms.isDone()) {
      byte[] got = take(id, seen);
      seen += got.length;
      ms.receive(got, 0, got.length);
      if (ms.isFailed()) {
        throw new IOException("the node refused " + protocol);
      }
    }
    data.remove(id);
    return id;
  }

  /** Reads until stream {@code id} has more than {@code seen} bytes; returns the new ones. */
  private byte[] take(long id, int seen) throws IOException {
    while (true) {
      ByteArrayOutputStream got = data.get(id);
      if (got != null && got.size() > seen) {
        byte[] all = got.toByteArray();
        return java.util.Arrays.copyOfRange(all, seen, all.length);
      }
      readOnce();
    }
  }

  /** Reads until {@code expected} has arrived on stream {@code id} (whole, from the start). */
  byte[] awaitData(long id, int length) throws IOException {
    while (true) {
      ByteArrayOutputStream got = data.get(id);
      if (got != null && got.size() >= length) {
        return got.toByteArray();
      }
      readOnce();
    }
  }

  /** Reads until the engine reports {@code event}. */
  void awaitEvent(MuxerEvent event) throws IOException {
    while (!events.contains(event)) {
      readOnce();
    }
  }

  private void readOnce() throws IOException {
    byte[] plain = peer.read();
    engine.receive(plain, 0, plain.length);
    for (MuxerEvent e; (e = engine.pollEvent()) != null; ) {
      events.add(e);
      if (e instanceof MuxerEvent.StreamData d) {
        data.computeIfAbsent(d.streamId(), k -> new ByteArrayOutputStream())
            .write(d.array(), d.offset(), d.length());
        engine.consumed(d.streamId(), d.length());
      }
    }
    send();
  }

  NoiseSession session() {
    return peer.session();
  }

  @Override
  public void close() throws IOException {
    peer.close();
  }
}
