package dev.vertxp2p.web;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;

/** Opens the dashboard's event WebSocket for a test, queueing every frame it receives. */
final class EventSockets {
  private EventSockets() {}

  /**
   * Connects to {@code path} on the dashboard at {@code port} and adds each text frame, as JSON,
   * to {@code frames}. The handler is set on the socket's event loop as the upgrade completes,
   * before any frame is read: the connect is made on a context, so its callback runs there
   * (attached from the test thread after completion, it could come after the snapshot frame).
   */
  static Future<WebSocket> open(Vertx vertx, WebSocketClient client, int port, String path,
      BlockingQueue<JsonObject> frames) {
    Promise<WebSocket> connected = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> client.connect(port, "127.0.0.1", path)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            ar.result().textMessageHandler(text -> frames.add(new JsonObject(text)));
          }
          connected.handle(ar);
        }));
    return connected.future();
  }
}
