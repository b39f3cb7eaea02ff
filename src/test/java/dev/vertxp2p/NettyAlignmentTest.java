package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.Version;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every Netty module on the classpath is of one version, the one pom.xml pins above Vert.x's
 * (mixed Netty modules fail at run time, often only on a rarely taken path).
 */
class NettyAlignmentTest {
  @Test
  void everyNettyModuleIsOfThePinnedVersion() {
    Map<String, Version> modules = Version.identify(NettyAlignmentTest.class.getClassLoader());
    assertTrue(modules.containsKey("netty-common"), modules.keySet().toString());
    Map<String, String> versions = new TreeMap<>();
    modules.forEach((name, v) -> versions.put(name, v.artifactVersion()));
    for (Map.Entry<String, String> e : versions.entrySet()) {
      assertEquals("4.2.18.Final", e.getValue(), "module " + e.getKey() + " in " + versions);
    }
  }
}
