package dev.vertxp2p;

/** A dial was stopped by its caller (the swarm closing, a hang-up) before it succeeded. */
public class DialAbortedException extends P2pException {
  private static final long serialVersionUID = 1L;

  public DialAbortedException(int addressesExhausted, int addresses) {
    super(UNAVAILABLE, 
        "dial aborted by the caller after "
            + addressesExhausted
            + " of "
            + addresses
            + " addresses were exhausted");
  }
}
