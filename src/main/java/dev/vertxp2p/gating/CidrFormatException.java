package dev.vertxp2p.gating;

/**
 * A CIDR (or bare IP address) text that cannot be used: the caller's fault, so an {@link
 * IllegalArgumentException}. The message names the text and the problem; {@link #problem()} is the
 * problem alone, for a configuration message that names the key itself.
 */
public class CidrFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String text;
  private final String problem;

  /**
   * @param text the text as given (shortened when very long)
   * @param problem what is wrong with it, e.g. {@code prefix 33 is above 32 for IPv4}
   */
  public CidrFormatException(String text, String problem) {
    super("'" + text + "' is not a CIDR: " + problem);
    this.text = text;
    this.problem = problem;
  }

  /** The text that was refused (shortened when very long). */
  public String text() {
    return text;
  }

  /** What is wrong with it. */
  public String problem() {
    return problem;
  }
}
