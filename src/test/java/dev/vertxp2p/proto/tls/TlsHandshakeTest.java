package dev.vertxp2p.proto.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.Secp256k1PrivateKey;
import dev.vertxp2p.proto.tls.TlsCertificateException.Reason;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two engines back to back in memory: the libp2p TLS handshake completes with both sides knowing
 * the other's peer, application data crosses both ways, ALPN settles the muxer as the
 * inlined-muxer-negotiation spec says, and every refusal is typed and named.
 */
class TlsHandshakeTest {
  static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final PrivateKey ALICE = Ed25519PrivateKey.generate(RANDOM);
  private static final PrivateKey BOB = Ed25519PrivateKey.generate(RANDOM);
  private static final PrivateKey CAROL = Secp256k1PrivateKey.generate(RANDOM);
  private static final String YAMUX = "/yamux/1.0.0";
  private static final String MPLEX = "/mplex/6.7.0";

  /** A dialer and a listener wired back to back; what each decrypted after completing. */
  static final class Pair {
    final TlsHandshake dialer;
    final TlsHandshake listener;
    final ByteArrayOutputStream dialerReceived = new ByteArrayOutputStream();
    final ByteArrayOutputStream listenerReceived = new ByteArrayOutputStream();

    Pair(TlsHandshake dialer, TlsHandshake listener) {
      this.dialer = dialer;
      this.listener = listener;
    }

    /** Moves bytes both ways until neither side has anything to write. */
    void run() {
      for (int round = 0; round < 50; round++) {
        byte[] toListener = output(dialer);
        byte[] toDialer = output(listener);
        if (toListener.length == 0 && toDialer.length == 0) {
          return;
        }
        deliver(toListener, listener, listenerReceived);
        deliver(toDialer, dialer, dialerReceived);
      }
      throw new AssertionError("the handshake did not settle in 50 rounds");
    }

    private static byte[] output(TlsHandshake side) {
      return side.isComplete() ? side.session().drainOutput() : side.drainOutput();
    }

    private static void deliver(byte[] bytes, TlsHandshake to, ByteArrayOutputStream sink) {
      if (bytes.length == 0) {
        return;
      }
      if (to.isComplete()) {
        sink.writeBytes(to.session().decrypt(bytes, 0, bytes.length));
      } else {
        to.feed(bytes, 0, bytes.length);
        if (to.isComplete()) {
          sink.writeBytes(to.plaintextLeftover());
        }
      }
    }
  }

  static TlsConfig config(PrivateKey key, String... muxers) {
    return TlsConfig.builder(key).muxers(List.of(muxers)).random(RANDOM).build();
  }

  static Pair connect(TlsConfig dialer, PeerId expected, TlsConfig listener) {
    Pair p = new Pair(TlsHandshake.dialer(dialer, expected, NOW),
        TlsHandshake.listener(listener, NOW));
    p.run();
    return p;
  }

  @Test
  void ed25519PeersLearnEachOther() {
    Pair p = connect(config(ALICE), PeerId.fromPublicKey(BOB.publicKey()), config(BOB));
    assertTrue(p.dialer.isComplete());
    assertTrue(p.listener.isComplete());
    assertEquals(PeerId.fromPublicKey(BOB.publicKey()), p.dialer.remotePeer());
    assertEquals(PeerId.fromPublicKey(ALICE.publicKey()), p.listener.remotePeer());
    assertEquals(ALICE.publicKey(), p.listener.remotePublicKey());
    assertEquals("TLSv1.3", p.dialer.session().protocol());
    assertEquals("TLSv1.3", p.listener.session().protocol());
    assertNull(p.dialer.negotiatedMuxer(), "no muxers offered: multistream after the handshake");
    assertNull(p.listener.negotiatedMuxer());
  }

  @Test
  void deferredTasksAreHandedOutAndTheHandshakeWaitsForThem() {
    TlsConfig deferred = TlsConfig.builder(ALICE).muxers(List.of(YAMUX)).random(RANDOM)
        .deferTasks(true).build();
    TlsHandshake dialer = TlsHandshake.dialer(config(BOB, YAMUX),
        PeerId.fromPublicKey(ALICE.publicKey()), NOW);
    TlsHandshake listener = TlsHandshake.listener(deferred, NOW);
    int tasks = 0;
    byte[] toListener = dialer.drainOutput();
    for (int round = 0; round < 20 && !(dialer.isComplete() && listener.isComplete()); round++) {
      if (toListener.length > 0) {
        // the flight is fed in two parts: the second arrives while tasks wait, and is kept
        int half = toListener.length / 2;
        listener.feed(toListener, 0, half);
        listener.feed(toListener, half, toListener.length - half);
      }
      while (listener.awaitingTasks()) {
        assertFalse(listener.isComplete());
        Runnable run = listener.takeTasks();
        assertThrows(IllegalStateException.class, listener::takeTasks);
        run.run();
        tasks++;
        listener.tasksDone();
      }
      byte[] toDialer = listener.drainOutput();
      if (toDialer.length > 0 && !dialer.isComplete()) {
        dialer.feed(toDialer, 0, toDialer.length);
      }
      toListener = dialer.isComplete() ? dialer.session().drainOutput() : dialer.drainOutput();
    }
    assertTrue(tasks > 0, "the listener handed out its delegated tasks");
    assertTrue(dialer.isComplete() && listener.isComplete());
    assertEquals(PeerId.fromPublicKey(BOB.publicKey()), listener.remotePeer());
    assertEquals(YAMUX, listener.negotiatedMuxer());
  }

  /** A map that counts its hits, standing in for the upgrader's cache. */
  static final class CountingVerdicts implements CertificateVerdicts {
    final java.util.Map<java.nio.ByteBuffer, Libp2pTlsCertificate.VerifiedPeer> map =
        new java.util.HashMap<>();
    int hits;

    @Override
    public Libp2pTlsCertificate.VerifiedPeer get(byte[] derSha256) {
      Libp2pTlsCertificate.VerifiedPeer p = map.get(java.nio.ByteBuffer.wrap(derSha256));
      if (p != null) {
        hits++;
      }
      return p;
    }

    @Override
    public void put(byte[] derSha256, Libp2pTlsCertificate.VerifiedPeer peer) {
      map.put(java.nio.ByteBuffer.wrap(derSha256.clone()), peer);
    }
  }

  @Test
  void aCertificateSeenBeforeIsNamedFromMemoryButStillCheckedForTimeAndPeer() {
    CountingVerdicts verdicts = new CountingVerdicts();
    TlsConfig dialer = TlsConfig.builder(ALICE).muxers(List.of(YAMUX)).random(RANDOM)
        .verdicts(verdicts).build();
    Libp2pTlsCertificate bobs = Libp2pTlsCertificate.create(BOB, RANDOM, NOW);
    TlsConfig listener = TlsConfig.builder(BOB).muxers(List.of(YAMUX)).random(RANDOM)
        .certificate(bobs).build();
    PeerId bob = PeerId.fromPublicKey(BOB.publicKey());
    Pair first = connect(dialer, bob, listener);
    assertEquals(bob, first.dialer.remotePeer());
    assertEquals(0, verdicts.hits);
    assertEquals(1, verdicts.map.size());
    Pair second = connect(dialer, bob, listener);
    assertEquals(bob, second.dialer.remotePeer());
    assertEquals(BOB.publicKey(), second.dialer.remotePublicKey());
    assertEquals(1, verdicts.hits, "the second handshake named bob from memory");
    // remembered, yet dialed as someone else: refused
    TlsCertificateException other = assertThrows(TlsCertificateException.class,
        () -> connect(dialer, PeerId.fromPublicKey(CAROL.publicKey()), listener));
    assertEquals(Reason.UNEXPECTED_PEER, other.reason());
    // remembered, yet expired at this handshake's time: refused
    Pair later = new Pair(TlsHandshake.dialer(dialer, bob, NOW.plus(Duration.ofDays(400))),
        TlsHandshake.listener(listener, NOW));
    TlsCertificateException expired = assertThrows(TlsCertificateException.class, later::run);
    assertEquals(Reason.EXPIRED, expired.reason());
    assertEquals(1, verdicts.map.size(), "refusals are not remembered");
  }

  @Test
  void plaintextGarbageFailsTheSession() {
    Pair p = connect(config(ALICE, YAMUX), null, config(BOB, YAMUX));
    byte[] garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(
        java.nio.charset.StandardCharsets.US_ASCII);
    assertThrows(TlsException.class, () -> p.listener.session().decrypt(garbage, 0,
        garbage.length));
    assertTrue(p.listener.session().isFailed());
  }

  @Test
  void unexpectedPeerNamesTheProvedOne() {
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> connect(config(ALICE), PeerId.fromPublicKey(CAROL.publicKey()), config(BOB)));
    assertEquals(Reason.UNEXPECTED_PEER, e.reason());
    assertEquals(PeerId.fromPublicKey(BOB.publicKey()), e.provedPeer());
  }

  @Test
  void secp256k1DialerAndEd25519Listener() {
    Pair p = connect(config(CAROL, YAMUX), PeerId.fromPublicKey(ALICE.publicKey()),
        config(ALICE, YAMUX));
    assertEquals(PeerId.fromPublicKey(CAROL.publicKey()), p.listener.remotePeer());
    assertEquals(PeerId.fromPublicKey(ALICE.publicKey()), p.dialer.remotePeer());
    assertEquals(YAMUX, p.dialer.negotiatedMuxer());
    assertEquals(YAMUX, p.listener.negotiatedMuxer());
  }

  @Test
  void dialerWithoutExpectedPeerAcceptsAnyValidPeer() {
    Pair p = connect(config(ALICE), null, config(CAROL));
    assertEquals(PeerId.fromPublicKey(CAROL.publicKey()), p.dialer.remotePeer());
  }

  @Test
  void earlyMuxerNegotiationTakesTheDialersFirstCommonMuxer() {
    Pair p = connect(config(ALICE, YAMUX, MPLEX), null, config(BOB, MPLEX, YAMUX));
    assertEquals(YAMUX, p.dialer.negotiatedMuxer());
    assertEquals(YAMUX, p.listener.negotiatedMuxer());
    Pair q = connect(config(ALICE, "/other/1.0.0", MPLEX), null, config(BOB, YAMUX, MPLEX));
    assertEquals(MPLEX, q.dialer.negotiatedMuxer());
    assertEquals(MPLEX, q.listener.negotiatedMuxer());
  }

  @Test
  void noCommonMuxerFallsBackToMultistream() {
    Pair p = connect(config(ALICE, MPLEX), null, config(BOB, YAMUX));
    assertTrue(p.dialer.isComplete() && p.listener.isComplete());
    assertNull(p.dialer.negotiatedMuxer());
    assertNull(p.listener.negotiatedMuxer());
    Pair q = connect(config(ALICE, YAMUX), null, config(BOB));
    assertNull(q.dialer.negotiatedMuxer());
    assertNull(q.listener.negotiatedMuxer());
  }

  @Test
  void listenerAlpnChoice() {
    assertEquals(YAMUX, TlsHandshake.selectAlpn(List.of(YAMUX, MPLEX, "libp2p"),
        List.of(MPLEX, YAMUX)));
    assertEquals("libp2p", TlsHandshake.selectAlpn(List.of(MPLEX, "libp2p"), List.of(YAMUX)));
    // Spec "ALPN": the server MUST abort if it supports nothing offered; null makes the JDK do so.
    assertNull(TlsHandshake.selectAlpn(List.of("h2", "http/1.1"), List.of(YAMUX)));
  }

  @Test
  void applicationDataBothWays() {
    Pair p = connect(config(ALICE, YAMUX), null, config(BOB, YAMUX));
    byte[] hello = "hello listener".getBytes();
    byte[] records = p.dialer.session().encrypt(hello, 0, hello.length);
    assertFalse(new String(records).contains("hello"), "the data must be encrypted");
    assertArrayEquals(hello, p.listener.session().decrypt(records, 0, records.length));
    byte[] back = "hello dialer".getBytes();
    byte[] r2 = p.listener.session().encrypt(back, 0, back.length);
    assertArrayEquals(back, p.dialer.session().decrypt(r2, 0, r2.length));
  }

  @Test
  void oneMebibyteInPiecesBothWays() {
    Pair p = connect(config(ALICE), null, config(CAROL));
    Random random = new Random(42);
    byte[] data = new byte[1 << 20];
    random.nextBytes(data);
    transfer(p.dialer.session(), p.listener.session(), data, random);
    transfer(p.listener.session(), p.dialer.session(), data, random);
  }

  /** Encrypts in pieces of up to 40 KiB and delivers the records split at random points. */
  private static void transfer(TlsSession from, TlsSession to, byte[] data, Random random) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, 1 + random.nextInt(40 * 1024));
      byte[] records = from.encrypt(data, off, n);
      assertTrue(records.length <= n + 64 * (n / 8192 + 1),
          "record overhead is bounded: " + n + " bytes became " + records.length);
      wire.writeBytes(records);
      off += n;
    }
    byte[] ciphertext = wire.toByteArray();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    for (int off = 0; off < ciphertext.length; ) {
      int n = Math.min(ciphertext.length - off, 1 + random.nextInt(30 * 1024));
      byte[] plain = to.decrypt(ciphertext, off, n);
      assertTrue(plain.length <= n + 16 * 1024, "plaintext out is bounded by records in");
      received.writeBytes(plain);
      off += n;
    }
    assertArrayEquals(data, received.toByteArray());
  }

  @Test
  void dataRightBehindTheDialersFinishedIsTheListenersLeftover() {
    TlsHandshake dialer = TlsHandshake.dialer(config(ALICE, YAMUX), null, NOW);
    TlsHandshake listener = TlsHandshake.listener(config(BOB, YAMUX), NOW);
    listener.feed(java.nio.ByteBuffer.wrap(dialer.drainOutput()));
    byte[] flight = listener.drainOutput();
    dialer.feed(flight, 0, flight.length);
    assertTrue(dialer.isComplete());
    byte[] early = "first muxer frame".getBytes();
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(dialer.drainOutput());
    both.writeBytes(dialer.session().encrypt(early, 0, early.length));
    byte[] bytes = both.toByteArray();
    listener.feed(bytes, 0, bytes.length);
    assertTrue(listener.isComplete());
    assertArrayEquals(early, listener.plaintextLeftover());
    assertEquals(0, listener.plaintextLeftover().length, "taken, not copied");
  }

  @Test
  void wrongExpectedPeerFailsTheDialer() {
    PeerId expected = PeerId.fromPublicKey(CAROL.publicKey());
    TlsHandshake dialer = TlsHandshake.dialer(config(ALICE), expected, NOW);
    TlsHandshake listener = TlsHandshake.listener(config(BOB), NOW);
    listener.feed(java.nio.ByteBuffer.wrap(dialer.drainOutput()));
    byte[] flight = listener.drainOutput();
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> dialer.feed(flight, 0, flight.length));
    assertEquals(Reason.UNEXPECTED_PEER, e.reason());
    assertTrue(e.getMessage().contains("expected peer " + expected + ", got "
        + PeerId.fromPublicKey(BOB.publicKey())), e.getMessage());
    assertTrue(dialer.isFailed());
    assertThrows(IllegalStateException.class, () -> dialer.feed(new byte[1], 0, 1));
    assertThrows(IllegalStateException.class, dialer::remotePeer);
    // The alert tells the listener why.
    byte[] alert = dialer.drainOutput();
    assertTrue(alert.length > 0, "an alert for the listener");
    assertThrows(TlsException.class, () -> listener.feed(alert, 0, alert.length));
  }

  @Test
  void dialerRefusesAnExpiredListenerCertificate() {
    Libp2pTlsCertificate expired = Libp2pTlsCertificate.create(BOB, RANDOM,
        NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)));
    TlsConfig listenerConfig = TlsConfig.builder(BOB).certificate(expired).build();
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> connect(config(ALICE), null, listenerConfig));
    assertEquals(Reason.EXPIRED, e.reason());
  }

  @Test
  void listenerRefusesADialerCertificateWithoutTheExtension() {
    Libp2pTlsCertificate bare = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(RANDOM), null, false, NOW.minusSeconds(60),
        NOW.plusSeconds(3600), RANDOM);
    TlsConfig dialerConfig = TlsConfig.builder(ALICE).certificateUnchecked(bare).build();
    TlsHandshake dialer = TlsHandshake.dialer(dialerConfig, null, NOW);
    TlsHandshake listener = TlsHandshake.listener(config(BOB), NOW);
    listener.feed(java.nio.ByteBuffer.wrap(dialer.drainOutput()));
    byte[] flight = listener.drainOutput();
    dialer.feed(flight, 0, flight.length);
    // Spec, "Note for clients": the dialer completes before the listener has checked it.
    assertTrue(dialer.isComplete());
    byte[] finished = dialer.drainOutput();
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> listener.feed(finished, 0, finished.length));
    assertEquals(Reason.MISSING_EXTENSION, e.reason());
    // ... and learns of the refusal from the alert, in its session.
    byte[] alert = listener.drainOutput();
    assertThrows(TlsException.class,
        () -> dialer.session().decrypt(alert, 0, alert.length));
    assertTrue(dialer.session().isFailed());
  }

  @Test
  void configRefusesACertificateOfAnotherHost() {
    Libp2pTlsCertificate bobs = Libp2pTlsCertificate.create(BOB, RANDOM, NOW);
    assertThrows(IllegalArgumentException.class,
        () -> TlsConfig.builder(ALICE).certificate(bobs));
    assertThrows(IllegalArgumentException.class,
        () -> TlsConfig.builder(ALICE).muxers(List.of("libp2p")));
    assertThrows(IllegalArgumentException.class,
        () -> TlsConfig.builder(ALICE).muxers(List.of("")));
  }

  @Test
  void alteredRecordFailsTheSession() {
    Pair p = connect(config(ALICE), null, config(BOB));
    byte[] data = new byte[100];
    byte[] records = p.dialer.session().encrypt(data, 0, data.length);
    records[records.length - 1] ^= 0x01;
    TlsException e = assertThrows(TlsException.class,
        () -> p.listener.session().decrypt(records, 0, records.length));
    assertFalse(e instanceof TlsCertificateException);
    assertTrue(p.listener.session().isFailed());
    assertThrows(IllegalStateException.class,
        () -> p.listener.session().decrypt(new byte[1], 0, 1));
  }

  @Test
  void garbageInsteadOfAClientHelloFailsTheListener() {
    TlsHandshake listener = TlsHandshake.listener(config(BOB), NOW);
    byte[] garbage = "GET / HTTP/1.1\r\n\r\n".getBytes();
    assertThrows(TlsException.class, () -> listener.feed(garbage, 0, garbage.length));
    assertTrue(listener.isFailed());
  }

  @Test
  void closeNotifyReachesTheRemote() {
    Pair p = connect(config(ALICE), null, config(BOB));
    p.dialer.session().close();
    byte[] bye = p.dialer.session().drainOutput();
    assertTrue(bye.length > 0);
    assertEquals(0, p.listener.session().decrypt(bye, 0, bye.length).length);
    assertTrue(p.listener.session().isInboundClosed());
  }

  /** A plain JDK client, not libp2p: trusts anything, offers what it is told. */
  private static javax.net.ssl.SSLEngine plainClient(String protocol, boolean withCertificate)
      throws Exception {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    javax.net.ssl.KeyManager[] keys = withCertificate
        ? Libp2pX509Managers.keyManagers(Libp2pTlsCertificate.create(ALICE, RANDOM, NOW))
        : new javax.net.ssl.KeyManager[0];
    javax.net.ssl.TrustManager[] trustAll = {new Libp2pX509Managers.TrustManager(NOW, null)};
    context.init(keys, trustAll, RANDOM);
    javax.net.ssl.SSLEngine client = context.createSSLEngine();
    client.setUseClientMode(true);
    client.setEnabledProtocols(new String[] {protocol});
    javax.net.ssl.SSLParameters params = client.getSSLParameters();
    params.setApplicationProtocols(new String[] {"libp2p"});
    client.setSSLParameters(params);
    return client;
  }

  /** The first flight of a plain client, as bytes. */
  private static byte[] clientHello(javax.net.ssl.SSLEngine client) throws Exception {
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(client.getSession()
        .getPacketBufferSize());
    client.beginHandshake();
    client.wrap(java.nio.ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }

  @Test
  void tls12ClientIsRefused() throws Exception {
    byte[] hello = clientHello(plainClient("TLSv1.2", true));
    TlsHandshake listener = TlsHandshake.listener(config(BOB), NOW);
    TlsException e = assertThrows(TlsException.class,
        () -> listener.feed(hello, 0, hello.length));
    assertTrue(listener.isFailed());
    assertTrue(e.getMessage().contains("TLSv1.2"), e.getMessage());
    assertTrue(listener.drainOutput().length > 0, "a protocol_version alert");
  }

  @Test
  void clientWithoutCertificateIsRefused() throws Exception {
    javax.net.ssl.SSLEngine client = plainClient("TLSv1.3", false);
    TlsHandshake listener = TlsHandshake.listener(config(BOB), NOW);
    byte[] hello = clientHello(client);
    listener.feed(hello, 0, hello.length);
    // Run the plain client through the listener's flight; it answers with an empty Certificate.
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(listener.drainOutput());
    java.nio.ByteBuffer app = java.nio.ByteBuffer.allocate(client.getSession()
        .getApplicationBufferSize());
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(64 * 1024);
    for (int i = 0; i < 20; i++) {
      switch (client.getHandshakeStatus()) {
        case NEED_TASK -> client.getDelegatedTask().run();
        case NEED_UNWRAP -> client.unwrap(in, app);
        case NEED_WRAP -> client.wrap(java.nio.ByteBuffer.allocate(0), out);
        default -> i = 20;
      }
    }
    out.flip();
    byte[] flight = new byte[out.remaining()];
    out.get(flight);
    TlsException e = assertThrows(TlsException.class,
        () -> listener.feed(flight, 0, flight.length));
    assertTrue(listener.isFailed());
    assertTrue(e.getMessage().toLowerCase().contains("certificate"), e.getMessage());
  }

  @Test
  void destroyedHandshakeAndSessionRefuseInput() {
    TlsHandshake dialer = TlsHandshake.dialer(config(ALICE), null, NOW);
    dialer.destroy();
    dialer.destroy();
    assertTrue(dialer.isFailed());
    assertEquals(0, dialer.drainOutput().length, "the ClientHello is dropped");
    assertThrows(IllegalStateException.class, () -> dialer.feed(new byte[1], 0, 1));
    Pair p = connect(config(ALICE), null, config(BOB));
    p.dialer.destroy();
    assertTrue(p.dialer.isComplete(), "a complete handshake's session is the connection's");
    p.dialer.session().destroy();
    assertTrue(p.dialer.session().isFailed());
    assertThrows(IllegalStateException.class,
        () -> p.dialer.session().encrypt(new byte[1], 0, 1));
  }
}
