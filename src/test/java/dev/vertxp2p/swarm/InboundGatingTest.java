package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.GatingOptions;
import dev.vertxp2p.RefusedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.testing.RawPeer;
import dev.vertxp2p.testing.SwarmFixture;
import dev.vertxp2p.verticle.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Inbound gating over loopback: the address lists and per-IP limits before any handshake byte,
 * sources played by sockets bound to other loopback addresses (127.0.0.x, which Linux routes over
 * lo); the denied and blocked peers right after the handshake, both directions.
 */
class InboundGatingTest extends SwarmFixture {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Swarm node(Consumer<SwarmOptions> tune) {
    SwarmOptions o = loopbackOptions();
    o.getConnectionManager().setEnabled(false);
    o.getTransport().setShutdownGracePeriod(java.time.Duration.ofMillis(100));
    tune.accept(o);
    return started(o);
  }

  private static int port(Swarm s) {
    return s.listenAddrs().get(0).hostPort().orElseThrow().port();
  }

  /** Every event of {@code type} from now on, and a future for when {@code n} have come. */
  private static final class Recorder {
    final List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    private final Promise<Void> reached = Promise.promise();
    private final int n;

    Recorder(Swarm swarm, String type, int n) {
      this.n = n;
      swarm.eventHandler(e -> {
        if (e.type().equals(type)) {
          events.add(e);
          if (events.size() >= n) {
            reached.tryComplete();
          }
        }
      });
    }

    Future<Void> reached() {
      return reached.future();
    }
  }

  private static Future<SwarmEvent> rejected(Swarm s, Predicate<JsonObject> refusal) {
    return nextEvent(s, e -> e.type().equals(SwarmEvent.CONNECTION_REJECTED)
        && e.fields().getJsonObject("refusal") != null
        && refusal.test(e.fields().getJsonObject("refusal")));
  }

  // ---- per-IP limits --------------------------------------------------------------------------

  @Test
  void aFifthConnectionFromOneIpIsRefusedWithScopeIp() throws Exception {
    Swarm b = node(o -> o.getLimits().setExemptAddrs(List.of()).setMaxConnectionsPerIp(4));
    Recorder opened = new Recorder(b, SwarmEvent.CONNECTION_OPENED, 4);
    List<RawPeer> raws = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        RawPeer p = RawPeer.connect("127.0.0.1", port(b), "127.0.0.5");
        raws.add(p);
        p.secure(RawPeer.Identity.ed25519(RANDOM), List.of(TransportOptions.YAMUX_PROTOCOL));
      }
      await(opened.reached());
      JsonObject perIp = await(b.perIpLimits());
      assertEquals(4, perIp.getInteger("open"), perIp.encode());

      Future<SwarmEvent> refused = rejected(b, r -> r.getString("scope").equals("ip"));
      try (RawPeer fifth = RawPeer.connect("127.0.0.1", port(b), "127.0.0.5")) {
        assertEquals(0, fifth.awaitClosedByServer().length, "closed before any handshake byte");
      }
      SwarmEvent ev = await(refused);
      assertEquals(new JsonObject().put("scope", "ip").put("limit", 4).put("current", 4),
          ev.fields().getJsonObject("refusal"));
      assertNull(ev.peer());
      assertTrue(ev.fields().getString("reason").contains("maxConnectionsPerIp (4) reached"),
          ev.fields().encode());
      assertTrue(ev.fields().getString("remoteAddr").startsWith("/ip4/127.0.0.5/tcp/"),
          ev.fields().encode());
      assertEquals(4, b.getConnections().size());

      // A close gives the slot back: the next one from that address gets its handshake.
      Future<SwarmEvent> closed = nextEvent(b, e -> e.type().equals(SwarmEvent.CONNECTION_CLOSED));
      raws.remove(0).close();
      await(closed);
      RawPeer again = RawPeer.connect("127.0.0.1", port(b), "127.0.0.5");
      raws.add(again);
      Future<SwarmEvent> reopened = nextEvent(b,
          e -> e.type().equals(SwarmEvent.CONNECTION_OPENED));
      again.secure(RawPeer.Identity.ed25519(RANDOM), List.of(TransportOptions.YAMUX_PROTOCOL));
      await(reopened);
    } finally {
      for (RawPeer p : raws) {
        p.close();
      }
    }
  }

  /** How a raw socket ended its first moments: greeted by the multistream header, or closed. */
  private enum Outcome { GREETED, CLOSED_SILENT }

  /**
   * A raw socket from {@code local}, whose handlers are set on its own loop before it can read a
   * byte (see ResourceLimitsTest.rawConnect); completes with its outcome and the socket.
   */
  private Future<Outcome> probe(NetClient client, int port, List<NetSocket> sockets) {
    Promise<Outcome> outcome = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> client.connect(port, "127.0.0.1")
        .onComplete(ar -> {
          if (ar.failed()) {
            outcome.fail(ar.cause());
            return;
          }
          NetSocket s = ar.result();
          sockets.add(s);
          s.handler(buf -> outcome.tryComplete(Outcome.GREETED));
          s.closeHandler(x -> outcome.tryComplete(Outcome.CLOSED_SILENT));
        }));
    return outcome.future();
  }

  @Test
  void aFloodFromOneIpGetsItsRateOfHandshakesAndOthersAreUnaffected() {
    int rate = 5;
    int burst = 5;
    int sockets = 50;
    Swarm b = node(o -> o.getLimits().setExemptAddrs(List.of()).setInboundRatePerIp(rate)
        .setInboundBurstPerIp(burst).setMaxConnectionsPerIp(sockets)
        .setMaxPendingInboundPerIp(sockets).setMaxPendingInbound(2 * sockets));
    Recorder rateRefusals = new Recorder(b, SwarmEvent.CONNECTION_REJECTED, 1);
    NetClient client = vertx.createNetClient(new NetClientOptions().setLocalAddress("127.0.0.5"));
    List<NetSocket> open = new CopyOnWriteArrayList<>();
    List<Future<Outcome>> all = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < sockets; i++) {
      all.add(probe(client, port(b), open));
    }
    await(Future.all(all));
    double elapsed = (System.nanoTime() - start) / 1e9;
    long greeted = all.stream().filter(f -> f.result() == Outcome.GREETED).count();
    long silent = sockets - greeted;
    int most = burst + (int) Math.floor(rate * elapsed);
    System.out.printf("inbound rate test: %d of %d handshakes started in %.3f s (at most %d)%n",
        greeted, sockets, elapsed, most);
    assertTrue(greeted >= burst, greeted + " greeted: the burst must get in");
    assertTrue(greeted <= most, greeted + " greeted in " + elapsed + " s, at most " + most);
    // Each silent socket was refused for its rate, and said so.
    List<SwarmEvent> refusals = rateRefusals.events;
    assertEquals(silent, refusals.stream().filter(e ->
        e.fields().getJsonObject("refusal").getString("scope").equals("rate")).count(),
        refusals.toString());
    for (SwarmEvent e : refusals) {
      assertEquals(burst, e.fields().getJsonObject("refusal").getInteger("limit"));
      assertTrue(e.fields().getString("reason").contains("inboundBurstPerIp"),
          e.fields().encode());
    }

    // A real peer from another address (127.0.0.1, its own bucket) gets in at once.
    Swarm a = node(o -> { });
    assertEquals(1, await(a.dial(b.listenAddrs().get(0), new DialOptions())).size());
    for (NetSocket s : open) {
      s.close();
    }
  }

  // ---- address lists --------------------------------------------------------------------------

  @Test
  void aDeniedAddressIsRefusedBeforeTheHandshakeAnotherIsAccepted() throws Exception {
    Swarm b = node(o -> o.setGating(new GatingOptions().setDenyAddrs(List.of("127.0.0.2/32"))));
    Future<SwarmEvent> refused = rejected(b, r -> r.getString("scope").equals("gating"));
    try (RawPeer p = RawPeer.connect("127.0.0.1", port(b), "127.0.0.2")) {
      assertEquals(0, p.awaitClosedByServer().length, "closed before any handshake byte");
    }
    SwarmEvent ev = await(refused);
    assertEquals(new JsonObject().put("scope", "gating").put("rule", "denyAddrs 127.0.0.2/32"),
        ev.fields().getJsonObject("refusal"));
    assertTrue(ev.fields().getString("reason").contains("denyAddrs 127.0.0.2/32"),
        ev.fields().encode());

    // 127.0.0.1 is not denied: a real peer from there is accepted.
    Swarm a = node(o -> { });
    Future<Void> bSees = connectionsReach(b, a.peerId(), 1);
    assertEquals(1, await(a.dial(b.listenAddrs().get(0), new DialOptions())).size());
    await(bSees);
  }

  // ---- denied and blocked peers ---------------------------------------------------------------

  @Test
  void aBlockedPeerIsCutOffBothWaysUntilUnblocked() {
    Swarm a = node(o -> { });
    Swarm b = node(o -> { });
    String rule = "blocked " + a.peerId();
    Future<Void> bSees2 = connectionsReach(b, a.peerId(), 2);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    await(bSees2);
    b.addAddresses(a.peerId(), a.listenAddrs());
    await(b.keep(a.peerId(), 1));
    assertEquals(1, await(b.kept()).size());

    Future<SwarmEvent> blockedEvent = nextEvent(b, e -> e.type().equals(SwarmEvent.PEER_BLOCKED));
    Future<Void> aLosesAll = connectionsReach(a, b.peerId(), 0);
    assertTrue(await(b.block(a.peerId())));
    assertEquals(2, await(blockedEvent).fields().getInteger("closed"));
    assertEquals(0, b.getConnections(a.peerId()).size());
    assertEquals(List.of(), await(b.kept()), "blocking un-keeps");
    assertEquals(List.of(a.peerId()), await(b.blocked()));
    await(aLosesAll);

    // Inbound: refused right after the handshake names it.
    Future<SwarmEvent> refused = rejected(b, r -> rule.equals(r.getString("rule")));
    a.dial(b.listenAddrs().get(0), new DialOptions());
    SwarmEvent ev = await(refused);
    assertEquals(a.peerId(), ev.peer());
    assertEquals(new JsonObject().put("scope", "gating").put("rule", rule),
        ev.fields().getJsonObject("refusal"));
    assertTrue(ev.fields().getJsonObject("connection") != null, ev.fields().encode());
    await(connectionsReach(a, b.peerId(), 0));
    assertEquals(0, b.getConnections(a.peerId()).size());

    // Outbound: a dial, a stream open and a keep fail at once.
    for (Future<?> f : List.of(b.dialPeer(a.peerId()), b.newStream(a.peerId(), "/x/1.0.0"),
        b.keep(a.peerId(), 1))) {
      Throwable err = failure(f);
      RefusedException refusal = assertInstanceOf(RefusedException.class, err);
      assertEquals(Refusal.gating(rule, null), refusal.refusal());
      assertEquals(ErrorCodes.LIMIT_REACHED, ErrorCodes.codeOf(err));
    }

    // Unblocked: back in, both ways.
    Future<SwarmEvent> unblocked = nextEvent(b,
        e -> e.type().equals(SwarmEvent.PEER_UNBLOCKED));
    assertTrue(await(b.unblock(a.peerId())));
    await(unblocked);
    assertEquals(List.of(), await(b.blocked()));
    Future<Void> bSees1 = connectionsReach(b, a.peerId(), 1);
    assertEquals(1, await(a.dial(b.listenAddrs().get(0), new DialOptions())).size());
    await(bSees1);
    assertEquals(2, await(b.dial(a.listenAddrs().get(0), new DialOptions().setConnections(2)))
        .size());
  }

  @Test
  void aConfiguredDeniedPeerIsRefusedAndUnblockDoesNotLiftIt() {
    Swarm a = node(o -> { });
    Swarm b = node(o -> o.setGating(new GatingOptions()
        .setDenyPeers(List.of(a.peerId().toString()))));
    String rule = "denyPeers " + a.peerId();
    assertEquals(List.of(a.peerId()), b.deniedPeers());
    Future<SwarmEvent> refused = rejected(b, r -> rule.equals(r.getString("rule")));
    a.dial(b.listenAddrs().get(0), new DialOptions());
    await(refused);
    await(connectionsReach(a, b.peerId(), 0));
    Throwable err = failure(b.dial(a.listenAddrs().get(0), new DialOptions()));
    assertEquals(Refusal.gating(rule, null),
        assertInstanceOf(RefusedException.class, err).refusal());
    assertEquals(false, await(b.unblock(a.peerId())));
    assertInstanceOf(RefusedException.class, failure(b.dialPeer(a.peerId())));
  }

  @Test
  void inboundAccountingIsExactAcrossOpensClosesAndRefusals() throws Exception {
    Swarm b = node(o -> o.getLimits().setExemptAddrs(List.of()).setMaxConnectionsPerIp(2));
    Swarm a = node(o -> { });
    Future<Void> bSees2 = connectionsReach(b, a.peerId(), 2);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    await(bSees2);
    assertEquals(2, await(b.perIpLimits()).getInteger("open"));
    // Blocked after the handshake: its source's pending slot is given back, not leaked.
    // A must have seen its connections go before it dials again: one it still lists would
    // satisfy the dial below without a new connection, and b would refuse nothing.
    Future<Void> aSeesNone = connectionsReach(a, b.peerId(), 0);
    await(b.block(a.peerId()));
    assertEquals(0, await(b.perIpLimits()).getInteger("open"));
    await(aSeesNone);
    Future<SwarmEvent> refused = rejected(b, r -> r.getString("scope").equals("gating"));
    a.dial(b.listenAddrs().get(0), new DialOptions());
    await(refused);
    JsonObject use = await(b.perIpLimits());
    assertEquals(0, use.getInteger("open"), use.encode());
    assertEquals(0, use.getInteger("inUpgrade"), use.encode());
    // A socket that fails its upgrade gives its slot back too.
    try (RawPeer p = RawPeer.connect("127.0.0.1", port(b), "127.0.0.1")) {
      p.writeRaw("garbage\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      p.awaitClosedByServer();
    }
    await(b.unblock(a.peerId()));
    Future<Void> bSeesAgain = connectionsReach(b, a.peerId(), 2);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    await(bSeesAgain);
    use = await(b.perIpLimits());
    assertEquals(2, use.getInteger("open"), use.encode());
  }

  @Test
  void blockingIsBounded() {
    Swarm b = node(o -> { });
    List<Future<Boolean>> all = new ArrayList<>();
    for (int i = 0; i < InboundGate.MAX_BLOCKED; i++) {
      all.add(b.block(dev.vertxp2p.PeerId.fromPublicKey(
          dev.vertxp2p.crypto.Ed25519PrivateKey.generate(RANDOM).publicKey())));
    }
    await(Future.all(all));
    Throwable err = failure(b.block(dev.vertxp2p.PeerId.fromPublicKey(
        dev.vertxp2p.crypto.Ed25519PrivateKey.generate(RANDOM).publicKey())));
    assertInstanceOf(dev.vertxp2p.ResourceLimitException.class, err);
    assertEquals(ErrorCodes.LIMIT_REACHED, ErrorCodes.codeOf(err));
    assertEquals(InboundGate.MAX_BLOCKED, await(b.blocked()).size());
  }
}
