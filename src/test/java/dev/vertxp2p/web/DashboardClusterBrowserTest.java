package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.launcher.ClusteredVertx;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's Cluster panel in headless Chromium. Two clustered Vert.x instances in this JVM
 * (Hazelcast on loopback, ports 5851 and 5852, a cluster name of their own), each with a swarm
 * ("alpha", "beta") and a dashboard; the fixture's plain node B is the remote peer. Alpha's page
 * lists alpha alone, then beta too once it joins, with its own row marked and each node's
 * dashboard link; once alpha holds two connections to B and beta one, B's row names both holders
 * with their counts; when beta's Vert.x closes, beta leaves the node list and B's holders. A node
 * outside a cluster says clustering is off, and nothing else. Needs Chromium like {@link
 * DashboardBrowserTest}.
 */
class DashboardClusterBrowserTest extends TwoNodeDashboard {
  /** Joining a Hazelcast cluster, and noticing a member leave, take seconds, not milliseconds. */
  private static final Duration CLUSTER_WAIT = Duration.ofSeconds(45);
  private static final int PORT_ALPHA = 5851;
  private static final int PORT_BETA = 5852;

  private final List<Vertx> clustered = new ArrayList<>();

  @AfterEach
  void closeCluster() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Vertx v : clustered) {
      closing.add(v.close());
    }
    clustered.clear();
    await(Future.join(closing), Duration.ofSeconds(30));
  }

  private static ClusterOptions cluster(String name, int port) {
    return new ClusterOptions().setEnabled(true).setName(name).setHost("127.0.0.1").setPort(port)
        .setMembers(List.of("127.0.0.1:" + PORT_ALPHA, "127.0.0.1:" + PORT_BETA));
  }

  /** A swarm's config in {@code cluster} under {@code nodeName}; HTTP off, as the swarm needs. */
  private static JsonObject clusteredConfig(ClusterOptions cluster, String nodeName) {
    return config("swarm")
        .put("cluster", new ClusterOptions(cluster).setNodeName(nodeName).toJson());
  }

  /** One clustered node: its swarm, then its dashboard on a free port. */
  private record Node(Vertx vertx, SwarmVerticle swarm, DashboardVerticle dashboard) {}

  private static Node node(Vertx vertx, ClusterOptions cluster, String nodeName) {
    JsonObject conf = clusteredConfig(cluster, nodeName);
    SwarmVerticle swarm = new SwarmVerticle();
    await(vertx.deployVerticle(swarm, new DeploymentOptions().setConfig(conf)));
    JsonObject http = conf.copy();
    http.getJsonObject("http").put("enabled", true).put("port", 0);
    DashboardVerticle dashboard = new DashboardVerticle();
    await(vertx.deployVerticle(dashboard, new DeploymentOptions().setConfig(http)));
    return new Node(vertx, swarm, dashboard);
  }

  /**
   * The Cluster panel, read in one step inside the page: {@code on}, {@code off} (which part
   * shows), {@code error}, {@code nodes} (name → {@code [peer title, conns, peers, self?, http
   * text]}) and {@code peers} (remote peer → node → conns).
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> panel() {
    return (Map<String, Object>) ((JavascriptExecutor) driver).executeScript(
        "const nodes = {};"
            + "for (const r of document.querySelectorAll('#cluster-node-rows tr')) {"
            + "  const td = (c) => r.querySelector('td.' + c);"
            + "  nodes[r.dataset.node] = [td('peer').title, td('conns').textContent,"
            + "    td('peers').textContent, r.classList.contains('self'), td('http').textContent];"
            + "}"
            + "const peers = {};"
            + "for (const r of document.querySelectorAll('#cluster-peer-rows tr')) {"
            + "  const held = {};"
            + "  for (const h of r.querySelectorAll('.holder')) {"
            + "    held[h.dataset.node] = h.querySelector('.count').textContent;"
            + "  }"
            + "  peers[r.dataset.peer] = held;"
            + "}"
            + "return {on: !document.getElementById('cluster-on').hidden,"
            + "  off: !document.getElementById('cluster-off').hidden,"
            + "  error: document.getElementById('cluster-error').textContent,"
            + "  nodes: nodes, peers: peers};");
  }

  @SuppressWarnings("unchecked")
  private Map<String, List<Object>> nodes() {
    return (Map<String, List<Object>>) panel().get("nodes");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Map<String, String>> peers() {
    return (Map<String, Map<String, String>>) panel().get("peers");
  }

  /** Waits until {@code condition} holds; a timeout says what was awaited, and the panel. */
  private void until(WebDriverWait wait, String what, Function<WebDriver, Boolean> condition) {
    wait.withMessage(() -> {
      try {
        return what + "; cluster panel: " + panel();
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
  void clusterPanelListsTheNodesAndWhoHoldsEachRemotePeerAndDropsANodeThatLeaves()
      throws Exception {
    String name = "dashboard-" + UUID.randomUUID();
    ClusterOptions ca = cluster(name, PORT_ALPHA);
    ClusterOptions cb = cluster(name, PORT_BETA);
    Future<Vertx> va = ClusteredVertx.create(ca).onSuccess(this::keep);
    Future<Vertx> vb = ClusteredVertx.create(cb).onSuccess(this::keep);
    await(Future.all(va, vb), CLUSTER_WAIT);
    Node alpha = node(va.result(), ca, "alpha");
    String idAlpha = alpha.swarm().swarm().peerId().toString();
    String idB = b.swarm().peerId().toString();

    WebDriverWait wait = new WebDriverWait(driver, CLUSTER_WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(alpha.dashboard().url() + "/");
    until(wait, "the event stream live", d -> "live".equals(text("link")));
    // beta's Vert.x is a member already, but no swarm of it has joined yet
    until(wait, "alpha alone listed", d -> nodes().keySet().equals(Set.of("alpha")));
    assertEquals("1 node · 0 connections", text("cluster-summary"));

    // Beta's swarm joins: its cluster.node.joined on alpha's event stream refreshes the panel.
    Node beta = node(vb.result(), cb, "beta");
    String idBeta = beta.swarm().swarm().peerId().toString();
    until(wait, "cluster.node.joined in the event log",
        d -> text("event-log").matches("(?s).*cluster\\.node\\.joined.*node beta.*"));
    until(wait, "both nodes listed", d -> nodes().keySet().equals(Set.of("alpha", "beta")));
    Map<String, Object> both = panel();
    assertEquals(true, both.get("on"), both.toString());
    assertEquals(false, both.get("off"), both.toString());
    assertEquals("", both.get("error"), both.toString());
    // each row: the node's full peer id behind the short one, no connection yet, this node
    // marked, and where its dashboard is
    assertEquals(List.of(idAlpha, "0", "0", true, alpha.dashboard().url()), nodes().get("alpha"));
    assertEquals(List.of(idBeta, "0", "0", false, beta.dashboard().url()), nodes().get("beta"));
    assertTrue(peers().isEmpty(), peers().toString());
    assertTrue(driver.findElement(By.id("cluster-peers-empty")).isDisplayed());
    assertFalse(driver.findElement(By.id("cluster-off")).isDisplayed());
    assertEquals("2 nodes · 0 connections", text("cluster-summary"));

    // Alpha holds two connections to B: its own connection events refresh the panel.
    await(alpha.swarm().swarm().dial(b.swarm().listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    until(wait, "B held by alpha with 2 connections",
        d -> Map.of("alpha", "2").equals(peers().get(idB)));
    until(wait, "alpha's row with 2 connections to 1 peer",
        d -> List.of(idAlpha, "2", "1", true, alpha.dashboard().url())
            .equals(nodes().get("alpha")));
    assertEquals(Set.of(idB), peers().keySet());
    assertEquals("2", driver.findElement(By.cssSelector(
        "#cluster-peer-rows tr[data-peer='" + idB + "'] td.total")).getText());

    // Beta holds one too: nothing on alpha's event stream says so, the periodic re-read does.
    await(beta.swarm().swarm().dial(b.swarm().listenAddrs().get(0),
        new DialOptions().setConnections(1)));
    until(wait, "B held by alpha (2) and beta (1)",
        d -> Map.of("alpha", "2", "beta", "1").equals(peers().get(idB)));
    until(wait, "beta's row with 1 connection",
        d -> nodes().containsKey("beta") && "1".equals(nodes().get("beta").get(1)));
    assertEquals("3", driver.findElement(By.cssSelector(
        "#cluster-peer-rows tr[data-peer='" + idB + "'] td.total")).getText());
    ((JavascriptExecutor) driver).executeScript(
        "document.querySelector('section.cluster').scrollIntoView()");
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Path out = Path.of("target", "dashboard-cluster.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);

    // Beta's Vert.x closes cleanly: beta leaves the list and B's holders, and the page logs it.
    clustered.remove(beta.vertx());
    await(beta.vertx().close(), Duration.ofSeconds(30));
    until(wait, "only alpha listed", d -> nodes().keySet().equals(Set.of("alpha")));
    until(wait, "B held by alpha alone", d -> Map.of("alpha", "2").equals(peers().get(idB)));
    until(wait, "cluster.node.left in the event log",
        d -> text("event-log").matches("(?s).*cluster\\.node\\.left.*node beta.*"));
    assertEquals("1 node · 2 connections", text("cluster-summary"));
    assertEquals("", panel().get("error"));
  }

  private void keep(Vertx v) {
    synchronized (clustered) {
      clustered.add(v);
    }
  }

  @Test
  void outsideAClusterThePanelSaysClusteringIsOff() {
    startA(config("swarm"));
    WebDriverWait wait = new WebDriverWait(driver, DashboardBrowserTest.WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    driver.get(dash.url() + "/");
    until(wait, "the off line shown",
        d -> d.findElement(By.id("cluster-off")).isDisplayed());
    assertTrue(text("cluster-off").startsWith("clustering is off (cluster.enabled is false)"),
        text("cluster-off"));
    Map<String, Object> p = panel();
    assertEquals(false, p.get("on"), p.toString());
    assertEquals("", p.get("error"), p.toString());
    assertEquals("", text("cluster-summary"));
  }
}
