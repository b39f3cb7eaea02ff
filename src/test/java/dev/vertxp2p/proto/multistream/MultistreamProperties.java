package dev.vertxp2p.proto.multistream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Negotiation must not depend on how the byte streams are cut into reads. */
class MultistreamProperties {

  @Provide
  Arbitrary<List<String>> protocols() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withChars('/', '.', '-', 'é', '世')
        .ofMinLength(1)
        .ofMaxLength(150)
        .map(s -> "/" + s)
        .list()
        .ofMinSize(1)
        .ofMaxSize(5)
        .uniqueElements();
  }

  /** One direction of the wire: bytes written and not yet read. */
  private static final class Pipe {
    byte[] pending = new byte[0];

    void write(byte[] b) {
      if (b != null) {
        byte[] n = Arrays.copyOf(pending, pending.length + b.length);
        System.arraycopy(b, 0, n, pending.length, b.length);
        pending = n;
      }
    }

    byte[] take(int n) {
      byte[] out = Arrays.copyOf(pending, n);
      pending = Arrays.copyOfRange(pending, n, pending.length);
      return out;
    }
  }

  /** One endpoint: the negotiator, then the application once it is done. */
  private static final class End {
    final MultistreamNegotiator neg;
    final byte[] appData;
    final ByteArrayOutputStream app = new ByteArrayOutputStream();
    boolean appSent;
    Exception failure;

    End(MultistreamNegotiator neg, byte[] appData) {
      this.neg = neg;
      this.appData = appData;
    }

    void deliver(byte[] chunk, Pipe out) {
      if (failure != null) {
        return;
      }
      if (neg.isDone()) {
        app.writeBytes(chunk);
        return;
      }
      try {
        neg.receive(chunk, 0, chunk.length);
      } catch (MultistreamException e) {
        failure = e;
        return;
      }
      out.write(neg.pollOutbound());
      if (neg.isDone()) {
        app.writeBytes(neg.leftover());
        sendApp(out);
      }
    }

    void sendApp(Pipe out) {
      if (!appSent) {
        appSent = true;
        out.write(appData);
      }
    }
  }

  @Property(tries = 300)
  void anyChunkingNegotiatesAndKeepsAppData(
      @ForAll("protocols") List<String> proposals,
      @ForAll @IntRange(min = 0, max = 5) int acceptIndex,
      @ForAll @Size(max = 300) byte[] initiatorApp,
      @ForAll @Size(max = 300) byte[] responderApp,
      @ForAll boolean lazyInitiator,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    boolean accepts = acceptIndex < proposals.size();
    Set<String> supported = accepts ? Set.of(proposals.get(acceptIndex)) : Set.of("/other");
    End i = new End(new MultistreamInitiator(proposals), initiatorApp);
    End r = new End(new MultistreamResponder(supported), responderApp);
    Pipe toResponder = new Pipe();
    Pipe toInitiator = new Pipe();
    toResponder.write(i.neg.pollOutbound());
    toInitiator.write(r.neg.pollOutbound());
    // A lazy initiator (rust-libp2p's V1Lazy) sends data right behind its only proposal.
    boolean lazy = lazyInitiator && accepts && acceptIndex == 0;
    if (lazy) {
      i.sendApp(toResponder);
    }
    while (toResponder.pending.length > 0 || toInitiator.pending.length > 0) {
      boolean forward =
          toInitiator.pending.length == 0 || (toResponder.pending.length > 0 && rnd.nextBoolean());
      Pipe pipe = forward ? toResponder : toInitiator;
      int n = 1 + rnd.nextInt(pipe.pending.length);
      byte[] chunk = pipe.take(n);
      if (forward) {
        r.deliver(chunk, toInitiator);
      } else {
        i.deliver(chunk, toResponder);
      }
    }
    if (accepts) {
      String expected = proposals.get(acceptIndex);
      assertNull(i.failure);
      assertNull(r.failure);
      assertEquals(expected, i.neg.selected());
      assertEquals(expected, r.neg.selected());
      assertArrayEquals(initiatorApp, r.app.toByteArray());
      assertArrayEquals(responderApp, i.app.toByteArray());
    } else {
      assertNotNull(i.failure);
      NoProtocolSupportedException e = (NoProtocolSupportedException) i.failure;
      assertEquals(proposals, e.proposed());
      assertTrue(!r.neg.isDone() && r.failure == null);
    }
  }

  @Property(tries = 200)
  void encodedMessagesHaveTheirLengthPrefix(@ForAll("protocols") List<String> protocols) {
    for (String p : protocols) {
      byte[] framed = Multistream.encodeMessage(p);
      byte[] text = (p + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int prefix = framed.length - text.length;
      long len = 0;
      for (int k = 0; k < prefix; k++) {
        len |= (long) (framed[k] & 0x7F) << (7 * k);
        assertEquals(k < prefix - 1, (framed[k] & 0x80) != 0);
      }
      assertEquals(text.length, len);
      assertArrayEquals(text, Arrays.copyOfRange(framed, prefix, framed.length));
    }
  }
}
