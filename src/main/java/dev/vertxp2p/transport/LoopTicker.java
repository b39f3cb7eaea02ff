package dev.vertxp2p.transport;

import dev.vertxp2p.util.Owner;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One periodic Vert.x timer per event loop and period, shared by every member on that loop: a
 * node holding 19,000 connections had one keep-alive timer each, 7,600 timer events a second at
 * rest, each a wake-up of its loop and a move in its timer heap. A tick calls every member in
 * turn, on the loop.
 *
 * <p>Confined to its loop: {@link #of}, {@link #join} and {@link Member#leave} are called there.
 * Its timer runs while it has members; the last one leaving cancels it, and the next join starts
 * a new one. A member that leaves during a tick (its connection closed by an earlier member's
 * tick) is not called in it.
 */
final class LoopTicker {
  /** A member's place in its ticker. */
  interface Member {
    /** Leaves the ticker: no tick calls it from now on. On the loop; a second call does nothing. */
    void leave();
  }

  private final Owner owner;
  private final long periodMillis;
  /** Where the ticker is found: removed from it when the last member leaves. */
  private final Map<Long, LoopTicker> registry;
  private final List<Entry> members = new ArrayList<>();
  private long timer = -1;
  /** Set during a tick: members leaving then are only marked, and taken out after it. */
  private boolean ticking;

  private LoopTicker(Owner owner, long periodMillis, Map<Long, LoopTicker> registry) {
    this.owner = owner;
    this.periodMillis = periodMillis;
    this.registry = registry;
  }

  /**
   * The ticker of {@code owner}'s event loop for {@code periodMillis}, made on first use.
   *
   * @throws IllegalArgumentException when {@code periodMillis} is not positive
   */
  static LoopTicker of(Owner owner, long periodMillis) {
    owner.check();
    if (periodMillis < 1) {
      throw new IllegalArgumentException("periodMillis must be >= 1, got " + periodMillis);
    }
    ContextInternal base = ((ContextInternal) owner.context()).unwrap();
    @SuppressWarnings("unchecked")
    Map<Long, LoopTicker> registry = (Map<Long, LoopTicker>) base.contextData()
        .computeIfAbsent(LoopTicker.class, k -> new HashMap<Long, LoopTicker>());
    return registry.computeIfAbsent(periodMillis,
        p -> new LoopTicker(Owner.of(base), p, registry));
  }

  /** {@code tick} runs at every tick from now on, until the returned member leaves. */
  Member join(Runnable tick) {
    owner.check();
    Entry e = new Entry(tick, members.size());
    members.add(e);
    if (timer < 0) {
      timer = owner.context().owner().setPeriodic(periodMillis, t -> owner.run(this::tick));
    }
    return e;
  }

  /** Members now. */
  int size() {
    owner.check();
    return members.size();
  }

  long periodMillis() {
    return periodMillis;
  }

  private void tick() {
    owner.check();
    if (timer < 0) {
      return;
    }
    ticking = true;
    try {
      // members.size() is read each time: one that joins during the tick is called in it too
      for (int i = 0; i < members.size(); i++) {
        Entry e = members.get(i);
        if (!e.left) {
          e.tick.run();
        }
      }
    } finally {
      ticking = false;
      if (members.removeIf(e -> e.left)) {
        for (int i = 0; i < members.size(); i++) {
          members.get(i).index = i;
        }
      }
      stopIfEmpty();
    }
  }

  private void stopIfEmpty() {
    if (members.isEmpty() && timer >= 0) {
      owner.context().owner().cancelTimer(timer);
      timer = -1;
      registry.remove(periodMillis, this);
    }
  }

  private final class Entry implements Member {
    final Runnable tick;
    /** Its place in {@link #members}, kept right outside ticks. */
    int index;
    boolean left;

    Entry(Runnable tick, int index) {
      this.tick = tick;
      this.index = index;
    }

    @Override
    public void leave() {
      owner.check();
      if (left) {
        return;
      }
      left = true;
      if (!ticking) {
        // the last member takes this one's place: O(1) with thousands of connections on a loop
        Entry last = members.remove(members.size() - 1);
        if (last != this) {
          members.set(index, last);
          last.index = index;
        }
        stopIfEmpty();
      }
    }
  }
}
