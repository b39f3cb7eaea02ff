package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium: dial three connections through the form, see them,
 * hang one up with its button, see two; with a token, unlock the page through its form and see
 * connections arrive over the event WebSocket, the token never in the page's URL. Skipped when Chromium or its driver is missing, except
 * under {@code CI=true}, where that fails.
 */
class DashboardBrowserTest {
  /** Debian's chromium and its driver, found on the PATH. */
  static final String CHROMIUM = onPath("chromium");
  static final String CHROMEDRIVER = onPath("chromedriver");

  /** The executable {@code name} on the PATH, or the bare name (then it is not executable). */
  static String onPath(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
    }
    return name;
  }
  static final Duration WAIT = Duration.ofSeconds(20);

  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private DashboardVerticle dash;
  private WebDriver driver;
  private Path profile;

  /**
   * Aborts the test when Chromium or its driver is missing, except under {@code CI=true}, where
   * that fails it.
   */
  static void requireChromium() {
    boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    if (!present) {
      String msg = "chromium or chromedriver missing (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(msg + " and CI=true: the browser test must run");
      }
      Assumptions.abort(msg);
    }
  }

  /** A headless Chromium with its own profile in {@code profile}, 1440 x 1100. */
  static WebDriver chromium(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--user-data-dir=" + profile, "--window-size=1440,1100");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    WebDriver driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1440, 1100));
    return driver;
  }

  @BeforeEach
  void setUp() throws Exception {
    requireChromium();
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("enabled", true).put("port", 0);
    dash = new DashboardVerticle();
    await(vertx.deployVerticle(dash, new DeploymentOptions().setConfig(conf)));
    profile = Files.createTempDirectory("chromium-profile");
    driver = chromium(profile);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (vertx != null) {
      await(vertx.close());
    }
    deleteProfile(profile);
  }

  /** Deletes a browser profile directory made for a test; nothing when null. */
  static void deleteProfile(Path profile) throws Exception {
    if (profile != null) {
      try (var walk = Files.walk(profile)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private String count(String peer) {
    List<WebElement> cells = driver.findElements(By.cssSelector(
        "tbody.peer-group[data-peer='" + peer + "'] td.conn-count"));
    return cells.isEmpty() ? "" : cells.get(0).getText();
  }

  private List<WebElement> connRows(String peer) {
    return driver.findElements(By.cssSelector(
        "tbody.peer-group[data-peer='" + peer + "'] tr.conn-row"));
  }

  /**
   * The stream ids listed in {@code connId}'s open streams panel, read in one step inside the
   * page: the panel is rebuilt on every poll, and rows found one call before they are read may
   * be gone by then.
   */
  private List<String> streamIds(String connId) {
    Object ids = ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(r => r.dataset.stream);",
        "tr.streams-row[data-for='" + connId + "'] tr[data-stream]");
    return ((List<?>) ids).stream().map(String::valueOf).toList();
  }

  @Test
  void aTokenIsAskedForInAFormAndNeverPutInTheUrl() throws Exception {
    String token = "s3cret-" + Long.toHexString(System.nanoTime());
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("enabled", true).put("port", 0).put("token", token);
    DashboardVerticle locked = new DashboardVerticle();
    await(vertx.deployVerticle(locked, new DeploymentOptions().setConfig(conf)));
    String page = locked.url() + "/";
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    driver.get(page);
    wait.until(d -> d.findElement(By.id("login")).isDisplayed());
    wait.until(d -> "locked".equals(d.findElement(By.id("link")).getText()));

    driver.findElement(By.id("login-token")).sendKeys(token);
    driver.findElement(By.id("login-submit")).click();
    wait.until(d -> !d.findElement(By.id("login")).isDisplayed());
    wait.until(d -> "live".equals(d.findElement(By.id("link")).getText()));
    wait.until(d -> d.findElement(By.id("peer-id")).getText()
        .equals(a.swarm().peerId().toString()));

    // Connections appear on the page only through the event WebSocket (polling refreshes
    // counters of connections it already knows, never adds one).
    String peerB = b.swarm().peerId().toString();
    await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions().setConnections(2)));
    wait.until(d -> "2".equals(count(peerB)));
    assertEquals(page, driver.getCurrentUrl());
    assertTrue(!driver.getCurrentUrl().contains(token), driver.getCurrentUrl());

    // The tab keeps it: a reload goes live without the form, and still with a clean URL.
    driver.navigate().refresh();
    wait.until(d -> "live".equals(d.findElement(By.id("link")).getText()));
    wait.until(d -> "2".equals(count(peerB)));
    assertTrue(!driver.findElement(By.id("login")).isDisplayed());
    assertEquals(page, driver.getCurrentUrl());

    // A wrong token brings the form back, saying so.
    ((JavascriptExecutor) driver).executeScript(
        "sessionStorage.setItem('vertxp2p.dashboard.token', 'wrong')");
    driver.navigate().refresh();
    wait.until(d -> d.findElement(By.id("login")).isDisplayed());
    wait.until(d -> d.findElement(By.id("login-error")).getText().contains("wrong token"));
    assertEquals(page, driver.getCurrentUrl());
  }

  @Test
  void dialThreeThenHangUpOne() throws Exception {
    String peerB = b.swarm().peerId().toString();
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    // An open streams panel is rebuilt on every poll, so an element found just before a poll may
    // be gone when the condition reads it: the condition is then simply tried again.
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    wait.until(d -> "live".equals(d.findElement(By.id("link")).getText()));
    wait.until(d -> d.findElement(By.id("peer-id")).getText()
        .equals(a.swarm().peerId().toString()));

    driver.findElement(By.id("dial-addr")).sendKeys(b.swarm().listenAddrs().get(0).toString());
    WebElement n = driver.findElement(By.id("dial-count"));
    n.clear();
    n.sendKeys("3");
    driver.findElement(By.id("dial-submit")).click();

    wait.until(d -> "3".equals(count(peerB)));
    wait.until(d -> connRows(peerB).size() == 3 && connRows(peerB).get(0).isDisplayed());
    assertEquals(3, a.swarm().getConnections(b.swarm().peerId()).size());
    wait.until(d -> d.findElement(By.id("dial-result")).getText().contains("3 connections"));

    // ping, so the screenshot shows a round trip
    driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] button[data-action='ping']")).click();
    wait.until(d -> d.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] td.rtt")).getText().endsWith("ms"));

    // a stream B holds open: its connection's "streams" button lists it, with its state
    b.swarm().handle("/hold/1.0.0", st -> st.pause());
    P2pStream held = await(a.swarm().newStream(b.swarm().peerId(), "/hold/1.0.0"));
    String carrier = held.connection().id();
    driver.findElement(By.cssSelector("tr.conn-row[data-conn='" + carrier
        + "'] button[data-action='streams']")).click();
    wait.until(d -> d.findElements(By.cssSelector("tr.streams-row[data-for='" + carrier + "']"))
        .stream().anyMatch(r -> r.getText().contains("/hold/1.0.0")
            && r.getText().contains("outbound")));
    // the open panel follows the connection without another click: a second stream appears,
    // the first one's reset takes it away
    P2pStream second = await(held.connection().newStream("/hold/1.0.0"));
    wait.until(d -> Set.copyOf(streamIds(carrier)).equals(Set.of(
        String.valueOf(held.streamId()), String.valueOf(second.streamId()))));
    held.reset();
    wait.until(d -> streamIds(carrier).equals(List.of(String.valueOf(second.streamId()))));

    String victim = connRows(peerB).get(0).getAttribute("data-conn");
    connRows(peerB).get(0).findElement(By.cssSelector("button[data-action='hangup-conn']"))
        .click();
    wait.until(d -> "2".equals(count(peerB)));
    wait.until(d -> connRows(peerB).size() == 2);
    assertTrue(connRows(peerB).stream()
        .noneMatch(r -> victim.equals(r.getAttribute("data-conn"))));
    assertEquals(2, a.swarm().getConnections(b.swarm().peerId()).size());
    wait.until(d -> d.findElement(By.id("event-log")).getText().contains("connection.closed"));
    assertEquals("2", driver.findElement(By.id("stat-conns")).getText());

    // The protect toggle: the peer shows up in the connection-manager panel, then leaves it.
    driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] button[data-action='protect']")).click();
    wait.until(d -> !d.findElements(By.cssSelector(
        "#protected-peers li[data-peer='" + peerB + "']")).isEmpty());
    assertTrue(a.swarm().isProtected(b.swarm().peerId()));
    wait.until(d -> d.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] button[data-action='protect']")).getText().equals("unprotect"));
    driver.findElement(By.cssSelector("tbody.peer-group[data-peer='" + peerB
        + "'] button[data-action='protect']")).click();
    wait.until(d -> d.findElements(By.cssSelector(
        "#protected-peers li[data-peer='" + peerB + "']")).isEmpty());
    assertTrue(!a.swarm().isProtected(b.swarm().peerId()));

    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path out = Path.of("target", "dashboard.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);
    assertTrue(png.length > 10_000, "screenshot looks empty");
  }
}
