package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.RefusedException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.gating.AddressFilter;
import dev.vertxp2p.gating.Refusal;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dialer's pure helpers: ranking, round robin, backoff keys, resolved checks, refusals. */
class AddressRankingTest {

  private static Multiaddr m(String s) {
    return Multiaddr.parse(s);
  }

  @Test
  void addressesRankLoopbackThenPrivateThenPublicThenNames() {
    List<Multiaddr> in = List.of(
        m("/dns4/example.com/tcp/1"),
        m("/ip4/8.8.8.8/tcp/1"),
        m("/ip6/2001:db8::1/tcp/1"),
        m("/ip4/192.168.1.2/tcp/1"),
        m("/ip6/fd00::1/tcp/1"),
        m("/ip4/169.254.3.4/tcp/1"),
        m("/ip6/::1/tcp/1"),
        m("/ip4/10.1.2.3/tcp/1"),
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/172.16.0.1/tcp/1"));
    assertEquals(List.of(
        m("/ip6/::1/tcp/1"),
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/192.168.1.2/tcp/1"),
        m("/ip6/fd00::1/tcp/1"),
        m("/ip4/169.254.3.4/tcp/1"),
        m("/ip4/10.1.2.3/tcp/1"),
        m("/ip4/172.16.0.1/tcp/1"),
        m("/ip4/8.8.8.8/tcp/1"),
        m("/ip6/2001:db8::1/tcp/1"),
        m("/dns4/example.com/tcp/1")), PeerDialer.rank(in));
    assertEquals(2, PeerDialer.rankOf(m("/ip4/172.32.0.1/tcp/1")), "outside 172.16/12");
    assertEquals(1, PeerDialer.rankOf(m("/ip6/fe80::1/tcp/1")), "link-local");
  }

  @Test
  void withinAClassQuicComesBeforeTcpAndTcpBeforeWebSocket() {
    List<Multiaddr> in = List.of(
        m("/ip4/8.8.8.8/tcp/2/ws"),
        m("/ip4/127.0.0.1/tcp/2/ws"),
        m("/ip4/8.8.8.8/tcp/1"),
        m("/ip4/8.8.8.8/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/udp/1/quic-v1"));
    assertEquals(List.of(
        m("/ip4/127.0.0.1/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/tcp/2/ws"),
        m("/ip4/8.8.8.8/udp/1/quic-v1"),
        m("/ip4/8.8.8.8/tcp/1"),
        m("/ip4/8.8.8.8/tcp/2/ws")), PeerDialer.rank(in));
  }

  @Test
  void theDialsOfATopUpLeadWithEachTransportInTurnThenEachAddress() {
    List<Multiaddr> ranked = PeerDialer.rank(List.of(
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/10.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/2/ws")));
    assertEquals(List.of(
        m("/ip4/127.0.0.1/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/tcp/2/ws"),
        m("/ip4/10.0.0.1/tcp/1")), PeerDialer.leadOrder(ranked, Set.of()));
    // Beside an open QUIC connection a top-up by one goes over TCP, then WebSocket.
    assertEquals(List.of(
        m("/ip4/127.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/tcp/2/ws"),
        m("/ip4/10.0.0.1/tcp/1"),
        m("/ip4/127.0.0.1/udp/1/quic-v1")), PeerDialer.leadOrder(ranked, Set.of("quic-v1")));
    // Three TCP addresses take turns as before.
    List<Multiaddr> tcp = List.of(m("/ip4/127.0.0.1/tcp/1"), m("/ip4/127.0.0.1/tcp/2"),
        m("/ip4/127.0.0.1/tcp/3"));
    assertEquals(tcp, PeerDialer.leadOrder(tcp, Set.of("tcp")));
  }

  @Test
  void aDialLedByAnAddressTriesTheRestInRankedOrder() {
    List<Multiaddr> ranked = List.of(m("/ip4/127.0.0.1/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/1"), m("/ip4/10.0.0.1/tcp/1"));
    assertEquals(List.of(m("/ip4/10.0.0.1/tcp/1"), m("/ip4/127.0.0.1/udp/1/quic-v1"),
        m("/ip4/127.0.0.1/tcp/1")), PeerDialer.ledBy(m("/ip4/10.0.0.1/tcp/1"), ranked));
  }

  @Test
  void theBackoffIsKeptPerPeerAndAddress() {
    PeerId p = PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    assertEquals("/ip4/10.0.0.7/tcp/4001/p2p/" + p,
        PeerDialer.backoffKey(p, m("/ip4/10.0.0.7/tcp/4001/p2p/" + p)));
    assertEquals("/ip4/10.0.0.7/tcp/4001/p2p/" + p,
        PeerDialer.backoffKey(p, m("/ip4/10.0.0.7/tcp/4001")));
  }

  @Test
  void aResolvedAddressIsCheckedAgainstTheFilter() {
    AddressFilter f = AddressFilter.parse(List.of(), List.of("127.0.0.0/8"));
    assertTrue(PeerDialer.checkResolved(f, "127.0.0.1").isDenied());
    assertTrue(PeerDialer.checkResolved(f, "10.0.0.1").isAllowed());
    assertTrue(PeerDialer.checkResolved(f, "::ffff:127.0.0.1").isDenied(), "IPv4-mapped");
  }

  @Test
  void aDialIsRefusedWhenEveryAddressWasRefused() {
    Refusal g = Refusal.gating("denyAddrs 127.0.0.0/8", "/dns4/localhost/tcp/1");
    DialFailedException all = new DialFailedException(List.of(
        new DialFailedException.AddressFailure("/dns4/localhost/tcp/1", 1,
            new RefusedException(g))));
    assertEquals(g, PeerDialer.refusalIn(all));
    DialFailedException mixed = new DialFailedException(List.of(
        new DialFailedException.AddressFailure("/a", 1, new RefusedException(g)),
        new DialFailedException.AddressFailure("/b", 4, new RuntimeException("refused"))));
    assertNull(PeerDialer.refusalIn(mixed));
  }
}
