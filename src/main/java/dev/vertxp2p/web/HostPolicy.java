package dev.vertxp2p.web;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Which {@code Host} and {@code Origin} headers name this dashboard: the answer to DNS rebinding
 * (a foreign name resolving to us) and to pages of other sites sending requests with the user's
 * browser.
 *
 * <p>The dashboard's own names never come from the request. They are:
 * <ul>
 *   <li>always the configured {@code http.host} itself and {@code localhost};
 *   <li>bound to a loopback address or {@code localhost}: also {@code 127.0.0.1} and {@code ::1};
 *   <li>bound to a wildcard ({@code 0.0.0.0}, {@code ::}): also {@code 127.0.0.1}, {@code ::1}
 *       and the literal addresses of the machine's interfaces, read once at start;
 *   <li>the names of {@code http.allowedHosts}.
 * </ul>
 * A built-in name counts only with the bound port. A name of {@code allowedHosts} also counts
 * with the default ports 80 and 443, where a reverse proxy or a port forward serves it. Names
 * compare case-insensitively; IP addresses by value ({@code [0:0::1]} is {@code [::1]}). No name
 * is ever resolved.
 *
 * <p>Immutable; the bound port is read through a supplier, since port 0 picks it at bind time.
 */
final class HostPolicy {
  /** The port a {@code Host} or {@code http:} origin without one means (RFC 9110 section 4.2.1). */
  static final int HTTP_PORT = 80;
  /** The port an {@code https:} origin without one means (RFC 9110 section 4.2.2). */
  static final int HTTPS_PORT = 443;

  private final Set<String> builtIn;
  private final Set<String> allowed;
  private final IntSupplier port;

  private HostPolicy(Set<String> builtIn, Set<String> allowed, IntSupplier port) {
    this.builtIn = Collections.unmodifiableSet(builtIn);
    this.allowed = Collections.unmodifiableSet(allowed);
    this.port = port;
  }

  /**
   * @param boundHost the configured {@code http.host}
   * @param allowedHosts {@code http.allowedHosts}, already validated
   * @param interfaceAddresses the machine's addresses as text, used only when {@code boundHost}
   *     is a wildcard ({@link #interfaceAddresses()} reads them)
   * @param port the bound port, read on every check
   */
  static HostPolicy create(String boundHost, Collection<String> allowedHosts,
      Collection<String> interfaceAddresses, IntSupplier port) {
    Set<String> builtIn = new LinkedHashSet<>();
    String bound = canonical(boundHost);
    builtIn.add(bound);
    builtIn.add("localhost");
    if (isLoopback(bound) || isWildcard(bound)) {
      builtIn.add("127.0.0.1");
      builtIn.add("::1");
    }
    if (isWildcard(bound)) {
      for (String a : interfaceAddresses) {
        builtIn.add(canonical(a));
      }
    }
    Set<String> allowed = new LinkedHashSet<>();
    for (String h : allowedHosts) {
      allowed.add(canonical(h));
    }
    return new HostPolicy(builtIn, allowed, port);
  }

  /** Whether the configured host is a wildcard: then the interfaces' addresses are needed. */
  static boolean isWildcard(String host) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(stripBrackets(host));
    if (ip == null) {
      return false;
    }
    for (byte b : ip) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLoopback(String canonicalHost) {
    if (canonicalHost.equals("localhost")) {
      return true;
    }
    InetAddress a = literal(canonicalHost);
    return a != null && a.isLoopbackAddress();
  }

  /**
   * The literal addresses of every interface that is up, IPv6 without its scope. Reads the
   * operating system's interface table: call it off the event loop.
   */
  static List<String> interfaceAddresses() throws SocketException {
    List<String> out = new ArrayList<>();
    Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
    if (all == null) {
      return out;
    }
    for (NetworkInterface ni : Collections.list(all)) {
      if (!ni.isUp()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        // toAddressString prints the bytes only: no "%eth0" scope, which no Host header carries.
        out.add(NetUtil.toAddressString(a));
      }
    }
    return out;
  }

  /** Whether {@code host} and {@code port} (-1: none given, so 80) name this dashboard. */
  boolean hostAllowed(String host, int port) {
    return host != null && named(canonical(host), port == -1 ? HTTP_PORT : port);
  }

  /**
   * Whether an {@code Origin} header is this dashboard's own: {@code http} or {@code https}, an
   * allowed name and its port, and nothing else (no path, user or query). {@code null} (what a
   * sandboxed or file page sends) is never ours.
   */
  boolean originAllowed(String origin) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    if (scheme == null || uri.getHost() == null || uri.getRawUserInfo() != null
        || uri.getRawQuery() != null || uri.getRawFragment() != null
        || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
      return false;
    }
    int defaultPort;
    switch (scheme.toLowerCase(Locale.ROOT)) {
      case "http" -> defaultPort = HTTP_PORT;
      case "https" -> defaultPort = HTTPS_PORT;
      default -> {
        return false;
      }
    }
    return named(canonical(uri.getHost()), uri.getPort() == -1 ? defaultPort : uri.getPort());
  }

  private boolean named(String name, int p) {
    int bound = port.getAsInt();
    if (builtIn.contains(name)) {
      return p == bound;
    }
    return allowed.contains(name) && (p == bound || p == HTTP_PORT || p == HTTPS_PORT);
  }

  /** What the dashboard answers to, for error messages: {@code 127.0.0.1:8080, localhost:8080}. */
  String expected() {
    int p = port.getAsInt();
    List<String> out = new ArrayList<>();
    for (String h : builtIn) {
      out.add(withPort(h, p));
    }
    for (String h : allowed) {
      out.add(withPort(h, p) + " (or :80, :443)");
    }
    return String.join(", ", out);
  }

  /** The origins a page of this dashboard has, for error messages. */
  String expectedOrigins() {
    int p = port.getAsInt();
    List<String> out = new ArrayList<>();
    for (String h : builtIn) {
      out.add("http://" + withPort(h, p));
    }
    for (String h : allowed) {
      out.add("http(s)://" + h + " (port " + p + " or the default)");
    }
    return String.join(", ", out);
  }

  private static String withPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Lower case, brackets stripped, and an IP address in its one canonical text form. */
  static String canonical(String host) {
    String bare = stripBrackets(host).toLowerCase(Locale.ROOT);
    InetAddress a = literal(bare);
    return a == null ? bare : NetUtil.toAddressString(a);
  }

  /** The address {@code text} spells, or null when it is not an IP literal; never resolves. */
  private static InetAddress literal(String text) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(text);
    if (ip == null) {
      return null;
    }
    try {
      // An IPv4-mapped IPv6 address comes back as the IPv4 one, so both spellings compare equal.
      return InetAddress.getByAddress(ip);
    } catch (UnknownHostException e) {
      return null; // only for a wrong length, which NetUtil never returns
    }
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
        : host;
  }
}
