package dev.vertxp2p.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsHandshake;
import dev.vertxp2p.proto.tls.TlsSession;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS engine against another TLS stack: OpenSSL's {@code s_client} dials our listener over
 * loopback with TLS 1.3, a libp2p certificate, no SNI and the ALPN list of the inlined muxer
 * negotiation. The listener must verify the client's certificate to the right peer, pick the muxer
 * from ALPN, and exchange application data both ways; and our dialer completes the handshake with
 * OpenSSL's {@code s_server}, which requires a client certificate. Skipped when {@code openssl} is
 * missing.
 */
class OpenSslTlsInteropTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static boolean opensslAvailable() {
    return runs("openssl", "version");
  }

  /** Whether {@code command} is on the PATH and exits 0. */
  private static boolean runs(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  @Test
  @Timeout(60)
  void opensslClientCompletesTheHandshakeWithOurListener(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(opensslAvailable(), "openssl is not installed");
    Instant now = Instant.now();
    PrivateKey clientHost = Ed25519PrivateKey.generate(RANDOM);
    Libp2pTlsCertificate clientCert = Libp2pTlsCertificate.create(clientHost, RANDOM, now);
    Path certFile = dir.resolve("client.pem");
    Path keyFile = dir.resolve("client.key");
    Files.writeString(certFile, pem("CERTIFICATE", clientCert.certificate().getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", clientCert.privateKey().getEncoded()));

    PrivateKey serverHost = Ed25519PrivateKey.generate(RANDOM);
    TlsConfig config = TlsConfig.builder(serverHost)
        .muxers(List.of("/mplex/6.7.0", "/yamux/1.0.0")).random(RANDOM).build();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Process client = new ProcessBuilder("openssl", "s_client", "-quiet",
          "-connect", "127.0.0.1:" + server.getLocalPort(), "-tls1_3", "-noservername",
          "-cert", certFile.toString(), "-key", keyFile.toString(),
          "-alpn", "/yamux/1.0.0,/mplex/6.7.0,libp2p")
          .redirectError(dir.resolve("client.err").toFile())
          .start();
      try (Socket socket = server.accept()) {
        socket.setSoTimeout(15_000);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        TlsHandshake listener = TlsHandshake.listener(config, now);
        byte[] buf = new byte[16 * 1024];
        while (!listener.isComplete()) {
          int n = in.read(buf);
          assertTrue(n > 0, "openssl closed during the handshake: "
              + Files.readString(dir.resolve("client.err")));
          listener.feed(buf, 0, n);
          out.write(listener.drainOutput());
          out.flush();
        }
        assertEquals(PeerId.fromPublicKey(clientHost.publicKey()), listener.remotePeer());
        // The dialer's preference wins: its first muxer the listener supports.
        assertEquals("/yamux/1.0.0", listener.negotiatedMuxer());

        TlsSession session = listener.session();
        OutputStream clientStdin = client.getOutputStream();
        clientStdin.write("ping from openssl\n".getBytes(StandardCharsets.US_ASCII));
        clientStdin.flush();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        received.writeBytes(listener.plaintextLeftover());
        while (!received.toString(StandardCharsets.US_ASCII).contains("\n")) {
          int n = in.read(buf);
          assertTrue(n > 0, "openssl closed before its data");
          received.writeBytes(session.decrypt(buf, 0, n));
          out.write(session.drainOutput());
        }
        assertEquals("ping from openssl\n", received.toString(StandardCharsets.US_ASCII));

        byte[] pong = "pong from java\n".getBytes(StandardCharsets.US_ASCII);
        out.write(session.encrypt(pong, 0, pong.length));
        session.close();
        out.write(session.drainOutput());
        out.flush();
        byte[] printed = client.getInputStream().readNBytes(pong.length);
        assertEquals("pong from java\n", new String(printed, StandardCharsets.US_ASCII));
      } finally {
        client.destroy();
        client.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  @Timeout(60)
  void ourDialerCompletesTheHandshakeWithAnOpensslServer(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(opensslAvailable(), "openssl is not installed");
    Instant now = Instant.now();
    PrivateKey serverHost = Ed25519PrivateKey.generate(RANDOM);
    Libp2pTlsCertificate serverCert = Libp2pTlsCertificate.create(serverHost, RANDOM, now);
    Path certFile = dir.resolve("server.pem");
    Path keyFile = dir.resolve("server.key");
    Files.writeString(certFile, pem("CERTIFICATE", serverCert.certificate().getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", serverCert.privateKey().getEncoded()));
    // -Verify 1 requires a client certificate; without -verify_return_error OpenSSL only reports
    // that it cannot chain ours to a CA, as a libp2p peer would not try to.
    Assumptions.assumeTrue(runs("stdbuf", "--version"),
        "stdbuf is missing: s_server's ACCEPT line would sit in its stdout buffer");
    // Line-buffered stdout, so the ACCEPT line with the port arrives at once.
    Process server = new ProcessBuilder("stdbuf", "-oL", "openssl", "s_server",
        "-naccept", "1",
        "-accept", "127.0.0.1:0", "-tls1_3", "-Verify", "1",
        "-cert", certFile.toString(), "-key", keyFile.toString(), "-alpn", "/yamux/1.0.0,libp2p")
        .redirectError(dir.resolve("server.err").toFile())
        .start();
    try {
      java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
          server.getInputStream(), StandardCharsets.US_ASCII));
      String line;
      int port = -1;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("ACCEPT 127.0.0.1:")) {
          port = Integer.parseInt(line.substring("ACCEPT 127.0.0.1:".length()).trim());
          break;
        }
      }
      assertTrue(port > 0, "s_server did not listen: " + Files.readString(dir.resolve(
          "server.err")));
      PrivateKey clientHost = Ed25519PrivateKey.generate(RANDOM);
      TlsConfig config = TlsConfig.builder(clientHost)
          .muxers(List.of("/mplex/6.7.0", "/yamux/1.0.0")).random(RANDOM).build();
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(15_000);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        TlsHandshake dialer = TlsHandshake.dialer(config,
            PeerId.fromPublicKey(serverHost.publicKey()), now);
        out.write(dialer.drainOutput());
        out.flush();
        byte[] buf = new byte[16 * 1024];
        while (!dialer.isComplete()) {
          int n = in.read(buf);
          assertTrue(n > 0, "s_server closed during the handshake: "
              + Files.readString(dir.resolve("server.err")));
          dialer.feed(buf, 0, n);
          out.write(dialer.drainOutput());
          out.flush();
        }
        assertEquals(PeerId.fromPublicKey(serverHost.publicKey()), dialer.remotePeer());
        // OpenSSL's s_server picks by its own order among what we offered: yamux.
        assertEquals("/yamux/1.0.0", dialer.negotiatedMuxer());
        TlsSession session = dialer.session();
        byte[] ping = "ping from java\n".getBytes(StandardCharsets.US_ASCII);
        out.write(session.encrypt(ping, 0, ping.length));
        out.flush();
        // s_server prints what it receives, among its own session notes.
        String printed;
        while ((printed = lines.readLine()) != null && !printed.equals("ping from java")) {
          // session notes
        }
        assertEquals("ping from java", printed);
      }
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
