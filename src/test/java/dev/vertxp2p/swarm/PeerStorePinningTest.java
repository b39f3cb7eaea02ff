package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Addresses the user gave and addresses of pinned (protected, later kept) peers survive churn of
 * identify-learned peers, and stay bounded themselves.
 */
class PeerStorePinningTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private Vertx vertx;
  private Context ctx;
  private final Set<PeerId> connected = new HashSet<>();
  private final Set<PeerId> pinned = new HashSet<>();
  private PeerStore store;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
    store = new PeerStore(new Owner(ctx, "swarm"), 8, 4, connected::contains, pinned::contains);
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private <T> T on(Supplier<T> task) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> p.complete(task.get()));
    return await(p.future());
  }

  private void run(Runnable task) {
    on(() -> {
      task.run();
      return null;
    });
  }

  private static PeerId peer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(RANDOM).publicKey());
  }

  private static Multiaddr addr(int i) {
    return Multiaddr.parse("/ip4/10." + (i >> 8 & 0xff) + "." + (i & 0xff) + ".1/tcp/4001");
  }

  /** {@code n} fresh peers connect, identify (one address each) and leave. */
  private void churn(int n) {
    for (int i = 0; i < n; i++) {
      PeerId p = peer();
      Multiaddr a = addr(1000 + i);
      connected.add(p);
      run(() -> {
        store.identified(p, new IdentifyMessage(null, "churn", null, List.of(a.bytes()), null,
            List.of("/c/1"), null));
        store.addAddresses(p, List.of(a));
      });
      connected.remove(p);
      run(() -> store.disconnected(p));
    }
  }

  @Test
  void userGivenAddressesSurviveIdentifyChurn() {
    PeerId user = peer();
    run(() -> store.addUserAddresses(user, List.of(addr(1))));
    churn(50);
    assertEquals(List.of(addr(1)), store.addresses(user), "dialPeer(user) still finds it");
    assertEquals(8, on(store::size));
    assertEquals(1, on(store::userSize));
    assertEquals(9, store.addressedCount(), "8 learned peers and the user's one");
  }

  @Test
  void pinnedPeersKeepTheirLearnedAddresses() {
    PeerId kept = peer();
    run(() -> store.addAddresses(kept, List.of(addr(2))));
    pinned.add(kept);
    churn(50);
    assertEquals(List.of(addr(2)), store.addresses(kept));
    assertEquals(8, on(store::size), "the pinned peer counts within the bound");

    pinned.remove(kept);
    churn(8);
    assertEquals(List.of(), store.addresses(kept), "unpinned, it ages out like any other");
  }

  @Test
  void aStoreFullOfPinnedPeersRemembersNoNewOne() {
    List<PeerId> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      PeerId p = peer();
      held.add(p);
      Multiaddr a = addr(i);
      run(() -> store.addAddresses(p, List.of(a)));
    }
    pinned.addAll(held.subList(0, 4));
    connected.addAll(held.subList(4, 8));
    PeerId late = peer();
    connected.add(late);
    run(() -> {
      store.addAddresses(late, List.of(addr(99)));
      store.identified(late, new IdentifyMessage(null, null, null, null, null, null, null));
    });
    assertEquals(8, on(store::size));
    assertEquals(List.of(), store.addresses(late));
    assertNull(store.identified(late));
    for (PeerId p : held) {
      assertEquals(1, store.addresses(p).size());
    }
  }

  @Test
  void userGivenPeersAreBoundedTooPinnedOnesGoLast() {
    List<PeerId> users = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      users.add(peer());
    }
    pinned.add(users.get(0));
    for (int i = 0; i < users.size(); i++) {
      PeerId u = users.get(i);
      Multiaddr a = addr(i);
      run(() -> store.addUserAddresses(u, List.of(a)));
    }
    assertEquals(4, on(store::userSize));
    assertEquals(List.of(addr(0)), store.addresses(users.get(0)), "pinned: kept");
    for (int i = 1; i < 7; i++) {
      assertEquals(List.of(), store.addresses(users.get(i)), "user peer " + i + " aged out");
    }
    for (int i = 7; i < 10; i++) {
      assertEquals(List.of(addr(i)), store.addresses(users.get(i)));
    }
    assertEquals(4, store.addressedCount());
  }

  @Test
  void readersSeeTheUsersAddressesFirstAndAtMostThirtyTwo() {
    PeerId p = peer();
    List<Multiaddr> learnt = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      learnt.add(addr(200 + i));
    }
    run(() -> {
      store.addAddresses(p, learnt);
      store.addUserAddresses(p, List.of(addr(7), learnt.get(0)));
    });
    List<Multiaddr> seen = store.addresses(p);
    assertEquals(PeerStore.MAX_ADDRS_PER_PEER, seen.size());
    assertEquals(addr(7), seen.get(0));
    assertEquals(learnt.get(0), seen.get(1));
    assertEquals(learnt.subList(1, 31), seen.subList(2, 32));
  }

  @Test
  void onDisconnectOnlyIdentifyDataGoes() {
    PeerId p = peer();
    connected.add(p);
    run(() -> {
      store.addUserAddresses(p, List.of(addr(1)));
      store.addAddresses(p, List.of(addr(2)));
      store.identified(p, new IdentifyMessage(null, "x", null, null, null, null, null));
    });
    connected.remove(p);
    run(() -> store.disconnected(p));
    assertNull(store.identified(p));
    assertEquals(List.of(addr(1), addr(2)), store.addresses(p));
  }
}
