package dev.vertxp2p.gating;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The address allow and deny lists ({@code gating.allowAddrs}, {@code gating.denyAddrs}).
 * Immutable, so any thread may use it.
 *
 * <p>Deny wins: an address in a deny CIDR is denied even when an allow CIDR holds it too. When
 * the allow list is not empty, an address in none of its CIDRs is denied. Each list holds at most
 * {@link #MAX_RULES} CIDRs, checked in order (a linear scan, bounded by that).
 */
public final class AddressFilter {

  /** Most CIDRs per list: far more than a hand-written configuration holds. */
  public static final int MAX_RULES = 1024;

  /** The rule text of a denial by a non-empty allow list that did not match. */
  public static final String NOT_ALLOWED_RULE = "allowAddrs (not in any)";

  /** No lists: every address is allowed. */
  public static final AddressFilter ALLOW_ALL = new AddressFilter(List.of(), List.of());

  private final List<Cidr> allow;
  private final List<Cidr> deny;

  /**
   * @throws IllegalArgumentException when a list holds more than {@link #MAX_RULES} CIDRs or a
   *     null
   */
  public AddressFilter(List<Cidr> allow, List<Cidr> deny) {
    this.allow = copy("allowAddrs", allow);
    this.deny = copy("denyAddrs", deny);
  }

  private static List<Cidr> copy(String name, List<Cidr> list) {
    Objects.requireNonNull(list, name);
    if (list.size() > MAX_RULES) {
      throw new IllegalArgumentException(name + " holds " + list.size() + " CIDRs, more than "
          + MAX_RULES);
    }
    for (Cidr c : list) {
      Objects.requireNonNull(c, name + " holds a null");
    }
    return List.copyOf(list);
  }

  /**
   * From CIDR texts.
   *
   * @throws CidrFormatException for a text that is not a CIDR
   */
  public static AddressFilter parse(List<String> allow, List<String> deny) {
    return new AddressFilter(parseAll(allow), parseAll(deny));
  }

  /** Parses each text. @throws CidrFormatException for a text that is not a CIDR */
  public static List<Cidr> parseAll(List<String> texts) {
    List<Cidr> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(Cidr.parse(t));
    }
    return out;
  }

  /** The allow list. */
  public List<Cidr> allow() {
    return allow;
  }

  /** The deny list. */
  public List<Cidr> deny() {
    return deny;
  }

  /**
   * Whether an address (4 or 16 bytes; IPv4-mapped IPv6 is IPv4) may be dialled or accepted.
   *
   * @throws IllegalArgumentException unless 4 or 16 bytes
   */
  public Decision check(byte[] ip) {
    byte[] a = Cidr.unmap(ip);
    for (Cidr c : deny) {
      if (c.contains(a)) {
        return Decision.denied("denyAddrs " + c);
      }
    }
    if (allow.isEmpty()) {
      return Decision.ALLOWED;
    }
    for (Cidr c : allow) {
      if (c.contains(a)) {
        return Decision.ALLOWED;
      }
    }
    return Decision.denied(NOT_ALLOWED_RULE);
  }

  /** Same as {@link #check(byte[])} on the address's bytes; no lookup is made. */
  public Decision check(InetAddress address) {
    return check(address.getAddress());
  }

  /**
   * Checks a multiaddr by its text (canonical, as {@code Multiaddr.toString()} gives it) on its
   * leading IP component ({@link MultiaddrIp}):
   *
   * <ul>
   *   <li>{@code /ip4/..} and {@code /ip6/..} (after an optional {@code /ip6zone/..}): as {@link
   *       #check(byte[])};
   *   <li>{@code /dns/..}, {@code /dns4/..}, {@code /dns6/..}, {@code /dnsaddr/..}: {@link
   *       Verdict#UNRESOLVED}. No name is resolved here: the dialer resolves it and checks each
   *       address it gets with {@link #check(byte[])} before dialling it;
   *   <li>anything else (a relay-only or unix address): no CIDR can hold it, so it is allowed when
   *       the allow list is empty and denied ({@link #NOT_ALLOWED_RULE}) when it is not.
   * </ul>
   *
   * @throws IllegalArgumentException when an ip4/ip6 value is not an address
   */
  public Decision checkMultiaddr(String multiaddr) {
    MultiaddrIp leading = MultiaddrIp.of(multiaddr);
    return switch (leading.kind()) {
      case IP -> check(leading.ip());
      case DNS -> Decision.UNRESOLVED_NAME;
      case NONE -> allow.isEmpty() ? Decision.ALLOWED : Decision.denied(NOT_ALLOWED_RULE);
    };
  }

  /** The outcome of a check. */
  public enum Verdict {
    ALLOWED,
    DENIED,
    /** A DNS name: resolve it, then check each address. */
    UNRESOLVED
  }

  /**
   * A check's outcome, with the rule that denied (null unless denied).
   *
   * @param verdict allowed, denied or unresolved
   * @param rule the matching rule's text for a denial, e.g. {@code denyAddrs 10.0.0.0/8}
   */
  public record Decision(Verdict verdict, String rule) {
    /** Allowed. */
    public static final Decision ALLOWED = new Decision(Verdict.ALLOWED, null);
    /** A name to resolve first. */
    public static final Decision UNRESOLVED_NAME = new Decision(Verdict.UNRESOLVED, null);

    public Decision {
      Objects.requireNonNull(verdict, "verdict");
      if ((verdict == Verdict.DENIED) != (rule != null)) {
        throw new IllegalArgumentException("a denial, and only a denial, names its rule");
      }
    }

    /** Denied by {@code rule}. */
    public static Decision denied(String rule) {
      return new Decision(Verdict.DENIED, rule);
    }

    public boolean isAllowed() {
      return verdict == Verdict.ALLOWED;
    }

    public boolean isDenied() {
      return verdict == Verdict.DENIED;
    }

    /**
     * The refusal for a denial.
     *
     * @param subject what was refused (an address), for the message
     * @throws IllegalStateException unless denied
     */
    public Refusal toRefusal(String subject) {
      if (!isDenied()) {
        throw new IllegalStateException("not denied: " + verdict);
      }
      return Refusal.gating(rule, subject);
    }
  }
}
