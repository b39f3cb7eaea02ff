package dev.vertxp2p;

/** Placeholder entry point; replaced by the node launcher. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("vertx-libp2p-swarm");
  }
}
