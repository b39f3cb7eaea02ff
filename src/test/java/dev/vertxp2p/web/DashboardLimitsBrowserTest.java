package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.DialOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's Limits panel in headless Chromium: each scope of {@code GET /api/limits} beside
 * its use, and a scope at its limit marked as such.
 */
class DashboardLimitsBrowserTest extends TwoNodeDashboard {

  @BeforeEach
  void startA() {
    startA(config("swarm"));
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
