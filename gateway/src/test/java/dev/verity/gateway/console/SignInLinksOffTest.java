package dev.verity.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.gateway.DownstreamStandIns;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/** With sign-in links off (the production default), a token in the URL is dropped, not used. */
@QuarkusTest
@TestProfile(SignInLinksOffTest.LinksOff.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_console_test"), @ResourceArg(name = "redis-db", value = "6")})
@WithTestResource(DownstreamStandIns.class)
class SignInLinksOffTest {

    public static class LinksOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("verity.console.fragment-sign-in", "false");
        }
    }

    private static ChromeDriver browser;

    @TestHTTPResource("/")
    URL console;

    @BeforeAll
    static void openBrowser() throws IOException {
        browser = Browser.start();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aTokenInTheUrlIsDroppedAndTheUserIsAskedToPasteIt() {
        String token = TestInfra.get().tokens().mint(TestUser.of("u-console-links-off", "org-console", "mid"));
        browser.get(console + "#token=" + token);
        await().atMost(Duration.ofSeconds(15)).until(() -> browser.findElement(By.id("whoami")).getText().contains("paste your token"));
        assertThat(browser.getCurrentUrl()).doesNotContain("token=");
        assertThat(browser.executeScript("return sessionStorage.getItem('verity.token')")).isNull();
        assertThat(browser.findElement(By.id("signin-form")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("send")).isEnabled()).isFalse();
        Browser.screenshot(browser, "sign-in-link-refused", By.id("signin"));
    }
}
