package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The launcher's search for a local model server, against real HTTP servers on this machine. */
class LocalModelServerTest {

    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(server -> server.stop(0));
    }

    /** A server answering {@code GET /v1/models} with this status, content type and body. */
    private LocalModelServer.Candidate serving(String product, int status, String contentType, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/v1/models", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return new LocalModelServer.Candidate(product, "localhost", server.getAddress().getPort());
    }

    private static LocalModelServer.Candidate nothingListening() {
        return new LocalModelServer.Candidate("vLLM", "localhost", Endpoints.freePort());
    }

    private static final String TWO_MODELS = """
            {"object":"list","data":[{"id":"llama3.2:latest","object":"model","owned_by":"library"},
             {"id":"Qwen/Qwen2.5-7B-Instruct","object":"model"}]}""";

    @Test
    void aServerListingModelsIsUsedWithEveryModelAtTierOneAndItsUpstreamIdExact() throws IOException {
        LocalModelServer.Candidate ollama = serving("Ollama", 200, "application/json", TWO_MODELS);

        LocalModelServer.Detection detection = LocalModelServer.detect(List.of(ollama));

        assertThat(detection).isInstanceOf(LocalModelServer.Detection.Found.class);
        LocalModelServer.Detection.Found found = (LocalModelServer.Detection.Found) detection;
        assertThat(found.server()).isEqualTo(ollama);
        assertThat(found.models()).containsExactly(
                new LocalModelServer.Model("llama32latest", "llama3.2:latest"),
                new LocalModelServer.Model("qwenqwen257binstruct", "Qwen/Qwen2.5-7B-Instruct"));
        Map<String, String> env = LocalModelServer.environment(found);
        assertThat(env).containsEntry("VERITY_MODELS_LLAMA32LATEST_BASE_URL", ollama.baseUrl())
                .containsEntry("VERITY_MODELS_LLAMA32LATEST_UPSTREAM_MODEL", "llama3.2:latest")
                .containsEntry("VERITY_MODELS_LLAMA32LATEST_TIER", "1")
                .containsEntry("VERITY_MODELS_QWENQWEN257BINSTRUCT_UPSTREAM_MODEL", "Qwen/Qwen2.5-7B-Instruct")
                .containsEntry("VERITY_MODELS_QWENQWEN257BINSTRUCT_TIER", "1")
                .hasSize(6);
        assertThat(LocalModelServer.report(found))
                .contains("found Ollama at " + ollama.baseUrl())
                .contains("llama32latest").contains("upstream model llama3.2:latest")
                .contains("VERITY_MODELS_<NAME>_BASE_URL");
    }

    @Test
    void candidatesAreTriedInOrderPastOnesThatDoNotServeAList() throws IOException {
        LocalModelServer.Candidate down = nothingListening();
        LocalModelServer.Candidate failing = serving("vLLM", 500, "application/json", "{\"error\":\"boom\"}");
        LocalModelServer.Candidate studio = serving("LM Studio", 200, "application/json",
                "{\"data\":[{\"id\":\"phi-3\"}]}");

        LocalModelServer.Detection detection = LocalModelServer.detect(List.of(down, failing, studio));

        assertThat(detection).isEqualTo(new LocalModelServer.Detection.Found(studio,
                List.of(new LocalModelServer.Model("phi3", "phi-3"))));
    }

    @Test
    void nothingListeningIsNotFoundAndSaysSo() {
        LocalModelServer.Candidate down = nothingListening();

        LocalModelServer.Detection detection = LocalModelServer.detect(List.of(down));

        assertThat(detection).isEqualTo(new LocalModelServer.Detection.NotFound(
                List.of("vLLM at " + down.baseUrl() + ": nothing answers")));
        assertThat(LocalModelServer.report(detection)).contains("Models: none")
                .contains("503 llm_unavailable").contains("VERITY_MODELS_<NAME>_BASE_URL");
    }

    @Test
    void aServerErrorIsNotAModelList() throws IOException {
        LocalModelServer.Candidate failing = serving("Ollama", 500, "application/json", TWO_MODELS);

        assertThat(LocalModelServer.detect(List.of(failing))).isEqualTo(new LocalModelServer.Detection.NotFound(
                List.of("Ollama at " + failing.baseUrl() + ": GET /v1/models answered 500")));
    }

    @Test
    void aReplyThatIsNotJsonIsNotAModelList() throws IOException {
        LocalModelServer.Candidate html = serving("Ollama", 200, "text/html", "<html><body>Ollama is running</body></html>");

        assertThat(LocalModelServer.detect(List.of(html))).isEqualTo(new LocalModelServer.Detection.NotFound(
                List.of("Ollama at " + html.baseUrl() + ": lists no model")));
    }

    @Test
    void anEmptyListOrOneWithoutIdsIsNotAModelList() throws IOException {
        LocalModelServer.Candidate empty = serving("Ollama", 200, "application/json", "{\"object\":\"list\",\"data\":[]}");
        LocalModelServer.Candidate noIds = serving("vLLM", 200, "application/json", "{\"data\":[{\"object\":\"model\"},{\"id\":\" \"}]}");
        LocalModelServer.Candidate otherShape = serving("LM Studio", 200, "application/json", "[\"llama3\"]");

        LocalModelServer.Detection detection = LocalModelServer.detect(List.of(empty, noIds, otherShape));

        assertThat(detection).isInstanceOf(LocalModelServer.Detection.NotFound.class);
        assertThat(((LocalModelServer.Detection.NotFound) detection).tried()).hasSize(3)
                .allSatisfy(reason -> assertThat(reason).endsWith(": lists no model"));
    }

    @Test
    void aServerThatHangsUpWithoutAReplyIsNotAModelList() throws IOException {
        try (java.net.ServerSocket hangsUp = new java.net.ServerSocket(0)) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    hangsUp.accept().close();
                } catch (IOException e) {
                    // the socket closed at the end of the test
                }
            });
            LocalModelServer.Candidate candidate = new LocalModelServer.Candidate("vLLM", "localhost", hangsUp.getLocalPort());

            LocalModelServer.Detection detection = LocalModelServer.detect(List.of(candidate));

            assertThat(detection).isInstanceOf(LocalModelServer.Detection.NotFound.class);
            assertThat(((LocalModelServer.Detection.NotFound) detection).tried()).singleElement()
                    .asString().startsWith("vLLM at " + candidate.baseUrl() + ": no usable reply");
            acceptor.interrupt();
        }
    }

    @Test
    void namesAreLowerCaseLettersAndDigitsAndUniqueWhileUpstreamIdsStayExact() {
        List<LocalModelServer.Model> models = LocalModelServer.named(
                List.of("Llama-3", "llama3", "llama_3", "7b-chat", "---"));

        assertThat(models).extracting(LocalModelServer.Model::name)
                .containsExactly("llama3", "llama32", "llama33", "local7bchat", "local");
        assertThat(models).extracting(LocalModelServer.Model::upstreamId)
                .containsExactly("Llama-3", "llama3", "llama_3", "7b-chat", "---");
        assertThat(models).allSatisfy(model -> assertThat(model.name()).matches("[a-z][a-z0-9]*"));
    }

    @Test
    void anyConfiguredModelVariableMeansNoSearch() {
        assertThat(LocalModelServer.modelsConfigured(Map.of("VERITY_MODELS_SMALL_BASE_URL", "http://x/v1"))).isTrue();
        assertThat(LocalModelServer.modelsConfigured(Map.of("VERITY_PRICES_SMALL_INPUT_USD_PER_MTOK", "1"))).isFalse();
        assertThat(LocalModelServer.modelsConfigured(Map.of())).isFalse();
    }
}
