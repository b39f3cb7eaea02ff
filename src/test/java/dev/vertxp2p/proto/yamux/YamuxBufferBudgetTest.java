package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.mux.MuxerEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory budget as the engine sees it ({@link YamuxEngine#bufferRoom}): a client and a server
 * back to back in memory, the test playing the transport that counts what the application has not
 * consumed yet and tells the server the room left.
 */
class YamuxBufferBudgetTest {
  private static final int WINDOW = YamuxConfig.SPEC_INITIAL_WINDOW;
  /** One stream's window: the first stream fills it, and nothing more fits. */
  private static final long BUDGET = WINDOW;

  private final YamuxEngine client = new YamuxEngine(true);
  private final YamuxEngine server = new YamuxEngine(false);
  private final List<MuxerEvent> clientEvents = new ArrayList<>();
  private final List<MuxerEvent> serverEvents = new ArrayList<>();
  /** What the server's application was handed and has not consumed: the transport's count. */
  private long buffered;

  /** Moves bytes both ways until neither side has any; returns the frames the server sent. */
  private List<byte[]> pump() {
    List<byte[]> fromServer = new ArrayList<>();
    boolean moved = true;
    while (moved) {
      moved = false;
      for (byte[] c; (c = client.pollOutbound()) != null; moved = true) {
        server.receive(c, 0, c.length);
      }
      for (byte[] c; (c = server.pollOutbound()) != null; moved = true) {
        fromServer.add(c);
        client.receive(c, 0, c.length);
      }
      for (MuxerEvent e; (e = server.pollEvent()) != null; ) {
        serverEvents.add(e);
        if (e instanceof MuxerEvent.StreamData d) {
          buffered += d.length();
        }
      }
      for (MuxerEvent e; (e = client.pollEvent()) != null; ) {
        clientEvents.add(e);
      }
    }
    return fromServer;
  }

  /** The transport's part: the server learns the room left after every change. */
  private void tellRoom() {
    server.bufferRoom(BUDGET - buffered);
  }

  /** The application consumes {@code n} bytes of the stream. */
  private void consume(long streamId, int n) {
    buffered -= n;
    tellRoom();
    server.consumed(streamId, n);
  }

  private static boolean hasWindowUpdate(List<byte[]> frames, long streamId) {
    for (byte[] chunk : frames) {
      for (int pos = 0; pos + YamuxFrame.HEADER_LENGTH <= chunk.length; ) {
        YamuxFrame.Header h = YamuxFrame.parseHeader(chunk, pos);
        if (h.type() == YamuxFrame.TYPE_WINDOW_UPDATE && h.streamId() == streamId
            && h.length() > 0) {
          return true;
        }
        pos += YamuxFrame.HEADER_LENGTH
            + (h.type() == YamuxFrame.TYPE_DATA ? (int) h.length() : 0);
      }
    }
    return false;
  }

  @Test
  void overBudgetHoldsWindowsAndRefusesNewStreamsButResetsNone() {
    long s1 = client.openStream();
    pump();
    assertEquals(WINDOW, client.write(s1, new byte[WINDOW], 0, WINDOW));
    pump();
    tellRoom();
    assertEquals(WINDOW, buffered, "the whole window arrived");

    // Over budget: a new stream is refused with RST, and the server says why.
    long s2 = client.openStream();
    List<byte[]> answers = pump();
    assertTrue(clientEvents.contains(new MuxerEvent.StreamReset(s2)), clientEvents.toString());
    assertTrue(serverEvents.contains(
        new MuxerEvent.StreamRefused(s2, MuxerEvent.StreamRefused.BUFFER)), serverEvents.toString());
    assertFalse(hasWindowUpdate(answers, s1));

    // Consuming while another stream's data still fills the budget: the credit is held back.
    server.bufferRoom(0);
    server.consumed(s1, WINDOW);
    buffered -= WINDOW;
    List<byte[]> held = pump();
    assertFalse(hasWindowUpdate(held, s1), "a window update went out over budget");
    assertEquals(0, client.sendWindow(s1));

    // The open stream was never reset, on either side.
    assertFalse(clientEvents.contains(new MuxerEvent.StreamReset(s1)), clientEvents.toString());
    assertFalse(serverEvents.contains(new MuxerEvent.StreamReset(s1)), serverEvents.toString());
    assertEquals(1, server.openStreamCount());

    // Room again: the held credit goes out at once, and new streams are accepted.
    tellRoom();
    List<byte[]> reopened = pump();
    assertTrue(hasWindowUpdate(reopened, s1), "the held window was not reopened");
    assertEquals(WINDOW, client.sendWindow(s1));
    long s3 = client.openStream();
    pump();
    assertTrue(serverEvents.contains(new MuxerEvent.StreamOpened(s3, "")), serverEvents.toString());
  }

  @Test
  void windowsReopenAsTheApplicationConsumesBelowTheBudget() {
    long s1 = client.openStream();
    pump();
    client.write(s1, new byte[WINDOW], 0, WINDOW);
    pump();
    tellRoom();
    // The budget is spent while the application has the whole window unconsumed; as it
    // consumes, the room comes back and with it the window.
    consume(s1, WINDOW / 2);
    List<byte[]> frames = pump();
    assertTrue(hasWindowUpdate(frames, s1), "no window update after consuming below the budget");
    assertEquals(WINDOW / 2, client.sendWindow(s1));
  }
}
