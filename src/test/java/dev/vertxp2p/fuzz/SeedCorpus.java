package dev.vertxp2p.fuzz;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.proto.multistream.Multistream;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseHandshakePayload;
import dev.vertxp2p.proto.yamux.YamuxFrame;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.protocols.IdentifyCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the committed seed corpus of the fuzz targets: valid messages from the specs (and the
 * deterministic Noise transcript of {@link NoisePeers}), plus truncated and altered copies. Run it
 * with {@code fuzz/seeds.sh} after changing a target's input layout; the seeds are committed.
 *
 * <p>Targets taking a FuzzedDataProvider read byte arrays from the front and numbers and booleans
 * from the back, so a seed of wire bytes followed by the control bytes the target reads first
 * (role, config) feeds those wire bytes one byte per chunk.
 */
public final class SeedCorpus {
  private final Path root;

  private SeedCorpus(Path root) {
    this.root = root;
  }

  public static void main(String[] args) throws IOException {
    new SeedCorpus(Path.of(args.length > 0 ? args[0] : "src/test/resources")).writeAll();
  }

  private void put(String testClass, String method, String name, byte[] bytes) throws IOException {
    Path dir = root.resolve("dev/vertxp2p/fuzz").resolve(testClass + "Inputs").resolve(method);
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), bytes);
  }

  private void putWithTruncations(String cls, String method, String name, byte[] b)
      throws IOException {
    put(cls, method, name, b);
    if (b.length > 1) {
      put(cls, method, name + "-truncated", Arrays.copyOf(b, b.length - 1));
      put(cls, method, name + "-half", Arrays.copyOf(b, b.length / 2));
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.toLowerCase());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private void writeAll() throws IOException {
    tls();
    // --- multiaddr (multiaddr spec examples and the transports libp2p dials)
    String[] addrs = {
      "/ip4/127.0.0.1/tcp/4001",
      "/ip6/::1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
      "/dns4/example.com/tcp/443/wss",
      "/ip4/1.2.3.4/udp/4001/quic-v1",
      "/ip4/127.0.0.1/tcp/4001/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
      "/unix/tmp%2Fsocket",
    };
    for (int i = 0; i < addrs.length; i++) {
      put("MultiaddrFuzzTest", "parseText", "valid-" + i, utf8(addrs[i]));
      try {
        putWithTruncations("MultiaddrFuzzTest", "fromBytes", "valid-" + i,
            Multiaddr.parse(addrs[i]).bytes());
      } catch (dev.vertxp2p.MultiaddrException unsupported) {
        // this build does not know the protocol: the text seed still exercises the error path
      }
    }
    put("MultiaddrFuzzTest", "parseText", "bad-port", utf8("/ip4/127.0.0.1/tcp/65536"));
    put("MultiaddrFuzzTest", "parseText", "missing-value", utf8("/ip4"));

    // --- keys (peer-ids spec test vectors)
    String[][] keys = {
      {"unmarshalPrivateKey", "ed25519",
        "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"},
      {"unmarshalPublicKey", "ed25519",
        "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"},
      {"unmarshalPublicKey", "secp256k1",
        "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99"},
    };
    for (String[] k : keys) {
      putWithTruncations("KeysFuzzTest", k[0], k[1], hex(k[2]));
    }
    for (String line : Files.readAllLines(Path.of("src/test/java/dev/vertxp2p/crypto/KeysTest.java"))) {
      String t = line.trim();
      // the ECDSA and RSA vectors of the spec, as the keys test holds them
      if (t.startsWith("\"0803125b") || t.startsWith("\"080012a6")) {
        String h = t.substring(1, t.indexOf('"', 1));
        putWithTruncations("KeysFuzzTest", "unmarshalPublicKey",
            h.startsWith("0803") ? "ecdsa" : "rsa", hex(h));
      }
    }

    // --- peer IDs (peer-ids spec: base58 of sha256 and identity multihashes, CIDv1)
    String[] ids = {
      "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
      "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
      "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
    };
    for (int i = 0; i < ids.length; i++) {
      put("PeerIdFuzzTest", "parse", "valid-" + i, utf8(ids[i]));
      putWithTruncations("PeerIdFuzzTest", "fromBytes", "valid-" + i, PeerId.parse(ids[i]).bytes());
    }

    // --- protobufs
    byte[] identityKey = Ed25519PrivateKey.fromSeed(NoisePeers.fill(7)).publicKey().marshal();
    byte[] payload = new NoiseHandshakePayload(identityKey, new byte[64],
        List.of(new byte[] {0x12, 0x20, 1, 2}), List.of("/yamux/1.0.0", "/mplex/6.7.0"), true)
        .encode();
    putWithTruncations("ProtobufFuzzTest", "noiseHandshakePayload", "full", payload);
    put("ProtobufFuzzTest", "noiseHandshakePayload", "no-extensions",
        NoiseHandshakePayload.of(identityKey, new byte[64], List.of()).encode());
    byte[] identify = IdentifyCodec.encode(new IdentifyMessage("ipfs/0.1.0",
        "vertx-libp2p-swarm/0.1.0", identityKey,
        List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001").bytes()),
        Multiaddr.parse("/ip4/1.2.3.4/tcp/55000").bytes(),
        List.of("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/yamux/1.0.0"), null));
    putWithTruncations("ProtobufFuzzTest", "identifyMessage", "full", identify);

    // --- identify streams: framed messages, then the chunking read from the back: a last byte
    // of 0 feeds the stream in one chunk; {0, 0, 1} in one-byte chunks
    byte[] oneChunk = {0};
    byte[] byteWise = {0, 0, 1};
    IdentifyMessage split = new IdentifyMessage(null, null, null, List.of(), null, List.of(),
        new byte[] {1, 2, 3});
    byte[] twoParts = concat(framedIdentify(identify), framedIdentify(IdentifyCodec.encode(split)));
    putWithTruncations("IdentifyFuzzTest", "raw", "two-parts", concat(twoParts, oneChunk));
    put("IdentifyFuzzTest", "raw", "two-parts-bytewise", concat(twoParts, byteWise));
    int most = IdentifyMessage.MAX_MESSAGES_PER_STREAM;
    put("IdentifyFuzzTest", "raw", "ten-empty", concat(new byte[most], oneChunk));
    put("IdentifyFuzzTest", "raw", "eleven-empty", concat(new byte[most + 1], oneChunk));
    byte[] emptyEntries = new byte[2 * (IdentifyMessage.MAX_PROTOCOLS + 1)];
    for (int i = 0; i < emptyEntries.length; i += 2) {
      emptyEntries[i] = 0x1a; // protocols, length 0
    }
    put("IdentifyFuzzTest", "raw", "empty-protocols",
        concat(framedIdentify(emptyEntries), oneChunk));
    put("IdentifyFuzzTest", "structured", "empty", new byte[0]);
    byte[] letters = new byte[256];
    Arrays.fill(letters, (byte) 'a');
    put("IdentifyFuzzTest", "structured", "letters", letters);

    // --- multistream (connections spec: header, proposal, echo / na, ls)
    byte[] header = Multistream.encodeMessage(Multistream.PROTOCOL_ID);
    byte[] dialer = concat(header, Multistream.encodeMessage("/yamux/1.0.0"), utf8("pipelined"));
    putWithTruncations("MultistreamFuzzTest", "responder", "propose-yamux", dialer);
    put("MultistreamFuzzTest", "responder", "ls-then-na",
        concat(header, Multistream.encodeMessage("ls"), Multistream.encodeMessage("/nope/1")));
    put("MultistreamFuzzTest", "initiator", "na-then-accept",
        concat(header, Multistream.encodeMessage("na"), Multistream.encodeMessage("/mplex/6.7.0")));
    putWithTruncations("MultistreamFuzzTest", "initiator", "accept",
        concat(header, Multistream.encodeMessage("/yamux/1.0.0")));
    put("MultistreamFuzzTest", "structured", "empty", new byte[0]);

    // --- Noise: the deterministic transcript
    NoiseHandshake init = NoisePeers.initiator();
    NoiseHandshake resp = NoisePeers.responder();
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    init.receive(m2, 0, m2.length);
    byte[] m3 = init.pollOutbound();
    resp.receive(m3, 0, m3.length);
    byte[] transport = init.session().encrypt(utf8("hello"), 0, 5);
    putWithTruncations("NoiseFuzzTest", "responder", "message1", m1);
    put("NoiseFuzzTest", "responder", "message1-and-3", concat(m1, m3));
    putWithTruncations("NoiseFuzzTest", "responderAfterMessage1", "message3", m3);
    put("NoiseFuzzTest", "responderAfterMessage1", "message3-and-data", concat(m3, transport));
    putWithTruncations("NoiseFuzzTest", "deferredResponderAfterMessage1", "message3", m3);
    put("NoiseFuzzTest", "deferredResponderAfterMessage1", "message3-and-data",
        concat(m3, transport));
    putWithTruncations("NoiseFuzzTest", "initiator", "message2", m2);
    byte[] bad = m2.clone();
    bad[bad.length - 1] ^= 1;
    put("NoiseFuzzTest", "initiator", "message2-bad-tag", bad);
    put("NoiseFuzzTest", "session", "empty", new byte[0]);
    put("NoiseFuzzTest", "forgedIdentity", "empty", new byte[0]);
    // forgedIdentity: key (its length in the 2 bytes before the last two), signature (the rest),
    // no muxer list, the forger initiating: a real key with a genuine signature over the forger's
    // static key, and the same key with a signature it never made.
    byte[] claimed = NoisePeers.CLAIMED_IDENTITY.publicKey().marshal();
    byte[] genuine = NoisePeers.CLAIMED_IDENTITY.sign(
        NoisePeers.signedData(NoisePeers.staticPublicKey(0x51)));
    byte[] tail = {(byte) claimed.length, 0, 0, 1};
    put("NoiseFuzzTest", "forgedIdentity", "genuine-key-and-signature",
        concat(claimed, genuine, tail));
    byte[] wrong = new byte[genuine.length];
    Arrays.fill(wrong, (byte) 0xab);
    put("NoiseFuzzTest", "forgedIdentity", "real-key-wrong-signature", concat(claimed, wrong, tail));
    // claimedIdentity reads its choices from the back: role, signature source (0 genuine, 1
    // replayed, 2 fuzzed), then what each needs, flips, truncation. Empty: the genuine signature.
    put("NoiseFuzzTest", "claimedIdentity", "empty", new byte[0]);
    put("NoiseFuzzTest", "claimedIdentity", "replayed", new byte[] {1, 0, 7, 1, 0});
    put("NoiseFuzzTest", "claimedIdentity", "genuine-one-byte-altered",
        new byte[] {1, 0x40, 0x20, 1, 0, 1});
    put("NoiseFuzzTest", "claimedIdentity", "genuine-truncated", new byte[] {0x20, 7, 0, 0, 1});
    byte[] fuzzedSignature = new byte[64 + 5];
    Arrays.fill(fuzzedSignature, 0, 64, (byte) 0xab);
    System.arraycopy(new byte[] {1, 0, 0x40, 2, 0}, 0, fuzzedSignature, 64, 5);
    put("NoiseFuzzTest", "claimedIdentity", "fuzzed-64-bytes", fuzzedSignature);

    // --- muxers: wire bytes, then the control bytes read from the back: role, config (0 =
    // defaults), and the driver's first "hand data back" choice
    byte[] yamux = concat(
        YamuxFrame.header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0),
        YamuxFrame.header(YamuxFrame.TYPE_DATA, 0, 1, 5), utf8("hello"),
        YamuxFrame.header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, 42),
        YamuxFrame.header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_FIN, 1, 0),
        YamuxFrame.header(YamuxFrame.TYPE_GO_AWAY, 0, 0, 0));
    put("YamuxFuzzTest", "raw", "responder-session", concat(yamux, new byte[] {1, 0, 0}));
    put("YamuxFuzzTest", "raw", "responder-truncated",
        concat(Arrays.copyOf(yamux, 20), new byte[] {1, 0, 0}));
    put("YamuxFuzzTest", "raw", "initiator-odd-syn", concat(yamux, new byte[] {1, 0, 1}));
    put("YamuxFuzzTest", "structured", "empty", new byte[0]);
    byte[] mplex = concat(
        new byte[] {0x08, 0x01, 'a'}, // NewStream id 1 named "a"
        new byte[] {0x0a, 0x05}, utf8("hello"), // MessageInitiator id 1
        new byte[] {0x0c, 0x00}, // CloseInitiator id 1
        new byte[] {0x0e, 0x00}); // ResetInitiator id 1
    put("MplexFuzzTest", "raw", "session", concat(mplex, new byte[] {1, 0, 0}));
    put("MplexFuzzTest", "raw", "session-initiator", concat(mplex, new byte[] {1, 0, 1}));
    put("MplexFuzzTest", "raw", "truncated", concat(Arrays.copyOf(mplex, 5), new byte[] {1, 0, 0}));
    put("MplexFuzzTest", "structured", "empty", new byte[0]);
  }

  /** {@code body} with its varint length prefix, as identify frames it. */
  private static byte[] framedIdentify(byte[] body) {
    return concat(UnsignedVarint.encode(body.length), body);
  }

  /** The libp2p TLS spec's test vector certificates, their SignedKeys, and a real ClientHello. */
  private void tls() throws IOException {
    byte[][] vectors = {
      dev.vertxp2p.proto.tls.TlsSpecVectors.ED25519,
      dev.vertxp2p.proto.tls.TlsSpecVectors.ECDSA,
      dev.vertxp2p.proto.tls.TlsSpecVectors.SECP256K1,
      dev.vertxp2p.proto.tls.TlsSpecVectors.INVALID,
    };
    String[] names = {"ed25519", "ecdsa", "secp256k1", "bad-host-signature"};
    for (int i = 0; i < vectors.length; i++) {
      putWithTruncations("TlsFuzzTest", "certificate", "spec-" + names[i], vectors[i]);
      byte[] ext = org.bouncycastle.asn1.x509.Certificate.getInstance(vectors[i])
          .getTBSCertificate().getExtensions()
          .getExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(
              dev.vertxp2p.proto.tls.Libp2pTlsCertificate.EXTENSION_OID))
          .getExtnValue().getOctets();
      putWithTruncations("TlsFuzzTest", "signedKey", "spec-" + names[i], ext);
    }
    dev.vertxp2p.crypto.PrivateKey host = Ed25519PrivateKey.fromSeed(new byte[32]);
    dev.vertxp2p.proto.tls.TlsHandshake dialer = dev.vertxp2p.proto.tls.TlsHandshake.dialer(
        dev.vertxp2p.proto.tls.TlsConfig.builder(host).muxers(List.of("/yamux/1.0.0")).build(),
        null, java.time.Instant.parse("2026-12-06T00:00:00Z"));
    byte[] hello = dialer.drainOutput();
    // FuzzedDataProvider reads the chunk length (an int) from the back: 0x00000fff in the last
    // four bytes feeds the ClientHello as one chunk.
    byte[] seed = Arrays.copyOf(hello, hello.length + 4);
    seed[seed.length - 2] = 0x0f;
    seed[seed.length - 1] = (byte) 0xff;
    put("TlsFuzzTest", "listener", "client-hello", seed);
    put("TlsFuzzTest", "listener", "client-hello-truncated",
        Arrays.copyOf(hello, hello.length / 2));
  }
}
