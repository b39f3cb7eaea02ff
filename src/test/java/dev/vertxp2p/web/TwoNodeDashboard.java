package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;

import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.openqa.selenium.WebDriver;

/**
 * What the dashboard's browser tests share: node B, node A with its dashboard ({@link #startA}),
 * and a headless Chromium with a fresh profile, all closed after the test. Needs Chromium like
 * {@link DashboardBrowserTest}.
 */
abstract class TwoNodeDashboard {
  protected Vertx vertx;
  protected SwarmVerticle a;
  protected SwarmVerticle b;
  protected DashboardVerticle dash;
  protected WebDriver driver;
  protected Path profile;

  @BeforeEach
  void startBAndBrowser() throws Exception {
    DashboardBrowserTest.requireChromium();
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    b = deploy(vertx, config("nodeb"));
    profile = Files.createTempDirectory("chromium-profile");
    driver = DashboardBrowserTest.chromium(profile);
  }

  /** Starts node A with {@code conf} (a test node's config) and its dashboard on a free port. */
  protected void startA(JsonObject conf) {
    a = deploy(vertx, conf);
    JsonObject http = conf.copy();
    http.getJsonObject("http").put("enabled", true).put("port", 0);
    dash = new DashboardVerticle();
    await(vertx.deployVerticle(dash, new DeploymentOptions().setConfig(http)));
  }

  @AfterEach
  void closeAll() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (vertx != null) {
      await(vertx.close());
    }
    DashboardBrowserTest.deleteProfile(profile);
  }
}
