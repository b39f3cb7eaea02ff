package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ScratchTest {
  @Test
  void aThreadGetsItsOwnArrayBackOnceGivenBack() {
    byte[] a = Scratch.SEND.borrow();
    Scratch.SEND.giveBack(a);
    byte[] b = Scratch.SEND.borrow();
    Scratch.SEND.giveBack(b);
    assertSame(a, b);
    assertEquals(Scratch.SIZE, a.length);
  }

  @Test
  void aNestedBorrowGetsAFreshArrayAndLeavesTheLentOneLent() {
    byte[] outer = Scratch.RECEIVE.borrow();
    try {
      byte[] inner = Scratch.RECEIVE.borrow();
      assertNotSame(outer, inner);
      Scratch.RECEIVE.giveBack(inner); // a fresh array given back frees nothing
      byte[] again = Scratch.RECEIVE.borrow();
      assertNotSame(outer, again);
      Scratch.RECEIVE.giveBack(again);
    } finally {
      Scratch.RECEIVE.giveBack(outer);
    }
    byte[] after = Scratch.RECEIVE.borrow();
    Scratch.RECEIVE.giveBack(after);
    assertSame(outer, after);
  }

  @Test
  void sendAndReceiveAreSeparateArraysAndThreadsDoNotShare() throws Exception {
    byte[] send = Scratch.SEND.borrow();
    byte[] receive = Scratch.RECEIVE.borrow();
    try {
      assertNotSame(send, receive);
      byte[] other = CompletableFuture.supplyAsync(() -> {
        byte[] x = Scratch.SEND.borrow();
        Scratch.SEND.giveBack(x);
        return x;
      }).get();
      assertNotSame(send, other);
    } finally {
      Scratch.SEND.giveBack(send);
      Scratch.RECEIVE.giveBack(receive);
    }
  }
}
