package dev.vertxp2p.web;

import dev.vertxp2p.verticle.EventBusAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code /api/events} WebSocket: a snapshot of every peer's connections, then every swarm
 * event in order.
 *
 * <p>The event subscription starts before the snapshot is asked for, and events arriving in
 * between are held and sent after it: so no event is lost, though one may repeat what the
 * snapshot already shows (clients key connections by id). A client that cannot keep up is
 * disconnected rather than buffered without bound; it reconnects and gets a fresh snapshot.
 */
final class EventStream {
  /** Events held while the snapshot is on its way; more means something is stuck. */
  static final int MAX_HELD_EVENTS = 10_000;
  /** WebSocket close code: policy violation (RFC 6455 section 7.4.1), used for a slow client. */
  static final short CLOSE_TOO_SLOW = 1008;
  /** WebSocket close code: unexpected condition (RFC 6455 section 7.4.1). */
  static final short CLOSE_ERROR = 1011;

  private final Vertx vertx;
  private final EventBusAddresses addresses;
  private final ServerWebSocket ws;
  private final List<JsonObject> held = new ArrayList<>();
  private MessageConsumer<JsonObject> consumer;
  private boolean snapshotSent;
  private boolean closed;

  EventStream(Vertx vertx, EventBusAddresses addresses, ServerWebSocket ws) {
    this.vertx = vertx;
    this.addresses = addresses;
    this.ws = ws;
  }

  void start() {
    consumer = vertx.eventBus().consumer(addresses.events(), msg -> onEvent(msg.body()));
    ws.closeHandler(v -> stop());
    ws.exceptionHandler(err -> stop());
    // Clients have nothing to say; what they send is read and dropped.
    ws.handler(buf -> { });
    consumer.completion()
        .compose(v -> vertx.eventBus().<JsonObject>request(addresses.connectionsMap(),
            new JsonObject()))
        .onSuccess(reply -> {
          send(new JsonObject()
              .put("type", "snapshot")
              .put("at", Instant.now().toString())
              .put("peers", reply.body().getJsonObject("peers", new JsonObject())));
          snapshotSent = true;
          for (JsonObject e : held) {
            send(e);
          }
          held.clear();
        })
        .onFailure(err -> close(CLOSE_ERROR, "snapshot failed: " + err.getMessage()));
  }

  private void onEvent(JsonObject event) {
    if (closed) {
      return;
    }
    if (!snapshotSent) {
      if (held.size() >= MAX_HELD_EVENTS) {
        close(CLOSE_ERROR, "too many events before the snapshot");
        return;
      }
      held.add(event);
      return;
    }
    send(event);
  }

  private void send(JsonObject json) {
    if (closed) {
      return;
    }
    if (ws.writeQueueFull()) {
      close(CLOSE_TOO_SLOW, "client too slow; reconnect for a fresh snapshot");
      return;
    }
    ws.writeTextMessage(json.encode());
  }

  private void close(short code, String reason) {
    if (closed) {
      return;
    }
    // A close reason must fit in a control frame (RFC 6455 section 5.5: payload <= 125 bytes).
    String r = reason.length() > 100 ? reason.substring(0, 100) : reason;
    ws.close(code, r);
    stop();
  }

  private void stop() {
    closed = true;
    held.clear();
    if (consumer != null) {
      consumer.unregister();
    }
  }
}
