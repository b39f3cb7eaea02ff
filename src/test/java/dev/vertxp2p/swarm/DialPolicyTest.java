package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.RefusedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TopUpResult;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dial policy over loopback: the address filter, the per-address backoff (503 without a
 * socket, {@code force}, cleared by a success), staggered dials past a dead or black-holed address,
 * one connection per address, and the shortfall of a top-up the remote cut short.
 */
class DialPolicyTest extends SwarmFixture {

  @TempDir
  Path tmp;

  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeSockets() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private static PeerId randomPeer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
  }

  private static InetAddress loopback() throws IOException {
    return InetAddress.getByName("127.0.0.1");
  }

  /** Quick failing dials: two attempts per address, short delays, a long address backoff. */
  private static SwarmOptions quick() {
    SwarmOptions o = loopbackOptions();
    o.getConnection().setConnectionTimeout(5.0);
    o.getRetry().setMaxRetries(1).setDelays(0.01, 0.05).setAddressBackoffs(30.0, 300.0);
    o.getServices().setIdentify(false);
    return o;
  }

  /** A port nothing listens on: a dial to it is refused at once. */
  private static int refusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, loopback())) {
      return s.getLocalPort();
    }
  }

  /** Accepts every connection and closes it at once, counting them. */
  private static final class Closer implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger accepts = new AtomicInteger();
    final Thread thread;

    Closer() throws IOException {
      server = new ServerSocket(0, 50, loopback());
      thread = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            accepts.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      }, "closer");
      thread.setDaemon(true);
      thread.start();
    }

    Multiaddr addr(PeerId peer) {
      return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + server.getLocalPort() + "/p2p/" + peer);
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static Multiaddr at(int port, PeerId peer) {
    return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port + "/p2p/" + peer);
  }

  private static int portOf(Multiaddr a) {
    return a.hostPort().orElseThrow().port();
  }

  // ---- the address filter -------------------------------------------------------------------

  @Test
  void aDeniedAddressIsNeverDialledAndADialWithNoneLeftFailsWithTheRule() throws Exception {
    Closer closer = new Closer();
    toClose.add(closer);
    SwarmOptions o = quick();
    o.getGating().setDenyAddrs(List.of("127.0.0.0/8"));
    Swarm a = started(o);
    PeerId peer = randomPeer();
    a.addAddresses(peer, List.of(closer.addr(peer)));
    Future<SwarmEvent> failed = nextEvent(a, e -> SwarmEvent.DIAL_FAILED.equals(e.type()));

    Throwable t = failure(a.dialPeer(peer));

    RefusedException r = assertInstanceOf(RefusedException.class, t);
    assertEquals(Refusal.Scope.GATING, r.refusal().scope());
    assertEquals("denyAddrs 127.0.0.0/8", r.refusal().rule());
    assertEquals(P2pException.LIMIT_REACHED, r.code());
    JsonObject refusal = await(failed).fields().getJsonObject("refusal");
    assertEquals(new JsonObject().put("scope", "gating").put("rule", "denyAddrs 127.0.0.0/8"),
        refusal);
    assertEquals(0, closer.accepts.get(), "no socket was opened");
  }

  @Test
  void aNameIsCheckedOnceResolvedAndRefusedBeforeTheHandshake() throws Exception {
    Closer closer = new Closer();
    toClose.add(closer);
    SwarmOptions o = quick();
    o.getGating().setDenyAddrs(List.of("127.0.0.0/8"));
    Swarm a = started(o);
    PeerId peer = randomPeer();
    a.addAddresses(peer, List.of(Multiaddr.parse("/dns4/localhost/tcp/"
        + closer.server.getLocalPort() + "/p2p/" + peer)));
    Future<SwarmEvent> failed = nextEvent(a, e -> SwarmEvent.DIAL_FAILED.equals(e.type()));

    RefusedException r = assertInstanceOf(RefusedException.class, failure(a.dialPeer(peer)));

    assertEquals(Refusal.Scope.GATING, r.refusal().scope());
    assertEquals("denyAddrs 127.0.0.0/8", r.refusal().rule());
    assertEquals("gating", await(failed).fields().getJsonObject("refusal").getString("scope"));
    // Our own refusal is no failure of the address: it is not backed off.
    assertEquals(0, await(((SwarmImpl) a).dialLimitsJson()).getJsonObject("backoffs")
        .getInteger("backedOff"));
  }

  @Test
  void deniedAddressesAreLeftOutAndTheOthersDialled() {
    Swarm b = started(quick());
    SwarmOptions o = quick();
    o.getGating().setDenyAddrs(List.of("127.0.0.2/32"));
    Swarm a = started(o);
    List<SwarmEvent> retries = new CopyOnWriteArrayList<>();
    a.eventHandler(e -> {
      if (SwarmEvent.DIAL_RETRY.equals(e.type())) {
        retries.add(e);
      }
    });
    int port = portOf(b.listenAddrs().get(0));
    a.addAddresses(b.peerId(), List.of(
        Multiaddr.parse("/ip4/127.0.0.2/tcp/" + port + "/p2p/" + b.peerId()),
        at(port, b.peerId())));

    List<Connection> got = await(a.dialPeer(b.peerId()));

    assertEquals(1, got.size());
    assertEquals(port, portOf(got.get(0).remoteAddr()));
    assertTrue(retries.isEmpty(), "the denied address was not tried: " + retries);
  }

  // ---- the address backoff ------------------------------------------------------------------

  @Test
  void anExhaustedAddressIsBackedOff503WithoutASocketUntilForced() throws Exception {
    Closer closer = new Closer();
    toClose.add(closer);
    Swarm a = started(quick());
    PeerId peer = randomPeer();
    a.addAddresses(peer, List.of(closer.addr(peer)));

    Throwable first = failure(a.dialPeer(peer));
    assertFalse(first instanceof RefusedException, first.toString());
    assertEquals(2, closer.accepts.get(), "two attempts: maxRetries 1");

    Future<SwarmEvent> failed = nextEvent(a, e -> SwarmEvent.DIAL_FAILED.equals(e.type()));
    Instant before = Instant.now();
    Throwable second = failure(a.dialPeer(peer));
    RefusedException r = assertInstanceOf(RefusedException.class, second);
    assertEquals(503, r.code());
    assertEquals(Refusal.Scope.BACKOFF, r.refusal().scope());
    assertTrue(r.refusal().until().isAfter(before.plusSeconds(25)), r.refusal().until()
        + " is about 30 s away");
    assertTrue(r.getMessage().contains("127.0.0.1/tcp/" + closer.server.getLocalPort()),
        r.getMessage());
    JsonObject refusal = await(failed).fields().getJsonObject("refusal");
    assertEquals("backoff", refusal.getString("scope"));
    assertNotNull(refusal.getString("until"));
    assertEquals(2, closer.accepts.get(), "503 without opening a socket");

    JsonObject limits = await(((SwarmImpl) a).dialLimitsJson());
    JsonObject backoffs = limits.getJsonObject("backoffs");
    assertEquals(1, backoffs.getInteger("backedOff"));
    assertEquals(1, backoffs.getJsonArray("backoffs").getJsonObject(0).getInteger("failures"));
    assertEquals(100, limits.getJsonObject("dials").getInteger("maxParallelDials"));

    Throwable forced = failure(a.dialPeer(peer, new DialOptions().setForce(true)));
    assertFalse(forced instanceof RefusedException, forced.toString());
    assertEquals(4, closer.accepts.get(), "force dials it");
    assertEquals(2, await(((SwarmImpl) a).dialLimitsJson()).getJsonObject("backoffs")
        .getJsonArray("backoffs").getJsonObject(0).getInteger("failures"), "doubled");
  }

  @Test
  void aSuccessClearsTheBackoff() throws Exception {
    String keyFile = tmp.resolve("b.key").toString();
    SwarmOptions bo = quick().setIdentityKeyFile(keyFile);
    Swarm b1 = Swarm.create(vertx, bo);
    await(b1.start());
    PeerId peerB = b1.peerId();
    int port = portOf(b1.listenAddrs().get(0));
    await(b1.close());

    Swarm a = started(quick());
    a.addAddresses(peerB, List.of(at(port, peerB)));
    assertFalse(failure(a.dialPeer(peerB)) instanceof RefusedException);

    Swarm b2 = started(quick().setIdentityKeyFile(keyFile)
        .setListen(List.of("/ip4/127.0.0.1/tcp/" + port)));
    assertEquals(peerB, b2.peerId());
    RefusedException r = assertInstanceOf(RefusedException.class, failure(a.dialPeer(peerB)));
    assertEquals(503, r.code());

    assertEquals(1, await(a.dialPeer(peerB, new DialOptions().setForce(true))).size());
    assertEquals(0, await(((SwarmImpl) a).dialLimitsJson()).getJsonObject("backoffs")
        .getInteger("backedOff"));
    assertEquals(2, await(a.dialPeer(peerB, new DialOptions().setConnections(2))).size(),
        "no longer backed off");
  }

  @Test
  void aKeptPeerIsNotHeldBackByTheAddressBackoff() throws Exception {
    String keyFile = tmp.resolve("k.key").toString();
    Swarm b1 = Swarm.create(vertx, quick().setIdentityKeyFile(keyFile));
    await(b1.start());
    PeerId peerB = b1.peerId();
    int port = portOf(b1.listenAddrs().get(0));
    await(b1.close());
    Swarm a = started(quick());
    a.addAddresses(peerB, List.of(at(port, peerB)));
    assertFalse(failure(a.dialPeer(peerB)) instanceof RefusedException);
    started(quick().setIdentityKeyFile(keyFile).setListen(List.of("/ip4/127.0.0.1/tcp/" + port)));
    assertEquals(503, assertInstanceOf(RefusedException.class, failure(a.dialPeer(peerB))).code());

    // Kept re-dials are forced: the 30 s address backoff does not hold them.
    assertEquals(1, await(a.keep(peerB, 1)).size());
  }

  // ---- staggered dials ----------------------------------------------------------------------

  private long timedDial(Swarm a, PeerId peer, String what) {
    long t0 = System.nanoTime();
    List<Connection> got = await(a.dialPeer(peer));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("[stagger] dial past " + what + " took " + ms + " ms (stagger "
        + PeerDialer.DEFAULT_STAGGER + " ms)");
    assertEquals(1, got.size());
    return ms;
  }

  @Test
  void aBlackHoledFirstAddressCostsOnlyTheStagger() throws Exception {
    // Listening, never accepting: the TCP connect succeeds into the backlog and no byte comes
    // back, so without the stagger the dial would wait out the 10 s connection timeout.
    ServerSocket hole = new ServerSocket(0, 50, loopback());
    toClose.add(hole);
    Swarm b = started(quick());
    SwarmOptions o = quick();
    o.getConnection().setConnectionTimeout(10.0);
    o.getRetry().setMaxRetries(3);
    Swarm a = started(o);
    a.addAddresses(b.peerId(), List.of(at(hole.getLocalPort(), b.peerId()),
        b.listenAddrs().get(0)));

    long ms = timedDial(a, b.peerId(), "a black hole");

    assertTrue(ms >= PeerDialer.DEFAULT_STAGGER - 20, ms + " ms: the live address waited its turn");
    assertTrue(ms < PeerDialer.DEFAULT_STAGGER + 3000, ms + " ms: stagger plus a handshake");
    assertEquals(portOf(b.listenAddrs().get(0)),
        portOf(a.getConnections(b.peerId()).get(0).remoteAddr()));
  }

  @Test
  void aRefusedFirstAddressLetsTheNextStartAtOnce() throws Exception {
    Swarm b = started(quick());
    SwarmOptions o = quick();
    o.getRetry().setMaxRetries(3).setDelays(1.0, 5.0);
    Swarm a = started(o);
    a.addAddresses(b.peerId(), List.of(at(refusedPort(), b.peerId()), b.listenAddrs().get(0)));

    long ms = timedDial(a, b.peerId(), "a refused port");

    // The refused port's retries (1 s apart) do not hold the live address back.
    assertTrue(ms < PeerDialer.DEFAULT_STAGGER + 3000, ms + " ms: stagger plus a handshake");
  }

  // ---- one connection per address -----------------------------------------------------------

  @Test
  void aTopUpSpreadsOverThePeersAddresses() {
    SwarmOptions bo = quick().setListen(List.of("/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0"));
    bo.getConnection().setMaxConnectionsPerPeer(4);
    Swarm b = started(bo);
    assertEquals(2, b.listenAddrs().size());
    SwarmOptions ao = quick();
    ao.getConnection().setMaxConnectionsPerPeer(4);
    Swarm a = started(ao);
    a.addAddresses(b.peerId(), b.listenAddrs());

    List<Connection> got = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(4)));

    assertEquals(4, got.size());
    Map<Integer, Integer> perPort = new HashMap<>();
    for (Connection c : got) {
      perPort.merge(portOf(c.remoteAddr()), 1, Integer::sum);
    }
    assertEquals(Map.of(portOf(b.listenAddrs().get(0)), 2, portOf(b.listenAddrs().get(1)), 2),
        perPort);
  }

  // ---- the shortfall ------------------------------------------------------------------------

  @Test
  void aTopUpTheRemoteCutsShortSaysSo() {
    SwarmOptions bo = quick();
    bo.getConnection().setMaxConnectionsPerPeer(3);
    Swarm b = started(bo);
    SwarmOptions ao = quick();
    ao.getConnection().setMaxConnectionsPerPeer(5);
    Swarm a = started(ao);
    a.addAddresses(b.peerId(), b.listenAddrs());

    TopUpResult r = await(a.topUp(b.peerId(), new DialOptions().setConnections(5)));

    System.out.println("[shortfall] " + r.toJson().put("connections", r.connections().size()));
    assertEquals(5, r.requested());
    assertEquals(3, r.connections().size());
    assertTrue(r.isShort());
    assertEquals(1, r.shortfall().size(), r.toString());
    assertEquals(PeerDialer.REMOTE_REFUSED, r.shortfall().get(0).error());
    assertEquals(2, r.shortfall().get(0).count());
  }

  @Test
  void aTopUpOverTheLocalPerPeerLimitNamesIt() {
    Swarm b = started(quick());
    Swarm a = started(quick());
    a.addAddresses(b.peerId(), b.listenAddrs());

    TopUpResult r = await(a.topUp(b.peerId(), new DialOptions().setConnections(5)));

    assertEquals(3, r.connections().size());
    assertEquals(new JsonObject().put("refusal", new JsonObject().put("scope", "peer")
        .put("limit", 3).put("current", 0)), r.shortfall().get(0).toJson());
    // Complete: no shortfall.
    TopUpResult full = await(a.topUp(b.peerId(), new DialOptions().setConnections(2)));
    assertEquals(List.of(), full.shortfall());
    assertEquals(3, full.connections().size());
  }
}
