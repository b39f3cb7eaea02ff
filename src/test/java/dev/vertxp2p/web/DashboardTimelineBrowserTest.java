package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A connection's timeline in a real headless Chromium: a click on an open connection's row shows
 * the attempt of its dial (address, outcome) and its upgrade phases; once the connection is
 * closed it is listed under closed connections with its reason, and a click on that row shows the
 * timeline with {@code local} as its close reason. Needs Chromium like {@link
 * DashboardBrowserTest}.
 */
class DashboardTimelineBrowserTest extends TwoNodeDashboard {

  @BeforeEach
  void startA() {
    startA(config("swarm"));
  }


  /** The timeline panel as the page shows it now, read in one step: null while hidden. */
  @SuppressWarnings("unchecked")
  private List<String> timeline() {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "const t = document.getElementById('timeline');"
            + "if (t.hidden) return null;"
            + "const out = [document.getElementById('timeline-title').textContent,"
            + "  (document.getElementById('timeline-reason') || {}).textContent || ''];"
            + "for (const r of document.querySelectorAll('#timeline-attempts tr.attempt')) {"
            + "  out.push(r.querySelector('td.addr').textContent + ' ' + r.lastElementChild.textContent);"
            + "}"
            + "for (const p of document.querySelectorAll('#timeline-phases .phase')) {"
            + "  out.push(p.dataset.phase + '=' + p.lastElementChild.textContent);"
            + "}"
            + "return out;");
  }

  private void until(WebDriverWait wait, String what, Function<WebDriver, Boolean> condition) {
    wait.withMessage(() -> {
      try {
        return what + "; timeline shown: " + timeline() + "; closed panel: "
            + driver.findElement(By.id("closed")).getText();
      } catch (RuntimeException e) {
        return what + " (the page could not be read: " + e.getMessage() + ")";
      }
    });
    wait.until(condition);
  }

  @Test
  void aClickOnAConnectionShowsItsTimelineAndAClosedOneItsReason() throws Exception {
    String peerB = b.swarm().peerId().toString();
    String addrB = b.swarm().listenAddrs().get(0).withoutPeerId().toString();
    WebDriverWait wait = new WebDriverWait(driver, DashboardBrowserTest.WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    until(wait, "the event stream live",
        d -> "live".equals(d.findElement(By.id("link")).getText()));
    until(wait, "the empty closed panel",
        d -> d.findElement(By.id("closed-empty")).isDisplayed());

    Connection c = await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions()))
        .get(0);
    String group = "tbody.peer-group[data-peer='" + peerB + "']";
    until(wait, "B's peer row", d -> !d.findElements(By.cssSelector(group + " td.peer")).isEmpty());
    driver.findElement(By.cssSelector(group + " td.peer")).click();
    String row = group + " tr.conn-row[data-conn='" + c.id() + "'] td.id";
    until(wait, "the connection's row", d -> d.findElement(By.cssSelector(row)).isDisplayed());
    driver.findElement(By.cssSelector(row)).click();

    until(wait, "the open connection's timeline: one attempt, connected, and its phases", d -> {
      List<String> t = timeline();
      return t != null && t.get(0).equals("Connection " + c.id())
          && t.get(1).startsWith("–") && t.contains(addrB + " connected")
          && t.stream().anyMatch(s -> s.matches("security=\\d+\\.\\d{2} ms"))
          && t.stream().anyMatch(s -> s.matches("tcp=\\d+\\.\\d{2} ms"));
    });
    driver.findElement(By.id("timeline-close")).click();
    until(wait, "the timeline closed", d -> timeline() == null);

    assertEquals(1, await(a.swarm().closeConnection(c.id())));
    String closedRow = "#closed-rows tr.closed-row[data-conn='" + c.id() + "']";
    until(wait, "the closed connection listed with reason local", d -> {
      List<org.openqa.selenium.WebElement> r = d.findElements(By.cssSelector(closedRow
          + " .reason"));
      return !r.isEmpty() && "local".equals(r.get(0).getText());
    });
    assertTrue(driver.findElement(By.id("closed-empty")).getAttribute("hidden") != null);
    driver.findElement(By.cssSelector(closedRow + " td.id")).click();
    until(wait, "the closed connection's timeline with reason local", d -> {
      List<String> t = timeline();
      return t != null && t.get(0).equals("Connection " + c.id()) && t.get(1).equals("local")
          && t.contains(addrB + " connected");
    });
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path out = Path.of("target", "dashboard-timeline.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);
  }
}
