package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.GatingOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code gating.denyAddrs} against a real js-libp2p peer: one dialling from 127.0.0.2 (its TCP
 * dials bound there, {@code --dial-local-address}) is refused before the handshake; one from
 * 127.0.0.1 is accepted.
 */
class JsGatingInteropTest extends JsInteropFixture {

  @Test
  void aJsPeerFromADeniedAddressIsRefusedBeforeTheHandshake() {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setGating(new GatingOptions().setDenyAddrs(List.of("127.0.0.2/32")));
    start(o);
    String addr = node.listenAddrs().get(0).toString();

    Future<SwarmEvent> refused =
        nextEvent(node, e -> e.type().equals(SwarmEvent.CONNECTION_REJECTED));
    try (JsPeer denied = JsPeer.start(JsPeer.Options.defaults()
        .withDialLocalAddress("127.0.0.2"))) {
      JsonObject answer = denied.call(cmd("dial", "addr", addr));
      assertFalse(answer.getBoolean("ok"), answer.encode());
      SwarmEvent ev = await(refused);
      assertEquals(new JsonObject().put("scope", "gating").put("rule", "denyAddrs 127.0.0.2/32"),
          ev.fields().getJsonObject("refusal"));
      assertTrue(ev.fields().getString("remoteAddr").startsWith("/ip4/127.0.0.2/tcp/"),
          ev.fields().encode());
      assertEquals(0, node.getConnections().size());
    }

    try (JsPeer allowed = JsPeer.start(JsPeer.Options.defaults())) {
      PeerId js = PeerId.parse(allowed.peerId());
      Future<SwarmEvent> opened = nextEvent(node, e -> e.type().equals(SwarmEvent.CONNECTION_OPENED)
          && js.equals(e.peer()));
      JsonObject dial = allowed.callOk(cmd("dial", "addr", addr));
      assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
      SwarmEvent ev = await(opened);
      assertTrue(ev.fields().getJsonObject("connection").getString("remoteAddr")
          .startsWith("/ip4/127.0.0.1/tcp/"), ev.fields().encode());
    }
  }
}
