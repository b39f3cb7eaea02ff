package dev.vertxp2p.testing;

import static dev.vertxp2p.testing.Await.await;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.launcher.ClusteredVertx;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Clustered Vert.x instances (Hazelcast on loopback) in one test JVM: a fresh cluster name per
 * test so runs never join each other, members on fixed ports the test picks (each test class its
 * own range), and every instance, clustered or not, closed by {@link #close()}.
 */
public final class TestCluster implements AutoCloseable {
  /** How long joining and cluster-wide conditions may take. */
  public static final Duration JOIN = Duration.ofSeconds(45);

  private final String name = "test-" + UUID.randomUUID();
  private final List<Vertx> instances = new ArrayList<>();

  /** This cluster's name. */
  public String name() {
    return name;
  }

  /** Options for a member on {@code port} joining the members on {@code members}. */
  public ClusterOptions options(int port, int... members) {
    List<String> list = new ArrayList<>();
    for (int m : members) {
      list.add("127.0.0.1:" + m);
    }
    return new ClusterOptions().setEnabled(true).setName(name).setHost("127.0.0.1")
        .setPort(port).setMembers(list);
  }

  /** Starts a clustered Vert.x per options, together; returns them once all joined. */
  public List<Vertx> start(ClusterOptions... options) {
    List<Future<Vertx>> all = new ArrayList<>();
    for (ClusterOptions o : options) {
      all.add(ClusteredVertx.create(o).onSuccess(this::add));
    }
    await(Future.all(all), JOIN);
    List<Vertx> out = new ArrayList<>();
    for (Future<Vertx> f : all) {
      out.add(f.result());
    }
    return out;
  }

  /** Closes {@code v} with the others at the end. */
  public Vertx add(Vertx v) {
    synchronized (instances) {
      instances.add(v);
    }
    return v;
  }

  /** Closes {@code v} now (a clean leave), and no more at the end. */
  public void closeNow(Vertx v) {
    synchronized (instances) {
      instances.remove(v);
    }
    await(v.close(), Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (instances) {
      for (Vertx v : instances) {
        closing.add(v.close());
      }
      instances.clear();
    }
    await(Future.join(closing), Duration.ofSeconds(30));
  }

  /**
   * Sends {@code body} to {@code address} every 250 ms, on Vert.x timers, until the reply matches
   * (a failure is offered as {@code {"failed": code, "message"}}), within {@link #JOIN}.
   */
  public static JsonObject until(Vertx vertx, String address, JsonObject body,
      Predicate<JsonObject> ok) {
    Promise<JsonObject> result = Promise.promise();
    long deadline = System.nanoTime() + JOIN.toNanos();
    JsonObject[] last = new JsonObject[1];
    vertx.setPeriodic(0, 250, id -> vertx.eventBus().<JsonObject>request(address, body,
        new DeliveryOptions().setSendTimeout(20_000)).onComplete(ar -> {
          last[0] = ar.succeeded() ? ar.result().body()
              : new JsonObject().put("failed", ar.cause() instanceof ReplyException re
                  ? re.failureCode() : -1).put("message", ar.cause().getMessage());
          boolean matched;
          try {
            matched = ok.test(last[0]);
          } catch (AssertionError e) {
            vertx.cancelTimer(id);
            result.tryFail(e);
            return;
          } catch (RuntimeException e) {
            matched = false; // a reply of another shape (a failure) does not match
          }
          if (matched) {
            vertx.cancelTimer(id);
            result.tryComplete(last[0]);
          } else if (System.nanoTime() > deadline) {
            vertx.cancelTimer(id);
            result.tryFail(new AssertionError("no matching reply on " + address + " within "
                + JOIN + "; last: " + last[0]));
          }
        }));
    return await(result.future(), JOIN.plusSeconds(25));
  }
}
