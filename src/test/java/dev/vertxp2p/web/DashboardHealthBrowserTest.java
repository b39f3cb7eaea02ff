package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.PeerId;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's connection health and kept peers in a real headless Chromium: node A checks
 * its connections every 0.2 s and keeps B at two connections through the page's form; the kept
 * peers panel shows B with 2 open of a target of 2 and follows a target changed behind the
 * page's back; every connection row shows a health state and a health-check RTT; with B gone
 * the panel shows 0 of 3 open; the unkeep button takes B off the panel. A connection over its
 * latency bound shows "degraded" in word, mark and style. Needs Chromium like {@link
 * DashboardBrowserTest}.
 */
class DashboardHealthBrowserTest extends TwoNodeDashboard {
  /** An RTT cell once a health check has answered, e.g. {@code 0.31 ms}. */
  private static final Pattern RTT = Pattern.compile("\\d+\\.\\d{2} ms");

  private String peerB;

  @BeforeEach
  void peerOfB() {
    peerB = b.swarm().peerId().toString();
  }

  /** Starts node A with this {@code "health"} section, and its dashboard. */
  private void startAWithHealth(JsonObject health) {
    startA(config("swarm").put("health", health));
  }


  /**
   * Per connection row of {@code peer}: {@code [state, rtt text, failed checks]}, read in one step
   * inside the page (the rows are re-rendered every second).
   */
  @SuppressWarnings("unchecked")
  private Map<String, List<String>> health(String peer) {
    Object rows = ((JavascriptExecutor) driver).executeScript(
        "const out = {};"
            + "for (const r of document.querySelectorAll(arguments[0])) {"
            + "  out[r.dataset.conn] = [r.querySelector('td.health .hstate .state').textContent,"
            + "    r.querySelector('td.hrtt').textContent, r.querySelector('td.hfail').textContent];"
            + "}"
            + "return out;",
        "tbody.peer-group[data-peer='" + peer + "'] tr.conn-row");
    return (Map<String, List<String>>) rows;
  }

  /** The kept peers panel's row for {@code peer}: its "open / target" text, or null. */
  private String kept(String peer) {
    return (String) ((JavascriptExecutor) driver).executeScript(
        "const r = document.querySelector(arguments[0]);"
            + "return r ? r.querySelector('td.count').textContent : null;",
        "#kept-rows tr[data-peer='" + peer + "']");
  }

  /** Waits until {@code condition} holds; a timeout says {@code what} was awaited, and what is. */
  private void until(WebDriverWait wait, String what, Function<WebDriver, Boolean> condition) {
    wait.withMessage(() -> {
      try {
        return what + "; kept panel: " + text("kept") + "; keep result: " + text("keep-result")
            + "; health of B's connections: " + health(peerB);
      } catch (RuntimeException e) {
        return what + " (the page could not be read: " + e.getMessage() + ")";
      }
    });
    wait.until(condition);
  }

  private String text(String id) {
    return driver.findElement(By.id(id)).getText();
  }

  @Test
  void keptPeerWithTargetAndOpenCountAndHealthPerConnection() throws Exception {
    startAWithHealth(new JsonObject().put("checkInterval", 0.2));
    PeerId idB = b.swarm().peerId();
    WebDriverWait wait = new WebDriverWait(driver, DashboardBrowserTest.WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    until(wait, "the event stream live", d -> "live".equals(text("link")));
    until(wait, "A's peer id", d -> text("peer-id").equals(a.swarm().peerId().toString()));
    until(wait, "the empty kept panel", d -> d.findElement(By.id("kept-empty")).isDisplayed());
    assertEquals("no kept peers", text("kept-empty"));

    // A REST error shows its message under the form.
    driver.findElement(By.id("keep-peer")).sendKeys("not-a-peer");
    driver.findElement(By.id("keep-submit")).click();
    until(wait, "the 400's message",
        d -> text("keep-result").startsWith("400: invalid peer ID 'not-a-peer'"));
    assertTrue(driver.findElement(By.id("keep-result")).getAttribute("class").contains("err"));
    assertTrue(driver.findElements(By.cssSelector("#kept-rows tr")).isEmpty());

    // One connection teaches A the address; the form keeps B at two.
    await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions().setConnections(1)));
    driver.findElement(By.id("keep-peer")).clear();
    driver.findElement(By.id("keep-peer")).sendKeys(peerB);
    driver.findElement(By.id("keep-count")).clear();
    driver.findElement(By.id("keep-count")).sendKeys("2");
    driver.findElement(By.id("keep-submit")).click();
    until(wait, "the PUT's answer", d -> text("keep-result").endsWith("2 / 2 open"));
    until(wait, "B kept, 2 open of 2", d -> "2 / 2".equals(kept(peerB)));
    assertEquals(List.of(new KeptPeer(idB, 2, 2)), await(a.swarm().kept()));
    assertTrue(!driver.findElement(By.id("kept-empty")).isDisplayed());

    // Each connection row, once its checks answered: a state and a round trip in ms.
    driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB + "'] td.peer"))
        .click();
    until(wait, "2 connections, each healthy or degraded with an RTT", d -> {
      Map<String, List<String>> rows = health(peerB);
      return rows.size() == 2 && rows.values().stream().allMatch(h ->
          Set.of("healthy", "degraded").contains(h.get(0)) && RTT.matcher(h.get(1)).matches()
              && h.get(2).matches("\\d+"));
    });
    assertEquals(Set.copyOf(a.swarm().getConnections(idB).stream().map(c -> c.id()).toList()),
        health(peerB).keySet());
    // the peer row shows the worst state of its connections
    String worst = driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] tr.peer-row td.health .hstate")).getAttribute("data-state");
    assertTrue(Set.of("healthy", "degraded").contains(worst), worst);
    // the first answers were state changes, logged as connection.health events
    until(wait, "a connection.health event in the log",
        d -> text("event-log").contains("connection.health")
            && text("event-log").matches("(?s).*unknown → (healthy|degraded).*"));

    // A target changed elsewhere reaches the panel through the events alone.
    await(a.swarm().keep(idB, 3));
    until(wait, "B kept, 3 open of 3", d -> "3 / 3".equals(kept(peerB)));
    until(wait, "3 connection rows", d -> health(peerB).size() == 3);
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path out = Path.of("target", "dashboard-health.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);

    // B goes away: still kept, none of its 3 open, marked short while A re-dials.
    await(vertx.undeploy(b.deploymentID()));
    until(wait, "B kept, 0 open of 3", d -> "0 / 3".equals(kept(peerB)));
    assertTrue(driver.findElement(By.cssSelector("#kept-rows tr[data-peer='" + peerB
        + "'] td.count")).getAttribute("class").contains("short"));

    // Unkeep: B leaves the panel.
    driver.findElement(By.cssSelector("#kept-rows tr[data-peer='" + peerB
        + "'] button[data-action='unkeep']")).click();
    until(wait, "B off the panel", d -> kept(peerB) == null);
    until(wait, "the empty kept panel", d -> d.findElement(By.id("kept-empty")).isDisplayed());
    assertTrue(text("keep-result").startsWith("no longer keeping"), text("keep-result"));
    assertEquals(List.of(), await(a.swarm().kept()));
  }

  @Test
  void aDegradedConnectionSaysSoInWordAndMark() throws Exception {
    // Any round trip is over a latency bound of a nanosecond: every answered check degrades.
    startAWithHealth(new JsonObject().put("checkInterval", 0.2).put("maxPingLatency", 1e-9));
    WebDriverWait wait = new WebDriverWait(driver, DashboardBrowserTest.WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    until(wait, "the event stream live", d -> "live".equals(text("link")));
    await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions().setConnections(1)));
    until(wait, "B's peer row", d -> !d.findElements(By.cssSelector(
        "tbody.peer-group[data-peer='" + peerB + "'] td.peer")).isEmpty());
    driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB + "'] td.peer"))
        .click();
    until(wait, "one degraded connection with an RTT and no failed check", d -> {
      List<List<String>> rows = List.copyOf(health(peerB).values());
      return rows.size() == 1 && rows.get(0).get(0).equals("degraded")
          && RTT.matcher(rows.get(0).get(1)).matches() && rows.get(0).get(2).equals("0");
    });
    String row = "tbody.peer-group[data-peer='" + peerB + "'] tr.conn-row td.health";
    assertEquals("!", driver.findElement(By.cssSelector(row + " .mark")).getText());
    assertEquals("hstate degraded",
        driver.findElement(By.cssSelector(row + " .hstate")).getAttribute("class"));
    assertEquals("health: degraded", driver.findElement(By.cssSelector(row)).getAttribute("title"));
    assertEquals("degraded", driver.findElement(By.cssSelector("tbody.peer-group[data-peer='"
        + peerB + "'] tr.peer-row td.health .hstate")).getAttribute("data-state"));
    until(wait, "the change in the event log",
        d -> text("event-log").matches("(?s).*connection\\.health.*→ degraded.*"));
  }
}
