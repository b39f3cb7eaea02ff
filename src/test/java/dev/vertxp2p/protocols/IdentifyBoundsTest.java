package dev.vertxp2p.protocols;

import static dev.vertxp2p.testing.IdentifyFrames.frame;
import static dev.vertxp2p.testing.IdentifyFrames.framed;
import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Identify over loopback against a peer that answers with too much: each bound refuses it, the
 * identify fails with an {@link IdentifyException} naming the bound; the connection stays.
 * Written against the API before the bounds existed, so each case also ran (and was accepted)
 * there.
 */
class IdentifyBoundsTest extends SwarmFixture {

  private static IdentifyMessage protocols(List<String> list) {
    return new IdentifyMessage(null, null, null, List.of(), null, list, null);
  }

  private static List<String> names(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static IdentifyMessage[] times(int n, IdentifyMessage m) {
    IdentifyMessage[] out = new IdentifyMessage[n];
    Arrays.fill(out, m);
    return out;
  }

  static Stream<Arguments> answers() {
    byte[] emptyEntries = new byte[64_000];
    for (int i = 0; i < emptyEntries.length; i += 2) {
      emptyEntries[i] = 0x1a; // field 3 (protocols), length 0: 32,000 entries
    }
    return Stream.of(
        Arguments.of("eleven messages", framed(times(11, protocols(List.of("/p/1")))),
            "maxMessagesPerStream"),
        Arguments.of("32,000 empty protocols", frame(emptyEntries), "maxProtocols"),
        Arguments.of("one empty protocol", framed(protocols(List.of("/a", ""))),
            "expected a non-empty protocol id"),
        Arguments.of("1025 protocols", framed(protocols(names("/p/", 1025))), "maxProtocols"),
        Arguments.of("ten parts of 600 protocols",
            framed(times(10, protocols(names("/p/", 600)))), "maxProtocols"),
        Arguments.of("a protocol id of 1024 bytes",
            framed(protocols(List.of("/" + "x".repeat(1023)))), "maxProtocolLength"),
        Arguments.of("501 listen addresses", framed(new IdentifyMessage(null, null, null,
            Collections.nCopies(501, new byte[] {4, 10, 0, 0, 1}), null, List.of(), null)),
            "maxListenAddrs"),
        Arguments.of("ten parts of 10 KB", framed(times(10, new IdentifyMessage(null, null, null,
            Collections.nCopies(10, new byte[1000]), null, List.of(), null))), "maxMergedSize"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void anAnswerOverABoundIsRefused(String name, byte[] answer, String bound) {
    SwarmOptions quiet = loopbackOptions();
    quiet.getServices().setIdentify(false); // only the test's identify runs
    Swarm victim = started(quiet);
    Swarm liar = started(loopbackOptions());
    liar.handle(Identify.PROTOCOL, stream -> {
      stream.write(Buffer.buffer(answer));
      stream.end();
    });
    Connection c = await(victim.dial(liar.listenAddrs().get(0), new DialOptions())).get(0);

    Throwable e = failure(Identify.identify(c));

    assertInstanceOf(IdentifyException.class, e, name);
    assertTrue(e.getMessage().contains(bound), name + ": " + e.getMessage());
    assertTrue(c.isOpen(), "a refused identify costs the stream, not the connection");
  }
}
