package io.scalesmall.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalesmall.client.ClientConfig;
import io.scalesmall.client.ScaleSmallClient;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, which {@code .ci/run} installs), driven by Selenium, loads the dashboard of a
 * {@code scalesmall dev} cluster; the member table lists every node, the throughput chart moves
 * while a producer runs, and the ring of the producer's stream appears. A screenshot is saved as
 * {@code cli/target/browser/dashboard.png}.
 *
 * <p>Without Chromium the test is skipped, unless {@code REQUIRE_BROWSER_TESTS=1} (as in CI), when
 * it fails.
 */
@Tag("browser")
class DashboardIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private DevCluster cluster;
    private ChromeDriver browser;
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private Thread producer;

    @AfterEach
    void stopAll() throws InterruptedException {
        producing.set(false);
        if (producer != null) {
            producer.join(30_000);
        }
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Skips the test without Chromium, or fails it when browser tests are required. */
    private static void assumeChromium() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && "1".equals(System.getenv("REQUIRE_BROWSER_TESTS"))) {
            throw new AssertionError(CHROMIUM + " and " + CHROMEDRIVER + " are required (REQUIRE_BROWSER_TESTS=1)");
        }
        Assumptions.assumeTrue(installed, "Debian's chromium and chromium-driver are not installed");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theDashboardListsEveryNodeAndItsThroughputChartMovesUnderLoad() throws Exception {
        assumeChromium();
        cluster = DevCluster.start(dir);
        List<String> nodeIds = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            nodeIds.clear();
            for (JsonNode m : get(cluster.http(0) + "/api/cluster").get("members")) {
                if (m.get("status").asText().equals("ALIVE")) {
                    nodeIds.add(m.get("id").asText());
                }
            }
            assertThat(nodeIds).hasSize(3);
        });

        browser = startBrowser();
        browser.get(cluster.http(0) + "/");
        // Each refresh redraws the table: a row found may be gone by the time it is read.
        await().atMost(Duration.ofSeconds(30))
                .ignoreException(StaleElementReferenceException.class)
                .untilAsserted(() -> {
                    List<WebElement> rows = browser.findElements(By.cssSelector("#members tbody tr"));
                    List<String> listed = new ArrayList<>();
                    for (WebElement row : rows) {
                        listed.add(row.getAttribute("data-node-id"));
                        // Each node's own figures, gathered at its admin endpoint: it is ready.
                        assertThat(row.getText()).contains("ALIVE").endsWith("yes");
                    }
                    assertThat(listed).containsExactlyInAnyOrderElementsOf(nodeIds);
                });
        assertThat(browser.getTitle()).isEqualTo("ScaleSmall");

        AtomicLong acked = new AtomicLong();
        producer = new Thread(() -> produce(acked), "dashboard-producer");
        producer.start();
        WebElement chart = browser.findElement(By.id("throughput-chart"));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(Long.parseLong(chart.getAttribute("data-last-published")))
                        .as("messages per second the chart shows last (acked so far: %d)", acked.get())
                        .isPositive());
        String path = publishedPath();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(publishedPath())
                        .as("the published line is redrawn with new samples")
                        .isNotEqualTo(path));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                                browser.findElements(By.cssSelector("#streams [data-stream='dashboard'] path")))
                        .as("the ring of the stream's ranges")
                        .isNotEmpty());
        assertThat(browser.findElement(By.id("tile-members")).getText()).isEqualTo("3 / 3");
        // Any node describes the stream with every copy's figures.
        JsonNode stream = get(cluster.http(2) + "/api/streams/dashboard");
        assertThat(stream.get("batches").asLong()).isPositive();
        assertThat(stream.get("publishedMessages").asLong()).isPositive();
        for (JsonNode range : stream.get("ranges")) {
            assertThat(range.get("replicas")).hasSize(3);
        }

        Path screenshots = Path.of("target", "browser");
        Files.createDirectories(screenshots);
        Files.write(screenshots.resolve("dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));
        assertThat(acked.get()).isPositive();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void withPrincipalsTheDashboardAsksForAMonitorsTokenAndThenShowsEveryNode() throws Exception {
        assumeChromium();
        String monitorToken = "monitor-token-0123456789";
        Path principals = dir.resolve("principals.yaml");
        Files.writeString(principals, """
                principals:
                  - name: writer
                    token: "writer-token-0123456789"
                    publish: ["*"]
                  - name: prometheus
                    token: "%s"
                    monitor: true
                """.formatted(monitorToken), StandardCharsets.UTF_8);
        cluster = DevCluster.start(dir, java.util.Map.of("SCALESMALL_AUTH_FILE", principals.toString()));
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(cluster.http(0) + "/api/cluster"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode())
                        .as("the admin API without a token")
                        .isEqualTo(401));

        browser = startBrowser();
        browser.get(cluster.http(0) + "/");
        WebElement login = browser.findElement(By.id("login"));
        await().atMost(Duration.ofSeconds(30)).until(login::isDisplayed);
        assertThat(browser.findElement(By.tagName("main")).isDisplayed()).isFalse();

        // A principal without monitor is refused, and the form says so.
        browser.findElement(By.id("token")).sendKeys("writer-token-0123456789");
        browser.findElement(By.cssSelector("#login button")).click();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                                browser.findElement(By.id("login-error")).getText())
                        .contains("refused")
                        .contains("not a monitor"));

        browser.findElement(By.id("token")).sendKeys(monitorToken);
        browser.findElement(By.cssSelector("#login button")).click();
        // Every node's own figures, which node 0 gathered with the token: each is ready.
        await().atMost(Duration.ofSeconds(60))
                .ignoreException(StaleElementReferenceException.class)
                .untilAsserted(() -> {
                    assertThat(login.isDisplayed()).isFalse();
                    List<WebElement> rows = browser.findElements(By.cssSelector("#members tbody tr"));
                    assertThat(rows).hasSize(3);
                    for (WebElement row : rows) {
                        assertThat(row.getText()).contains("ALIVE").endsWith("yes");
                    }
                });
        // A reload keeps the token for the tab.
        browser.navigate().refresh();
        await().atMost(Duration.ofSeconds(30))
                .ignoreException(StaleElementReferenceException.class)
                .untilAsserted(() -> assertThat(browser.findElements(By.cssSelector("#members tbody tr")))
                        .hasSize(3));
        assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
        // Forgetting the token asks for one again.
        browser.findElement(By.id("sign-out")).click();
        await().atMost(Duration.ofSeconds(30))
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> browser.findElement(By.id("login")).isDisplayed());
        assertThat(browser.executeScript("return sessionStorage.getItem('scalesmall.token')"))
                .isNull();
    }

    /** The published line as drawn now (read in one script: each refresh replaces the chart's children). */
    private String publishedPath() {
        return (String)
                browser.executeScript(
                        "const p = document.querySelector('#throughput-chart path.published'); return p && p.getAttribute('d');");
    }

    /** Publishes to the stream "dashboard", at most 256 unanswered at a time, until told to stop. */
    private void produce(AtomicLong acked) {
        try (ScaleSmallClient client = ScaleSmallClient.create(
                ClientConfig.builder().servers(cluster.servers()).build())) {
            byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
            List<CompletableFuture<?>> window = new ArrayList<>();
            for (long i = 0; producing.get() && i < 50_000_000; i++) {
                byte[] key = Long.toString(i).getBytes(StandardCharsets.UTF_8);
                window.add(client.publish("dashboard", key, payload).thenRun(acked::incrementAndGet));
                if (window.size() == 256) {
                    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                            .get(30, TimeUnit.SECONDS);
                    window.clear();
                }
            }
        } catch (Exception e) {
            if (producing.get()) {
                throw new IllegalStateException("the producer failed", e);
            }
        }
    }

    private ChromeDriver startBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // As root in a container, without a GPU, and on a machine with no route to the internet.
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1100",
                "--user-data-dir=" + dir.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
