package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshakePayload;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import dev.vertxp2p.protocols.IdentifyCodec;
import java.util.List;

/**
 * The protobufs a peer sends: the Noise handshake payload (decrypted message 2 or 3) and the
 * identify message. Only the codec's {@link dev.vertxp2p.ProtocolException} subclass may
 * escape; a message that decodes re-encodes to bytes that decode to an equal message.
 */
class ProtobufFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void noiseHandshakePayload(byte[] input) {
    if (input.length > 65535) {
      return; // one Noise message is at most 65535 bytes (libp2p noise spec, "Wire Format")
    }
    NoiseHandshakePayload payload;
    try {
      payload = NoiseHandshakePayload.decode(input, 0, input.length);
    } catch (NoiseException expected) {
      return;
    }
    byte[] encoded = payload.encode();
    NoiseHandshakePayload again = NoiseHandshakePayload.decode(encoded, 0, encoded.length);
    assertArrayEquals(payload.identityKey(), again.identityKey());
    assertArrayEquals(payload.identitySig(), again.identitySig());
    assertEquals(payload.streamMuxers(), again.streamMuxers());
    assertEquals(payload.hasExtensions(), again.hasExtensions());
    assertBytesListEquals(payload.webtransportCerthashes(), again.webtransportCerthashes());
    assertArrayEquals(encoded, again.encode(), "encoding must be stable");
  }

  @FuzzTest(maxDuration = "60s")
  void identifyMessage(byte[] input) {
    if (input.length > IdentifyMessage.MAX_MESSAGE_SIZE + 16) {
      return;
    }
    IdentifyMessage message;
    try {
      message = IdentifyCodec.decode(input);
    } catch (IdentifyException expected) {
      return;
    }
    IdentifyMessage again = IdentifyCodec.decode(IdentifyCodec.encode(message));
    assertEquals(message.protocolVersion(), again.protocolVersion());
    assertEquals(message.agentVersion(), again.agentVersion());
    assertArrayEquals(message.publicKey(), again.publicKey());
    assertBytesListEquals(message.listenAddrs(), again.listenAddrs());
    assertArrayEquals(message.observedAddr(), again.observedAddr());
    assertEquals(message.protocols(), again.protocols());
    assertArrayEquals(message.signedPeerRecord(), again.signedPeerRecord());
    assertArrayEquals(IdentifyCodec.encode(message), IdentifyCodec.encode(again),
        "encoding must be stable");
  }

  private static void assertBytesListEquals(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "element " + i);
    }
  }
}
