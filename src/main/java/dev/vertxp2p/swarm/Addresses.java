package dev.vertxp2p.swarm;

import dev.vertxp2p.Multiaddr;
import io.vertx.core.net.SocketAddress;

/** Socket addresses as multiaddrs. */
final class Addresses {
  private Addresses() {}

  /** {@code /ip4|ip6/<host>/tcp/<port>} for a TCP socket address (an IPv6 zone dropped). */
  static Multiaddr of(SocketAddress sa) {
    String host = sa.hostAddress();
    if (host == null) {
      host = sa.host();
    }
    boolean v6 = host.indexOf(':') >= 0;
    if (v6) {
      int pct = host.indexOf('%');
      if (pct >= 0) {
        host = host.substring(0, pct);
      }
    }
    return Multiaddr.parse((v6 ? "/ip6/" : "/ip4/") + host + "/tcp/" + sa.port());
  }
}
