package dev.vertxp2p.proto.noise;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Whether this project's own ChaCha20-Poly1305 runs long messages through its lane path, {@link
 * ChaCha20Lanes}: loops over many blocks at once that HotSpot's C2 turns into vector
 * instructions. (Poly1305 stays one block at a time: a lane version of it, tried, was no faster.)
 * The lane path is about twice as fast where C2 vectorizes it and slower where it does not, so by
 * default ({@code auto}) it is used only when C2 is in use with SuperWord and the CPU has AVX2 or
 * better. The system property {@value #PROPERTY} ({@code auto}, {@code true} or {@code false})
 * overrides that.
 */
final class AeadLanes {
  /** System property: {@code auto} (the default), {@code true} or {@code false}. */
  static final String PROPERTY = "vertxp2p.noise.aead.lanes";

  /** Whether new {@link ChaCha20Poly1305} instances use the lane path. */
  static final boolean ENABLED = enabled(System.getProperty(PROPERTY));

  private AeadLanes() {}

  static boolean enabled(String value) {
    if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("auto")) {
      return vectorUnitsInUse();
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(
            "system property " + PROPERTY + " must be auto, true or false, got '" + value + "'");
    }
  }

  /**
   * Whether C2 will vectorize the lane loops with 256-bit or wider registers: SuperWord on, C2 in
   * use, and on x86 AVX2 or better. Anywhere else (another CPU, no HotSpot flags to read) the
   * answer is no, and the one-block code runs.
   */
  private static boolean vectorUnitsInUse() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (vm == null
          || !Boolean.parseBoolean(vm.getVMOption("UseSuperWord").getValue())
          || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) < 4) {
        return false;
      }
      return Integer.parseInt(vm.getVMOption("UseAVX").getValue()) >= 2;
    } catch (RuntimeException | LinkageError e) {
      return false; // no such option on this VM or CPU, or no management module
    }
  }
}
