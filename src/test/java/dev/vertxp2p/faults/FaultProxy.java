package dev.vertxp2p.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loopback TCP proxy in front of one node, for fault injection: every accepted connection is a
 * {@link Link} the test can cut (FIN), reset (RST, via SO_LINGER 0), stall (bytes are held, in
 * both directions, until resumed or killed) or half-kill (the dialer's side reset, the node's
 * side left open and silent, as a dead NAT entry leaves it). Blocking sockets and two threads per link: the proxy
 * stays out of the event loops it is testing.
 */
final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Map<Integer, Link> byClientPort = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Sockets accepted so far, refused ones included. */
  private final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile int maxLinks = Integer.MAX_VALUE;

  FaultProxy(int targetPort) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.target = new InetSocketAddress(loopback, targetPort);
    this.server = new ServerSocket(0, 200, loopback);
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** From now on, every socket beyond the first {@code links} is reset as soon as accepted. */
  FaultProxy refuseAfter(int links) {
    this.maxLinks = links;
    return this;
  }

  /** Sockets accepted so far, refused ones included. */
  int accepted() {
    return accepted.get();
  }

  /** The link whose client side (the dialer's socket) has local port {@code port}, or null. */
  Link byClientPort(int port) {
    return byClientPort.get(port);
  }

  /** Every link accepted so far, alive or not. */
  List<Link> links() {
    return new ArrayList<>(byClientPort.values());
  }

  /** Links not yet cut, reset or ended by either side, and not stalled. */
  List<Link> flowing() {
    List<Link> list = new ArrayList<>();
    for (Link l : byClientPort.values()) {
      if (!l.dead.get() && !l.isStalled()) {
        list.add(l);
      }
    }
    return list;
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Socket down;
      try {
        down = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (accepted.incrementAndGet() > maxLinks) {
        abort(down);
        continue;
      }
      Socket up = new Socket();
      try {
        down.setTcpNoDelay(true);
        up.setTcpNoDelay(true);
        up.connect(target, 5_000);
        if (up.getLocalPort() == target.getPort()) {
          // With the node down, its port is free, and the kernel may give the same number to
          // our outbound socket: a TCP simultaneous open onto itself that echoes every byte,
          // which a dialer takes for a silent node. A node that is down refuses.
          throw new IOException("connected to itself on port " + up.getLocalPort());
        }
      } catch (IOException e) {
        abort(down);
        abort(up);
        continue;
      }
      Link link = new Link(down, up);
      byClientPort.put(down.getPort(), link);
      link.start();
    }
  }

  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing left to do
    }
  }

  @Override
  public void close() throws IOException {
    closed.set(true);
    server.close();
    for (Link l : byClientPort.values()) {
      l.reset();
      abort(l.up); // a half-dead link's node side is still open
    }
  }

  /** A proxy to the node listening on {@code port}; an I/O failure as an unchecked one. */
  static FaultProxy to(int port) {
    try {
      return new FaultProxy(port);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What the test can do to a link on purpose. */
  enum Fault {
    RESET,
    CUT,
    STALL,
    /**
     * Resets the dialer's socket only; the node's socket stays open and nothing more reaches
     * it, nor leaves it: what the node writes is read and dropped, and it is never told.
     */
    RESET_DIALER_SIDE
  }

  /** One proxied connection: the dialer's socket ({@code down}) and ours to the node ({@code up}). */
  static final class Link {
    final Socket down;
    final Socket up;
    final AtomicBoolean dead = new AtomicBoolean();
    /**
     * The fault the test injected, or null. Set only by {@link #inject}: a link that died because
     * one of its ends closed it (the pumps cut or reset the other side too) was not faulted.
     */
    private volatile Fault injected;
    /** Completed while bytes flow; a fresh, pending one holds the pumps. */
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    Link(Socket down, Socket up) {
      this.down = down;
      this.up = up;
    }

    /** The dialer's local port: what its connection reports as localAddr. */
    int clientPort() {
      return down.getPort();
    }

    /** Our local port towards the node: what the node's connection reports as remoteAddr. */
    int upstreamPort() {
      return up.getLocalPort();
    }

    void start() {
      pump(down, up, "down->up");
      pump(up, down, "up->down");
    }

    private void pump(Socket from, Socket to, String name) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[16 * 1024];
        try {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          int n;
          while ((n = in.read(buf)) >= 0) {
            gate.get();
            if (dead.get()) {
              return;
            }
            out.write(buf, 0, n);
          }
          cut(); // one side ended: end the other too
        } catch (IOException e) {
          reset(); // one side broke: break the other too
        } catch (InterruptedException | ExecutionException e) {
          reset();
        }
      }, "fault-proxy-" + name + "-" + from.getPort());
      t.setDaemon(true);
      t.start();
    }

    /**
     * Injects {@code fault} into a link that is still flowing and was never faulted; false (and
     * nothing done) otherwise.
     */
    synchronized boolean inject(Fault fault) {
      if (injected != null || dead.get() || isStalled()) {
        return false;
      }
      injected = fault;
      switch (fault) {
        case RESET -> reset();
        case CUT -> cut();
        case STALL -> stall();
        case RESET_DIALER_SIDE -> resetDialerSide();
        default -> throw new IllegalArgumentException(fault.toString());
      }
      return true;
    }

    /** The fault the test injected, or null if it never touched this link. */
    Fault injected() {
      return injected;
    }

    boolean isStalled() {
      return !gate.isDone();
    }

    /** Closes both sides with FIN. */
    void cut() {
      if (dead.compareAndSet(false, true)) {
        gate.complete(null);
        try {
          down.close();
        } catch (IOException ignored) {
          // already closed
        }
        try {
          up.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }

    /** Closes both sides abruptly: SO_LINGER 0 makes the close send RST. */
    void reset() {
      if (dead.compareAndSet(false, true)) {
        gate.complete(null);
        abort(down);
        abort(up);
      }
    }

    /**
     * Resets the dialer's socket alone. The link is marked dead first, so the pumps, seeing
     * their sockets fail, do not pass the failure on: the node's socket stays open and silent.
     */
    void resetDialerSide() {
      if (dead.compareAndSet(false, true)) {
        gate.complete(null);
        abort(down);
      }
    }

    /** Holds every byte in both directions; the sockets stay open. */
    void stall() {
      if (!dead.get() && gate.isDone()) {
        gate = new CompletableFuture<>();
      }
    }

    @Override
    public String toString() {
      String state = (injected == null ? "" : " " + injected)
          + (dead.get() ? " dead" : isStalled() ? " stalled" : "");
      return "Link[" + clientPort() + "->" + upstreamPort() + state + "]";
    }
  }
}
