package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Published Noise_XX_25519_ChaChaPoly_SHA256 test vectors (the cacophony vector set, and the snow
 * vector set), in the Noise test-vector format: messages alternate initiator/responder, the first
 * three are handshake messages, the rest transport messages after Split.
 */
class NoiseVectorsTest {
  record Message(String payload, String ciphertext) {}

  record Vector(
      String prologue,
      String initStatic,
      String initEphemeral,
      String respStatic,
      String respEphemeral,
      String handshakeHash,
      List<Message> messages) {}

  static final Vector CACOPHONY =
      new Vector(
          "4a6f686e2047616c74",
          "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
          "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
          "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
          "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
          "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e",
          List.of(
              new Message(
                  "4c756477696720766f6e204d69736573",
                  "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944"
                      + "4c756477696720766f6e204d69736573"),
              new Message(
                  "4d757272617920526f746862617264",
                  "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843"
                      + "81cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9"
                      + "bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f"
                      + "8814c7194e83f23dbd8d162c9326ad"),
              new Message(
                  "462e20412e20486179656b",
                  "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a8"
                      + "0ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6"
                      + "ae769a1d95941d49b25030"),
              new Message(
                  "4361726c204d656e676572",
                  "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"),
              new Message(
                  "4a65616e2d426170746973746520536179",
                  "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"),
              new Message(
                  "457567656e2042f6686d20766f6e2042617765726b",
                  "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f")));

  static final Vector SNOW =
      new Vector(
          "5468657265206973206e6f20726967687420616e642077726f6e672e205468657265"
              + "2773206f6e6c792066756e20616e6420626f72696e672e",
          "7dec208517a3b81a2861d7a71266d5d6dc944c5a8816634a86fe63198a0148ee",
          "a32daf21e93c0131495ce1d903181fde81cc46937daaeb990bae7c992709421e",
          "4d0aed5098e3b4ef20357e9f686ce66204c792b358da2e475017d6c485304881",
          "4eece0f195d026db035ff987597c429d3ad3bcc2944df37d649528951b2a27c5",
          null,
          List.of(
              new Message(
                  "d03c489139e645d0711a3c9e810d776b46a84912463fafa87b884eebf242dc34",
                  "f9fa868ba97ab8a2686deccfaad5a484ee10a5bb85e3d1dce015a84797f92818"
                      + "d03c489139e645d0711a3c9e810d776b46a84912463fafa87b884eebf242dc34"),
              new Message(
                  "d8190a92f7dc0c93dbea9118ba8055751fb7c6590c416ffbd419964132b99a85",
                  "8c4e6fdb7d09d501a86f7eca5c234522751706ed409182c05cdf5f827d4dae47"
                      + "b81c6c5f43b025692c24391eefee725c17d8cb0fbe3e4abb8aedf42c4fd2592d"
                      + "4ea48ac08989d6ae8b4adae08b2c34087c808c7aa55a63c02b0fab9e93061233"
                      + "6bd43eaea04d3c670a0a146691aa9cc9d357872320dc735dbc48580cffb553db"),
              new Message(
                  "77891b19dcb92ef7c055b672c4a5aa7fdf1c84146b8b303459022729473ce254",
                  "933ca6b5ed60df3df66121f0ab49a09e49efa45c613a86a3cecbf4c535cef2f8"
                      + "3f72b42837b18e3572f2fdc2b74c331e2368a545cef54bdca081678ab0e9dd53"
                      + "48122459e0c034c851984d88ce610963d43cde6cfe73a67fbd5a63e8bfca96d0"),
              new Message(
                  "d7efdf988072881941db045a42882433817555128fbf5663e56081712ec7d212",
                  "54ef0ff0629e1aaa7685a2806ab111cba76b52331f2642276736f415868eacb6"
                      + "9ab2577f3bda0cbf72f879685f6ed25f"),
              new Message(
                  "dd7bf01a588bafb52c6cfba952e5d8fe35cc2b3f92b4730ae2474615157345ce",
                  "356be70f110306d5c699bb834bb9d58d909e325924dfbec972e406e6f294dc63"
                      + "e1daebefe8a62a334facc8048ab4ad66")));

  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void cacophonyVector(NoiseAeads.Kind kind) {
    run(CACOPHONY, kind);
  }

  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void snowVector(NoiseAeads.Kind kind) {
    run(SNOW, kind);
  }

  private static void run(Vector v, NoiseAeads.Kind kind) {
    SecureRandom unused = new SecureRandom();
    byte[] prologue = Hex.decode(v.prologue());
    HandshakeState initiator =
        new HandshakeState(
            NoiseHandshake.PROTOCOL_NAME,
            true,
            prologue,
            NoiseKeyPair.fromPrivateKey(Hex.decode(v.initStatic())),
            NoiseKeyPair.fromPrivateKey(Hex.decode(v.initEphemeral())),
            unused,
            NoiseAeads.supplier(kind));
    HandshakeState responder =
        new HandshakeState(
            NoiseHandshake.PROTOCOL_NAME,
            false,
            prologue,
            NoiseKeyPair.fromPrivateKey(Hex.decode(v.respStatic())),
            NoiseKeyPair.fromPrivateKey(Hex.decode(v.respEphemeral())),
            unused,
            NoiseAeads.supplier(kind));
    for (int i = 0; i < 3; i++) {
      Message m = v.messages().get(i);
      HandshakeState writer = i % 2 == 0 ? initiator : responder;
      HandshakeState reader = i % 2 == 0 ? responder : initiator;
      byte[] wire = writer.writeMessage(Hex.decode(m.payload()));
      assertEquals(m.ciphertext(), Hex.encode(wire), "handshake message " + i);
      byte[] read = reader.readMessage(wire, 0, wire.length);
      assertEquals(m.payload(), Hex.encode(read), "payload of handshake message " + i);
    }
    assertTrue(initiator.isFinished());
    assertTrue(responder.isFinished());
    if (v.handshakeHash() != null) {
      assertEquals(v.handshakeHash(), Hex.encode(initiator.handshakeHash()));
    }
    assertArrayEquals(initiator.handshakeHash(), responder.handshakeHash());
    CipherState[] i = initiator.split();
    CipherState[] r = responder.split();
    for (int n = 3; n < v.messages().size(); n++) {
      Message m = v.messages().get(n);
      // Messages keep alternating after the handshake; the responder (odd) sends with c2.
      CipherState send = n % 2 == 0 ? i[0] : r[1];
      CipherState recv = n % 2 == 0 ? r[0] : i[1];
      byte[] pt = Hex.decode(m.payload());
      byte[] ct = new byte[pt.length + NoiseAead.TAG_LENGTH];
      send.encryptWithAd(null, pt, 0, pt.length, ct, 0);
      assertEquals(m.ciphertext(), Hex.encode(ct), "transport message " + n);
      byte[] back = new byte[pt.length];
      recv.decryptWithAd(null, ct, 0, ct.length, back, 0);
      assertArrayEquals(pt, back);
    }
  }
}
