package dev.vertxp2p;

import dev.vertxp2p.gating.AddressFilter;
import dev.vertxp2p.gating.Cidr;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Dial and accept policy: the {@code "gating"} section of the configuration.
 *
 * <pre>{@code
 * "gating": { "allowAddrs": [], "denyAddrs": [], "denyPeers": [] }
 * }</pre>
 *
 * <ul>
 *   <li>{@code allowAddrs}, {@code denyAddrs}: CIDRs, IPv4 or IPv6 ({@code 10.0.0.0/8}, {@code
 *       2001:db8::/32}, or a bare address for one host); see {@link Cidr} for what is accepted. A
 *       denied address is neither dialled nor accepted; when {@code allowAddrs} is not empty, only
 *       its addresses are. Deny wins over allow.
 *   <li>{@code denyPeers}: peer ids refused right after the handshake.
 * </ul>
 *
 * <p>Every entry is checked here, at configuration time, with its index in the message ({@code
 * gating.denyAddrs[2]: ...}); each list holds at most {@link #MAX_ENTRIES}. The texts are kept as
 * written, so {@link #toJson()} shows the file's own values.
 */
public class GatingOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "gating";

  /** Most entries each list may hold. */
  public static final int MAX_ENTRIES = AddressFilter.MAX_RULES;

  static final Set<String> KEYS = Set.of("allowAddrs", "denyAddrs", "denyPeers");

  private List<String> allowAddrs = List.of();
  private List<String> denyAddrs = List.of();
  private List<String> denyPeers = List.of();

  /** The defaults: every list empty, nothing gated. */
  public GatingOptions() {}

  /** A copy of {@code other}. */
  public GatingOptions(GatingOptions other) {
    allowAddrs = other.allowAddrs;
    denyAddrs = other.denyAddrs;
    denyPeers = other.denyPeers;
  }

  /**
   * From the {@code "gating"} JSON object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public GatingOptions(JsonObject json) {
    Objects.requireNonNull(json, "json");
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setAllowAddrs(ConfigCheck.readStrings(json, "allowAddrs", path("allowAddrs"), allowAddrs,
        "CIDR strings"));
    setDenyAddrs(ConfigCheck.readStrings(json, "denyAddrs", path("denyAddrs"), denyAddrs,
        "CIDR strings"));
    setDenyPeers(ConfigCheck.readStrings(json, "denyPeers", path("denyPeers"), denyPeers,
        "peer id strings"));
  }

  private static String path(String key) {
    return ConfigCheck.join(SECTION, key);
  }

  /** CIDRs that alone may be dialled or accepted when not empty (unmodifiable). */
  public List<String> getAllowAddrs() {
    return allowAddrs;
  }

  /**
   * Sets the allow list.
   *
   * @throws IllegalArgumentException naming {@code gating.allowAddrs[i]} for an entry that is not
   *     a CIDR, or when there are more than {@link #MAX_ENTRIES}
   */
  public GatingOptions setAllowAddrs(List<String> cidrs) {
    ConfigCheck.cidrs(path("allowAddrs"), cidrs, MAX_ENTRIES);
    this.allowAddrs = List.copyOf(cidrs);
    return this;
  }

  /** CIDRs never dialled nor accepted (unmodifiable). */
  public List<String> getDenyAddrs() {
    return denyAddrs;
  }

  /**
   * Sets the deny list.
   *
   * @throws IllegalArgumentException naming {@code gating.denyAddrs[i]} for an entry that is not
   *     a CIDR, or when there are more than {@link #MAX_ENTRIES}
   */
  public GatingOptions setDenyAddrs(List<String> cidrs) {
    ConfigCheck.cidrs(path("denyAddrs"), cidrs, MAX_ENTRIES);
    this.denyAddrs = List.copyOf(cidrs);
    return this;
  }

  /** Peer ids refused right after the handshake (unmodifiable). */
  public List<String> getDenyPeers() {
    return denyPeers;
  }

  /**
   * Sets the denied peers.
   *
   * @throws IllegalArgumentException naming {@code gating.denyPeers[i]} for an entry that is not
   *     a peer id, or when there are more than {@link #MAX_ENTRIES}
   */
  public GatingOptions setDenyPeers(List<String> peers) {
    String path = path("denyPeers");
    if (peers == null) {
      throw ConfigCheck.invalid(path, null, "must be a list of peer ids (empty for none)");
    }
    if (peers.size() > MAX_ENTRIES) {
      throw ConfigCheck.invalid(path, "(" + peers.size() + " entries)", "must have at most "
          + MAX_ENTRIES + " entries");
    }
    for (int i = 0; i < peers.size(); i++) {
      parsePeer(path + "[" + i + "]", peers.get(i));
    }
    this.denyPeers = List.copyOf(peers);
    return this;
  }

  private static PeerId parsePeer(String path, String text) {
    if (text == null) {
      throw ConfigCheck.invalid(path, null, "must be a peer id such as 12D3KooW...");
    }
    try {
      return PeerId.parse(text);
    } catch (RuntimeException e) {
      throw ConfigCheck.invalid(path, text, "must be a peer id such as 12D3KooW...: "
          + e.getMessage());
    }
  }

  /** The address lists as a filter, ready to check addresses. */
  public AddressFilter addressFilter() {
    return new AddressFilter(ConfigCheck.cidrs(path("allowAddrs"), allowAddrs, MAX_ENTRIES),
        ConfigCheck.cidrs(path("denyAddrs"), denyAddrs, MAX_ENTRIES));
  }

  /** The denied peers, parsed (in the order given, without repeats). */
  public Set<PeerId> deniedPeers() {
    Set<PeerId> out = new LinkedHashSet<>();
    for (int i = 0; i < denyPeers.size(); i++) {
      out.add(parsePeer(path("denyPeers") + "[" + i + "]", denyPeers.get(i)));
    }
    return out;
  }

  /** The {@code "gating"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("allowAddrs", new JsonArray(new ArrayList<>(allowAddrs)))
        .put("denyAddrs", new JsonArray(new ArrayList<>(denyAddrs)))
        .put("denyPeers", new JsonArray(new ArrayList<>(denyPeers)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GatingOptions that && allowAddrs.equals(that.allowAddrs)
        && denyAddrs.equals(that.denyAddrs) && denyPeers.equals(that.denyPeers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(allowAddrs, denyAddrs, denyPeers);
  }

  @Override
  public String toString() {
    return "GatingOptions" + toJson().encode();
  }
}
