package dev.vertxp2p.multiformats;

/** An unsigned varint was too long, not minimally encoded, or cut short where it must be whole. */
public class VarintException extends MultiformatException {
  private static final long serialVersionUID = 1L;

  public VarintException(String message) {
    super(message);
  }
}
