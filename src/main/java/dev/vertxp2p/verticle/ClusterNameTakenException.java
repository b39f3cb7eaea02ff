package dev.vertxp2p.verticle;

/** A node's {@code cluster.nodeName} is already held by a live node of the same cluster. */
public class ClusterNameTakenException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String nodeName;

  public ClusterNameTakenException(String nodeName, String message) {
    super(message);
    this.nodeName = nodeName;
  }

  /** The name that clashed. */
  public String nodeName() {
    return nodeName;
  }
}
