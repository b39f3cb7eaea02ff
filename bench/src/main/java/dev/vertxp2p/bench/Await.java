package dev.vertxp2p.bench;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Blocks the benchmark's driver thread on a Vert.x future, bounded in time. */
final class Await {
  private Await() {}

  static <T> T get(Future<T> future, long seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no result within " + seconds + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
