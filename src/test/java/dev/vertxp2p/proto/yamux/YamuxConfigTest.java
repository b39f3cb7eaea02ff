package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class YamuxConfigTest {

  @Test
  void defaultsFollowTheSpec() {
    YamuxConfig c = new YamuxConfig();
    assertEquals(256 * 1024, c.initialWindow());
    assertEquals(16 * 1024 * 1024, c.maxReceiveWindow());
    assertEquals(1024, c.maxStreams());
    assertEquals(256, c.ackBacklog());
    assertEquals(65535 - 16 - 12, c.maxFramePayload());
  }

  @Test
  void settersValidate() {
    YamuxConfig c = new YamuxConfig();
    assertThrows(IllegalArgumentException.class, () -> c.initialWindow(256 * 1024 - 1));
    assertThrows(IllegalArgumentException.class, () -> c.maxReceiveWindow(1000));
    assertThrows(IllegalArgumentException.class, () -> c.maxStreams(0));
    assertThrows(IllegalArgumentException.class, () -> c.ackBacklog(0));
    assertThrows(IllegalArgumentException.class, () -> c.maxFramePayload(1023));
    assertThrows(IllegalArgumentException.class, () -> c.maxFramePayload(256 * 1024 + 1));
    assertEquals(c, c.maxStreams(5).ackBacklog(3).maxFramePayload(1024));
  }

  @Test
  void grantedWindowMayNotExceedTheCap() {
    YamuxConfig c = new YamuxConfig().initialWindow(1 << 21).maxReceiveWindow(1 << 20);
    assertThrows(IllegalArgumentException.class, () -> new YamuxEngine(true, c));
  }

  @Test
  void engineCopiesTheConfig() {
    YamuxConfig c = new YamuxConfig().maxStreams(1);
    YamuxEngine e = new YamuxEngine(true, c);
    c.maxStreams(10);
    e.openStream();
    assertThrows(dev.vertxp2p.proto.mux.MuxerException.class, e::openStream);
  }
}
