package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's Limits panel in headless Chromium: each scope of {@code GET /api/limits} beside
 * its use, and a scope at its limit marked as such.
 */
class DashboardLimitsBrowserTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private DashboardVerticle dash;
  private WebDriver driver;
  private Path profile;

  @BeforeEach
  void setUp() throws Exception {
    DashboardBrowserTest.requireChromium();
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    b = deploy(vertx, config("nodeb"));
    JsonObject conf = config("swarm");
    a = deploy(vertx, conf);
    JsonObject http = conf.copy();
    http.getJsonObject("http").put("enabled", true).put("port", 0);
    dash = new DashboardVerticle();
    await(vertx.deployVerticle(dash, new DeploymentOptions().setConfig(http)));
    profile = Files.createTempDirectory("chromium-profile");
    driver = DashboardBrowserTest.chromium(profile);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (vertx != null) {
      await(vertx.close());
    }
    DashboardBrowserTest.deleteProfile(profile);
  }

  /** Per row of the Limits panel: scope key → [in use, limit, at its limit?]. */
  @SuppressWarnings("unchecked")
  private Map<String, List<Object>> limits() {
    return (Map<String, List<Object>>) ((JavascriptExecutor) driver).executeScript(
        "const out = {};"
            + "for (const r of document.querySelectorAll('#limits-rows tr')) {"
            + "  const td = r.querySelectorAll('td');"
            + "  out[r.dataset.scope] = [td[1].textContent, td[2].textContent,"
            + "    r.classList.contains('at-limit')];"
            + "}"
            + "return out;");
  }

  @Test
  void eachLimitIsShownBesideItsUseAndAFullOneIsMarked() {
    int perPeer = a.swarm().options().getConnection().getMaxConnectionsPerPeer();
    WebDriverWait wait = new WebDriverWait(driver, DashboardBrowserTest.WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    wait.withMessage(() -> "the limits panel with no connection: " + limits());
    wait.until(d -> {
      List<Object> system = limits().get("system");
      return system != null && "0".equals(system.get(0));
    });
    Map<String, List<Object>> idle = limits();
    assertEquals(String.valueOf(a.swarm().options().getLimits().getMaxConnections()),
        idle.get("system").get(1));
    assertEquals(List.of("0", String.valueOf(perPeer), false), idle.get("peer"));

    // Up to the per-peer limit: the peer row shows it full, and marks it.
    await(a.swarm().dial(b.swarm().listenAddrs().get(0),
        new DialOptions().setConnections(perPeer)));
    wait.withMessage(() -> "the peer scope at its limit: " + limits());
    wait.until(d -> List.of(String.valueOf(perPeer), String.valueOf(perPeer), true)
        .equals(limits().get("peer")));
    assertEquals(String.valueOf(perPeer), limits().get("system").get(0));
    assertEquals(false, limits().get("system").get(2));
  }
}
