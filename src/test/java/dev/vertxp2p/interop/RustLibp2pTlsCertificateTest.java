package dev.vertxp2p.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The certificate a {@code @chainsafe/libp2p-quic} 2.1.1 peer presented in a QUIC handshake
 * (its native code generates it with rust-libp2p's libp2p-tls 0.6.2), checked without js. It
 * has an empty issuer and subject, which the spec allows and which the JDK's X.509 parser refuses
 * ("Empty issuer DN not allowed in X509Certificates"): until our check reads such a certificate
 * itself, every QUIC handshake with js fails (see {@link JsQuicInteropTest}).
 */
class RustLibp2pTlsCertificateTest {
  /** DER, captured from js peer {@link #JS_PEER} over /quic-v1; valid from 1975 to 4096. */
  static final String JS_CERTIFICATE =
      "3082018330820129a0030201020214678219c4bf69daa4934c90870cfc21847ab6b4a7300a06082a"
      + "8648ce3d04030230003020170d3735303130313030303030305a180f343039363031303130303030"
      + "30305a30003059301306072a8648ce3d020106082a8648ce3d030107034200042f1bb7fb79118942"
      + "77b5a550de1aa302b4f005095b3ea2c08f911f5ba7f6958d4d84c03709f1e6bf7fa15179dc97447b"
      + "a2b4c52305d798104132c1e067cfca24a37f307d307b060a2b0601040183a25a01010101ff046a30"
      + "680424080112200c6b1fce87429f157091b3d18af9a1cc56c5c6aa19cd8c1b8bff059cd0294caa04"
      + "403b3bdd2413a2758cd0035e829b73dffcfa5000a242effd4bfdaf93eaf9b9cc3fa64b2f72ccdff1"
      + "b4c0487847eb557752ce4e02b5737f77ac2edb2d3b4551fb0d300a06082a8648ce3d040302034800"
      + "304502200f86c4e7a6c3f8682a8cc52b19a292aa008736115403a13ec55598efcab7ee2d022100ad"
      + "4f612c84fa9fe9076c5837c4a5385cda0fe1bc6addb168c7c108671ace0f2e";
  static final String JS_PEER = "12D3KooWAeqoVZGT4uuRd4UtjiQh7uyCdQkWjjtKM27mduZ7G7cm";

  @Test
  void aRustLibp2pTlsCertificateWithEmptyNamesProvesItsPeer() {
    byte[] der = HexFormat.of().parseHex(JS_CERTIFICATE);
    Libp2pTlsCertificate.VerifiedPeer peer = Libp2pTlsCertificate.verify(der, Instant.now());
    assertEquals(PeerId.parse(JS_PEER), peer.peerId());
  }
}
