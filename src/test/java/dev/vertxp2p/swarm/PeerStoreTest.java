package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The peer store stays bounded, and keeps identify data only while a peer is connected. */
class PeerStoreTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private Vertx vertx;
  private Context ctx;
  private final Set<PeerId> connected = new HashSet<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private void on(Runnable task) {
    Promise<Void> p = Promise.promise();
    ctx.runOnContext(v -> {
      task.run();
      p.complete();
    });
    await(p.future());
  }

  private static PeerId peer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(RANDOM).publicKey());
  }

  private static IdentifyMessage msg() {
    return new IdentifyMessage("ipfs/0.1.0", "test", null, List.of(), null, List.of(), null);
  }

  private PeerStore store(int maxPeers) {
    return new PeerStore(new Owner(ctx, "swarm"), maxPeers, connected::contains);
  }

  @Test
  void identifyDataGoesWhenThePeerDisconnectsItsAddressesStay() {
    PeerStore store = store(8);
    PeerId p = peer();
    IdentifyMessage m = msg();
    Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
    connected.add(p);
    on(() -> {
      store.addAddresses(p, List.of(addr));
      store.identified(p, m);
    });
    assertSame(m, store.identified(p));

    connected.remove(p);
    on(() -> store.disconnected(p));

    assertNull(store.identified(p));
    assertEquals(0, store.identifiedCount());
    assertEquals(List.of(addr), store.addresses(p), "dialPeer(peer) still finds it");
  }

  @Test
  void identifyFromAPeerThatIsAlreadyGoneIsNotKept() {
    PeerStore store = store(8);
    PeerId p = peer();
    on(() -> store.identified(p, msg()));
    assertNull(store.identified(p));
  }

  @Test
  void theLeastRecentlyUsedUnconnectedPeerIsEvictedFirst() {
    PeerStore store = store(3);
    List<PeerId> peers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      peers.add(peer());
    }
    connected.add(peers.get(0));
    on(() -> {
      for (int i = 0; i < 3; i++) {
        store.addAddresses(peers.get(i), List.of(Multiaddr.parse("/ip4/10.0.0." + i + "/tcp/1")));
      }
      // peers 0 (connected), 1, 2 are full; the fourth evicts 1, the oldest without a connection
      store.addAddresses(peers.get(3), List.of(Multiaddr.parse("/ip4/10.0.0.3/tcp/1")));
    });
    assertEquals(1, store.addresses(peers.get(0)).size());
    assertEquals(List.of(), store.addresses(peers.get(1)));
    assertEquals(1, store.addresses(peers.get(2)).size());
    assertEquals(1, store.addresses(peers.get(3)).size());
    Promise<Integer> size = Promise.promise();
    ctx.runOnContext(v -> size.complete(store.size()));
    assertEquals(3, await(size.future()));
  }

  @Test
  void atMostThirtyTwoAddressesAPeer() {
    PeerStore store = store(8);
    PeerId p = peer();
    List<Multiaddr> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(Multiaddr.parse("/ip4/10.0.1." + i + "/tcp/1"));
    }
    on(() -> store.addAddresses(p, many));
    assertEquals(32, store.addresses(p).size());
    assertEquals(many.subList(0, 32), store.addresses(p));
  }

  /** How many of {@code peers} the readers' address map holds. */
  private static int addressed(PeerStore store, List<PeerId> peers) {
    int n = 0;
    for (PeerId p : peers) {
      if (!store.addresses(p).isEmpty()) {
        n++;
      }
    }
    return n;
  }

  private int size(PeerStore store) {
    Promise<Integer> size = Promise.promise();
    ctx.runOnContext(v -> size.complete(store.size()));
    return await(size.future());
  }

  @Test
  void everyMapStaysAtTheBoundWhenMorePeersComeThanItHolds() {
    PeerStore store = store(8);
    List<PeerId> all = new ArrayList<>();
    // twenty peers connect and identify themselves, one listen address each
    for (int i = 0; i < 20; i++) {
      PeerId p = peer();
      all.add(p);
      connected.add(p);
      Multiaddr addr = Multiaddr.parse("/ip4/10.0.2." + i + "/tcp/1");
      on(() -> {
        store.identified(p, msg());
        store.addAddresses(p, List.of(addr));
      });
    }
    assertEquals(8, size(store));
    assertEquals(8, store.identifiedCount());
    assertEquals(8, addressed(store, all));

    // they all leave; twenty more, known from identify alone, churn through
    for (PeerId p : all) {
      connected.remove(p);
      on(() -> store.disconnected(p));
    }
    assertEquals(0, store.identifiedCount());
    for (int i = 0; i < 20; i++) {
      PeerId p = peer();
      all.add(p);
      on(() -> store.addAddresses(p, List.of(Multiaddr.parse("/ip4/10.0.3.1/tcp/1"))));
    }
    assertEquals(8, size(store));
    assertEquals(8, addressed(store, all));
  }

  @Test
  void identifyDataCountsTowardsTheBoundEvenWithoutAddresses() {
    PeerStore store = store(2);
    PeerId a = peer();
    PeerId b = peer();
    PeerId c = peer();
    connected.add(a);
    connected.add(b);
    connected.add(c);
    on(() -> {
      store.identified(a, msg());
      store.identified(b, msg());
      store.identified(c, msg()); // no room: a and b are connected, neither may go
    });
    assertEquals(2, store.identifiedCount());
    assertEquals(2, size(store));
    assertNull(store.identified(c));
  }
}
