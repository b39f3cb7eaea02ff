package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.IdentifyFrames.frame;
import static dev.vertxp2p.testing.IdentifyFrames.framed;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A connected peer that sends identify pushes over and over, some of them over the bounds,
 * cannot grow what the victim keeps for it: at most {@link PeerStore#MAX_ADDRS_PER_PEER}
 * addresses, and only messages within the identify bounds (an abusive push is reset, the
 * message kept before stays). Uses the public API only.
 */
class IdentifyPushBoundsTest extends SwarmFixture {

  private static IdentifyMessage described(String agent, List<byte[]> addrs, List<String> protos) {
    return new IdentifyMessage(Identify.PROTOCOL_VERSION, agent, null, addrs, null, protos, null);
  }

  /**
   * Sends {@code wire} on a new push stream and tells how the victim answered: "ended" when it
   * read everything (it ends its side after handing the message on), "reset" when it refused.
   */
  private static Future<String> push(Swarm from, PeerId to, byte[] wire) {
    return from.newStream(to, Identify.PUSH_PROTOCOL).compose(s -> {
      Promise<String> answer = Promise.promise();
      s.exceptionHandler(e -> answer.tryComplete("reset"));
      s.endHandler(v -> answer.tryComplete("ended"));
      s.handler(b -> { });
      s.write(Buffer.buffer(wire));
      s.end();
      return answer.future();
    });
  }

  /**
   * A round trip through the victim's owner context: whatever its streams queued there before
   * (taking a message they read) has run when this completes.
   */
  private static void settle(Swarm victim, PeerId peer) {
    await(victim.unprotect(peer, "settle"));
  }

  @Test
  void pushesCannotGrowWhatThePeerStoreKeeps() {
    Swarm victim = started(loopbackOptions());
    Swarm pusher = started(loopbackOptions());
    PeerId p = pusher.peerId();
    // The pusher's answer to the victim's own identify, so the test knows when it was taken.
    Promise<Void> identifiedOnce = Promise.promise();
    pusher.handle(Identify.PROTOCOL, s -> {
      s.handler(b -> { });
      s.endHandler(v -> identifiedOnce.tryComplete());
      s.write(Buffer.buffer(framed(described("pusher/initial", List.of(), List.of("/x/1")))));
      s.end();
    });
    await(pusher.dial(victim.listenAddrs().get(0), new DialOptions()));
    await(identifiedOnce.future());
    settle(victim, p);
    assertEquals("pusher/initial", victim.identified(p).agentVersion());

    int pushes = 20;
    for (int i = 0; i < pushes; i++) {
      List<byte[]> addrs = new ArrayList<>();
      for (int j = 0; j < PeerStore.MAX_ADDRS_PER_PEER; j++) {
        addrs.add(Multiaddr.parse("/ip4/10." + i + "." + j + ".1/tcp/4001").bytes());
      }
      byte[] wire = framed(described("pusher/" + i, addrs, List.of("/marker/" + i)));
      assertEquals("ended", await(push(pusher, victim.peerId(), wire)), "push " + i);
    }
    settle(victim, p);
    assertEquals(PeerStore.MAX_ADDRS_PER_PEER, victim.addresses(p).size());
    assertEquals("pusher/19", victim.identified(p).agentVersion());

    // eleven parts on one push: refused at the eleventh
    IdentifyMessage part = described("pusher/eleven", List.of(), List.of("/eleven/1"));
    IdentifyMessage[] eleven = new IdentifyMessage[11];
    java.util.Arrays.fill(eleven, part);
    assertEquals("reset", await(push(pusher, victim.peerId(), framed(eleven))));

    // one message of 32,000 empty protocol entries: refused
    byte[] empties = new byte[64_000];
    for (int i = 0; i < empties.length; i += 2) {
      empties[i] = 0x1a;
    }
    assertEquals("reset", await(push(pusher, victim.peerId(), frame(empties))));

    settle(victim, p);
    IdentifyMessage kept = victim.identified(p);
    assertEquals("pusher/19", kept.agentVersion(), "a refused push changes nothing");
    assertEquals(List.of("/marker/19"), kept.protocols());
    assertEquals(PeerStore.MAX_ADDRS_PER_PEER, victim.addresses(p).size());
  }
}
