package dev.vertxp2p;

import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.multiformats.VarintException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A multiaddr: a sequence of (protocol, value) components with a text form ({@code
 * /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...}) and a binary form (per component: varint code, then the
 * value, length-prefixed when the protocol's size is variable), as the multiformats multiaddr spec
 * defines.
 *
 * <p>Immutable. Equality is on the binary form, so {@code /ipfs/Qm..} equals {@code /p2p/Qm..}
 * and a CID-form peer ID equals its base58 form. The only empty multiaddr is {@link #EMPTY}, which
 * operations such as {@link #decapsulate} may return; parsing never yields it.
 */
public final class Multiaddr {
  /** Longest binary multiaddr accepted; real addresses, certhashes included, stay under 300. */
  public static final int MAX_BYTES = 1024;
  /** Longest text multiaddr accepted. */
  public static final int MAX_TEXT_LENGTH = 4096;

  /** The multiaddr with no components. */
  public static final Multiaddr EMPTY = new Multiaddr(List.of(), new byte[0]);

  private final List<Component> components;
  private final byte[] bytes;

  private Multiaddr(List<Component> components, byte[] bytes) {
    this.components = components;
    this.bytes = bytes;
  }

  /** One component: a protocol and its value (text and binary). */
  public static final class Component {
    private final MultiaddrProtocol protocol;
    private final byte[] rawValue;
    private final String value;

    private Component(MultiaddrProtocol protocol, byte[] rawValue, String value) {
      this.protocol = protocol;
      this.rawValue = rawValue;
      this.value = value;
    }

    /**
     * A component from a protocol and its text value (empty for value-less protocols).
     *
     * @throws MultiaddrException if the value is not valid for the protocol
     */
    public static Component of(MultiaddrProtocol protocol, String value) {
      Objects.requireNonNull(protocol, "protocol");
      if (!protocol.hasValue()) {
        if (value != null && !value.isEmpty()) {
          throw new MultiaddrException("/" + protocol + " takes no value, got '" + value + "'");
        }
        return new Component(protocol, new byte[0], "");
      }
      try {
        byte[] raw = protocol.valueToBytes(value);
        return new Component(protocol, raw, protocol.valueToText(raw));
      } catch (IllegalArgumentException | InvalidPeerIdException e) {
        throw new MultiaddrException(
            "invalid value '" + value + "' for /" + protocol + ": " + e.getMessage(), e);
      }
    }

    /** The protocol. */
    public MultiaddrProtocol protocol() {
      return protocol;
    }

    /** The value in canonical text form; empty for value-less protocols. */
    public String value() {
      return value;
    }

    /** A copy of the binary value (without the length prefix). */
    public byte[] rawValue() {
      return rawValue.clone();
    }

    /** {@code /name} or {@code /name/value}. */
    @Override
    public String toString() {
      return protocol.hasValue() ? "/" + protocol.protocolName() + "/" + value : "/" + protocol.protocolName();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.rawValue, rawValue);
    }

    @Override
    public int hashCode() {
      return protocol.hashCode() * 31 + Arrays.hashCode(rawValue);
    }
  }

  /** A host (IP literal or DNS name) and port, as a transport dials them. */
  public record HostPort(MultiaddrProtocol hostProtocol, String host, MultiaddrProtocol transport, int port) {}

  /**
   * Parses the text form. A single trailing '/' is tolerated; "ipfs" is read as "p2p".
   *
   * @throws MultiaddrException naming the offending component and its character position
   */
  public static Multiaddr parse(String text) {
    if (text == null || text.isEmpty() || text.equals("/")) {
      throw new MultiaddrException("empty multiaddr");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new MultiaddrException(
          "multiaddr text of " + text.length() + " characters exceeds the limit of " + MAX_TEXT_LENGTH);
    }
    if (text.charAt(0) != '/') {
      throw new MultiaddrException("multiaddr must start with '/': '" + text + "'");
    }
    int end = text.endsWith("/") ? text.length() - 1 : text.length();
    List<Component> out = new ArrayList<>();
    int pos = 1;
    while (pos <= end) {
      int nameEnd = indexOfSlash(text, pos, end);
      String name = text.substring(pos, nameEnd);
      int index = out.size() + 1;
      if (name.isEmpty()) {
        throw new MultiaddrException(
            "empty protocol name in component " + index + " at character " + pos + " of '" + text + "'");
      }
      MultiaddrProtocol p = MultiaddrProtocol.forName(name);
      if (p == null) {
        throw new UnknownMultiaddrProtocolException("unknown protocol '" + name + "' in component " + index
            + " at character " + pos + " of '" + text + "'");
      }
      if (!p.hasValue()) {
        out.add(new Component(p, new byte[0], ""));
        pos = nameEnd + 1;
        continue;
      }
      if (nameEnd >= end) {
        throw new MultiaddrException("missing value for /" + name + " in component " + index
            + " at character " + pos + " of '" + text + "'");
      }
      int valueStart = nameEnd + 1;
      int valueEnd = indexOfSlash(text, valueStart, end);
      String value = text.substring(valueStart, valueEnd);
      if (value.isEmpty()) {
        throw new MultiaddrException("empty value for /" + name + " in component " + index
            + " at character " + valueStart + " of '" + text + "'");
      }
      try {
        byte[] raw = p.valueToBytes(value);
        out.add(new Component(p, raw, p.valueToText(raw)));
      } catch (IllegalArgumentException | InvalidPeerIdException e) {
        throw new MultiaddrException("invalid value '" + value + "' for /" + name + " in component "
            + index + " at character " + valueStart + " of '" + text + "': " + e.getMessage(), e);
      }
      pos = valueEnd + 1;
    }
    return of(out);
  }

  private static int indexOfSlash(String s, int from, int end) {
    int i = s.indexOf('/', from);
    return i < 0 || i > end ? end : i;
  }

  /**
   * Decodes the binary form.
   *
   * @throws MultiaddrException for empty or oversized input, a bad or unknown protocol code, a
   *     truncated value or an invalid value, naming the byte offset
   */
  public static Multiaddr fromBytes(byte[] bytes) {
    if (bytes.length == 0) {
      throw new MultiaddrException("empty multiaddr");
    }
    if (bytes.length > MAX_BYTES) {
      throw new MultiaddrException(
          "multiaddr of " + bytes.length + " bytes exceeds the limit of " + MAX_BYTES);
    }
    List<Component> out = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.length) {
      int start = pos;
      int index = out.size() + 1;
      UnsignedVarint.Decoded code;
      try {
        code = UnsignedVarint.decode(bytes, pos, bytes.length);
      } catch (VarintException e) {
        throw new MultiaddrException("bad protocol code in component " + index + " at byte offset "
            + start + ": " + e.getMessage(), e);
      }
      MultiaddrProtocol p = MultiaddrProtocol.forCode(code.value());
      if (p == null) {
        throw new UnknownMultiaddrProtocolException("unknown protocol code " + code.value() + " in component "
            + index + " at byte offset " + start);
      }
      pos += code.length();
      int size = p.fixedValueBytes();
      if (size < 0) {
        UnsignedVarint.Decoded len;
        try {
          len = UnsignedVarint.decode(bytes, pos, bytes.length);
        } catch (VarintException e) {
          throw new MultiaddrException("bad value length of /" + p + " in component " + index
              + " at byte offset " + pos + ": " + e.getMessage(), e);
        }
        pos += len.length();
        // Check the declared length against what is present before slicing.
        if (len.value() > bytes.length - pos) {
          throw new MultiaddrException("truncated /" + p + " in component " + index + " at byte offset "
              + start + ": value declares " + len.value() + " bytes, " + (bytes.length - pos) + " present");
        }
        size = (int) len.value();
      } else if (size > bytes.length - pos) {
        throw new MultiaddrException("truncated /" + p + " in component " + index + " at byte offset "
            + start + ": needs " + size + " value bytes, " + (bytes.length - pos) + " present");
      }
      byte[] raw = Arrays.copyOfRange(bytes, pos, pos + size);
      String text;
      try {
        text = p.valueToText(raw);
      } catch (IllegalArgumentException | InvalidPeerIdException e) {
        throw new MultiaddrException("invalid /" + p + " value in component " + index
            + " at byte offset " + start + ": " + e.getMessage(), e);
      }
      out.add(new Component(p, raw, text));
      pos += size;
    }
    checkTextLength(out);
    return new Multiaddr(Collections.unmodifiableList(out), bytes.clone());
  }

  /**
   * The multiaddr made of {@code components} in order (empty list gives {@link #EMPTY}).
   *
   * @throws MultiaddrException if its binary form exceeds {@link #MAX_BYTES}
   */
  public static Multiaddr of(List<Component> components) {
    if (components.isEmpty()) {
      return EMPTY;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Component c : components) {
      out.writeBytes(UnsignedVarint.encode(c.protocol.code()));
      if (c.protocol.fixedValueBytes() < 0) {
        out.writeBytes(UnsignedVarint.encode(c.rawValue.length));
      }
      out.writeBytes(c.rawValue);
    }
    // The same bound as fromBytes: an address we build (parse, encapsulate) must be one we and
    // our peers would accept back in binary form.
    if (out.size() > MAX_BYTES) {
      throw new MultiaddrException(
          "multiaddr of " + out.size() + " bytes in binary form exceeds the limit of " + MAX_BYTES);
    }
    checkTextLength(components);
    return new Multiaddr(List.copyOf(components), out.toByteArray());
  }

  /**
   * Both forms are bounded, and every multiaddr we hold is within both, so its text parses back
   * and its bytes decode back. The text can be four times the binary form and more (five bytes of
   * {@code /ip4} print as up to 20 characters, a two-byte code such as {@code /webrtc-direct} as
   * 14), so a binary address within {@link #MAX_BYTES} may still print too long.
   */
  private static void checkTextLength(List<Component> components) {
    long length = 0;
    for (Component c : components) {
      length += 1 + c.protocol.protocolName().length()
          + (c.protocol.hasValue() ? 1 + c.value.length() : 0);
    }
    if (length > MAX_TEXT_LENGTH) {
      throw new MultiaddrException("multiaddr prints as " + length
          + " characters of text, over the limit of " + MAX_TEXT_LENGTH);
    }
  }

  /** The components, outermost first (unmodifiable). */
  public List<Component> components() {
    return components;
  }

  /** The protocols in order. */
  public List<MultiaddrProtocol> protocols() {
    List<MultiaddrProtocol> ps = new ArrayList<>(components.size());
    for (Component c : components) {
      ps.add(c.protocol);
    }
    return ps;
  }

  /** Whether any component uses {@code protocol}. */
  public boolean has(MultiaddrProtocol protocol) {
    for (Component c : components) {
      if (c.protocol == protocol) {
        return true;
      }
    }
    return false;
  }

  /** The text value of the first component with {@code protocol}. */
  public Optional<String> valueOf(MultiaddrProtocol protocol) {
    for (Component c : components) {
      if (c.protocol == protocol) {
        return Optional.of(c.value);
      }
    }
    return Optional.empty();
  }

  /** Whether this is {@link #EMPTY}. */
  public boolean isEmpty() {
    return components.isEmpty();
  }

  /** A copy of the binary form. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** {@code this} followed by {@code inner}. */
  public Multiaddr encapsulate(Multiaddr inner) {
    List<Component> all = new ArrayList<>(components);
    all.addAll(inner.components);
    return of(all);
  }

  /**
   * Everything before the last occurrence of {@code suffix}'s components (component by component,
   * as go-multiaddr decapsulates); {@code this} when they do not occur.
   */
  public Multiaddr decapsulate(Multiaddr suffix) {
    int k = suffix.components.size();
    if (k == 0) {
      return this;
    }
    for (int i = components.size() - k; i >= 0; i--) {
      if (components.subList(i, i + k).equals(suffix.components)) {
        return of(components.subList(0, i));
      }
    }
    return this;
  }

  /** Everything before the last component with {@code protocol}; {@code this} if there is none. */
  public Multiaddr decapsulate(MultiaddrProtocol protocol) {
    for (int i = components.size() - 1; i >= 0; i--) {
      if (components.get(i).protocol == protocol) {
        return of(components.subList(0, i));
      }
    }
    return this;
  }

  /**
   * The peer ID of a trailing {@code /p2p} component (for a relayed address, the target's); empty
   * when the last component is something else.
   */
  public Optional<PeerId> peerId() {
    if (components.isEmpty()) {
      return Optional.empty();
    }
    Component last = components.get(components.size() - 1);
    return last.protocol == MultiaddrProtocol.P2P
        ? Optional.of(PeerId.fromBytes(last.rawValue))
        : Optional.empty();
  }

  /** This address without its trailing {@code /p2p} component, if it has one. */
  public Multiaddr withoutPeerId() {
    if (peerId().isEmpty()) {
      return this;
    }
    return of(components.subList(0, components.size() - 1));
  }

  /**
   * This address ending in {@code /p2p/<peer>}.
   *
   * @throws IllegalArgumentException if it already ends in a different peer ID
   */
  public Multiaddr withPeerId(PeerId peer) {
    Optional<PeerId> existing = peerId();
    if (existing.isPresent()) {
      if (existing.get().equals(peer)) {
        return this;
      }
      throw new IllegalArgumentException(
          "multiaddr " + this + " already ends in peer ID " + existing.get() + ", not " + peer);
    }
    List<Component> all = new ArrayList<>(components);
    all.add(new Component(MultiaddrProtocol.P2P, peer.bytes(), peer.toBase58()));
    return of(all);
  }

  /**
   * Host and port when the address starts with an IP or DNS component ({@code ip4, ip6, dns,
   * dns4, dns6}) followed by {@code tcp} or {@code udp}.
   */
  public Optional<HostPort> hostPort() {
    if (components.size() < 2) {
      return Optional.empty();
    }
    Component h = components.get(0);
    Component t = components.get(1);
    if (!isHost(h.protocol)
        || (t.protocol != MultiaddrProtocol.TCP && t.protocol != MultiaddrProtocol.UDP)) {
      return Optional.empty();
    }
    return Optional.of(new HostPort(h.protocol, h.value, t.protocol, Integer.parseInt(t.value)));
  }

  /** The first component's value when it is an IP or DNS host. */
  public Optional<String> host() {
    return components.isEmpty() || !isHost(components.get(0).protocol)
        ? Optional.empty()
        : Optional.of(components.get(0).value);
  }

  /** The port of the second component when the address is host + tcp/udp. */
  public OptionalInt port() {
    return hostPort().map(hp -> OptionalInt.of(hp.port())).orElse(OptionalInt.empty());
  }

  private static boolean isHost(MultiaddrProtocol p) {
    return switch (p) {
      case IP4, IP6, DNS, DNS4, DNS6 -> true;
      default -> false;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multiaddr m && Arrays.equals(m.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The canonical text form; "" for {@link #EMPTY}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Component c : components) {
      sb.append(c);
    }
    return sb.toString();
  }
}
