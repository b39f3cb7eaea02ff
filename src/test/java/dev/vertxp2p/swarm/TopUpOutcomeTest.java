package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.transport.ManagedConnection;
import io.vertx.core.Future;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a top-up answers once its dials are done. */
class TopUpOutcomeTest {

  /**
   * Every dial succeeded, but each connection closed before it could be registered (the remote
   * refused it at once): the top-up fails with an error that says so, never with no cause.
   */
  @Test
  void dialsThatSucceededIntoClosedConnectionsFailWithAReason() {
    List<Future<ManagedConnection>> dials =
        List.of(Future.succeededFuture(null), Future.succeededFuture(null));
    Future<List<Connection>> outcome = PeerDialer.outcome(dials, List.of());
    assertTrue(outcome.failed());
    P2pException e = assertInstanceOf(P2pException.class, outcome.cause());
    assertEquals(P2pException.REMOTE_FAILED, e.code());
    assertEquals("2 connections were dialed and closed before they could be used",
        e.getMessage());
  }

  @Test
  void theFirstFailureIsTheCause() {
    IllegalStateException first = new IllegalStateException("first");
    List<Future<ManagedConnection>> dials = List.of(Future.succeededFuture(null),
        Future.failedFuture(first), Future.failedFuture(new IllegalStateException("second")));
    assertSame(first, PeerDialer.outcome(dials, List.of()).cause());
  }
}
