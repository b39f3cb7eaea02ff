package dev.vertxp2p;

import dev.vertxp2p.gating.IpText;
import dev.vertxp2p.multiformats.Multibase;
import dev.vertxp2p.multiformats.MultiformatException;
import dev.vertxp2p.multiformats.Multihash;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The multiaddr protocols this implementation reads and writes, with their codes and value sizes
 * from the multiformats multiaddr table (protocols.csv).
 */
public enum MultiaddrProtocol {
  IP4(4, "ip4", Kind.IP4),
  TCP(6, "tcp", Kind.PORT),
  DCCP(33, "dccp", Kind.PORT),
  IP6(41, "ip6", Kind.IP6),
  IP6ZONE(42, "ip6zone", Kind.NAME),
  IPCIDR(43, "ipcidr", Kind.BYTE),
  DNS(53, "dns", Kind.NAME),
  DNS4(54, "dns4", Kind.NAME),
  DNS6(55, "dns6", Kind.NAME),
  DNSADDR(56, "dnsaddr", Kind.NAME),
  SCTP(132, "sctp", Kind.PORT),
  UDP(273, "udp", Kind.PORT),
  WEBRTC_DIRECT(280, "webrtc-direct", Kind.NONE),
  WEBRTC(281, "webrtc", Kind.NONE),
  P2P_CIRCUIT(290, "p2p-circuit", Kind.NONE),
  P2P(421, "p2p", Kind.P2P),
  HTTPS(443, "https", Kind.NONE),
  TLS(448, "tls", Kind.NONE),
  SNI(449, "sni", Kind.NAME),
  NOISE(454, "noise", Kind.NONE),
  QUIC(460, "quic", Kind.NONE),
  QUIC_V1(461, "quic-v1", Kind.NONE),
  WEBTRANSPORT(465, "webtransport", Kind.NONE),
  CERTHASH(466, "certhash", Kind.CERTHASH),
  WS(477, "ws", Kind.NONE),
  WSS(478, "wss", Kind.NONE),
  HTTP(480, "http", Kind.NONE);

  /** protocols.csv: "ipfs" is the legacy name of p2p (same code 421). */
  private static final String LEGACY_P2P_NAME = "ipfs";

  /** RFC 1035 section 2.3.4: a domain name is at most 255 octets; also caps zone and SNI text. */
  public static final int MAX_NAME_BYTES = 255;

  private static final Map<String, MultiaddrProtocol> BY_NAME = new HashMap<>();
  private static final Map<Integer, MultiaddrProtocol> BY_CODE = new HashMap<>();

  static {
    for (MultiaddrProtocol p : values()) {
      BY_NAME.put(p.protocolName, p);
      BY_CODE.put(p.code, p);
    }
    BY_NAME.put(LEGACY_P2P_NAME, P2P);
  }

  private final int code;
  private final String protocolName;
  private final Kind kind;

  MultiaddrProtocol(int code, String protocolName, Kind kind) {
    this.code = code;
    this.protocolName = protocolName;
    this.kind = kind;
  }

  /** The multicodec code. */
  public int code() {
    return code;
  }

  /** The text name ("ip4", "quic-v1"). */
  public String protocolName() {
    return protocolName;
  }

  /** Whether a value follows the protocol name / code. */
  public boolean hasValue() {
    return kind != Kind.NONE;
  }

  /** Value size in bytes when fixed, -1 when length-prefixed, 0 when there is no value. */
  public int fixedValueBytes() {
    return kind.fixedBytes;
  }

  /** The protocol named {@code name} (including legacy "ipfs"), or null. */
  public static MultiaddrProtocol forName(String name) {
    return BY_NAME.get(name);
  }

  /** The protocol with {@code code}, or null. */
  public static MultiaddrProtocol forCode(long code) {
    return code > Integer.MAX_VALUE || code < 0 ? null : BY_CODE.get((int) code);
  }

  /** The binary value of text {@code value}; IllegalArgumentException with the reason if bad. */
  byte[] valueToBytes(String value) {
    return kind.toBytes(value);
  }

  /** Checks a binary value and renders it as text; IllegalArgumentException if bad. */
  String valueToText(byte[] value) {
    return kind.toText(value);
  }

  @Override
  public String toString() {
    return protocolName;
  }

  private enum Kind {
    NONE(0),
    IP4(4),
    IP6(16),
    PORT(2),
    BYTE(1),
    NAME(-1),
    P2P(-1),
    CERTHASH(-1);

    final int fixedBytes;

    Kind(int fixedBytes) {
      this.fixedBytes = fixedBytes;
    }

    byte[] toBytes(String v) {
      return switch (this) {
        case NONE -> new byte[0];
        case IP4 -> IpText.parseIp4(v);
        case IP6 -> IpText.parseIp6(v);
        case PORT -> {
          int port = parseDecimal(v, 65535, "port");
          yield new byte[] {(byte) (port >>> 8), (byte) port};
        }
        case BYTE -> new byte[] {(byte) parseDecimal(v, 255, "value")};
        case NAME -> {
          if (v.indexOf('/') >= 0) {
            throw new IllegalArgumentException("'/' is not allowed in a name");
          }
          byte[] b = v.getBytes(StandardCharsets.UTF_8);
          checkName(b);
          yield b;
        }
        case P2P -> PeerId.parse(v).bytes();
        case CERTHASH -> {
          try {
            byte[] b = Multibase.decode(v);
            Multihash.decode(b);
            yield b;
          } catch (MultiformatException e) {
            throw new IllegalArgumentException("not a multibase multihash: " + e.getMessage(), e);
          }
        }
      };
    }

    String toText(byte[] b) {
      return switch (this) {
        case NONE -> "";
        case IP4 -> IpText.formatIp4(b);
        case IP6 -> IpText.formatIp6(b);
        case PORT -> Integer.toString(((b[0] & 0xFF) << 8) | (b[1] & 0xFF));
        case BYTE -> Integer.toString(b[0] & 0xFF);
        case NAME -> {
          checkName(b);
          String s;
          try {
            s = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(b)).toString();
          } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("name is not valid UTF-8", e);
          }
          if (s.indexOf('/') >= 0) {
            throw new IllegalArgumentException("'/' is not allowed in a name");
          }
          yield s;
        }
        case P2P -> PeerId.fromBytes(b).toBase58();
        case CERTHASH -> {
          try {
            Multihash.decode(b);
          } catch (MultiformatException e) {
            throw new IllegalArgumentException("not a multihash: " + e.getMessage(), e);
          }
          // go-multiaddr renders certhashes as base64url multibase; so do we.
          yield Multibase.encode(Multibase.Base.BASE64URL, b);
        }
      };
    }

    private static void checkName(byte[] b) {
      if (b.length == 0) {
        throw new IllegalArgumentException("empty name");
      }
      if (b.length > MAX_NAME_BYTES) {
        throw new IllegalArgumentException(
            "name of " + b.length + " bytes exceeds the limit of " + MAX_NAME_BYTES);
      }
    }

    private static int parseDecimal(String v, int max, String what) {
      if (v.isEmpty() || v.length() > 5) {
        throw new IllegalArgumentException(what + " '" + v + "' is not a number in 0.." + max);
      }
      int n = 0;
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c < '0' || c > '9') {
          throw new IllegalArgumentException(what + " '" + v + "' is not a number in 0.." + max);
        }
        n = n * 10 + (c - '0');
      }
      if (n > max) {
        throw new IllegalArgumentException(what + " " + n + " is out of range 0.." + max);
      }
      return n;
    }
  }
}
