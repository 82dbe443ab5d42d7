package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.local.VerityTestResource;
import io.quarkus.security.Authenticated;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /q/openapi} describes the gateway as it is: every operation the application really
 * serves (its JAX-RS resources, read by reflection, and any path routed on the Vert.x router) and
 * nothing else, each with its failure response in the shape the route really answers with.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class OpenApiDocumentTest extends GatewayTestSupport {

    private static final String OPENAI_ROUTE = "/v1/chat/completions";
    /** Routed on Vert.x but not HTTP operations: the WebSocket and the console's static assets. */
    private static final Set<String> NOT_OPERATIONS = Set.of("/ws/v1/events", "/webjars/");

    @Inject
    BeanManager beans;

    @Inject
    Router router;

    private JsonNode document;

    @BeforeEach
    void fetchWithoutAToken() throws Exception {
        String body = given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200).extract().asString();
        document = new ObjectMapper().readTree(body);
    }

    /** "POST /api/v1/chat" → the resource class serving it. */
    private Map<String, Class<?>> servedOperations() {
        Map<String, Class<?>> served = new TreeMap<>();
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> resource = bean.getBeanClass();
            Path classPath = resource.getAnnotation(Path.class);
            if (classPath == null) {
                continue;
            }
            for (Method method : resource.getDeclaredMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                Path methodPath = method.getAnnotation(Path.class);
                served.put(verb + " " + join(classPath.value(), methodPath == null ? "" : methodPath.value()), resource);
            }
        }
        return served;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    private static String join(String base, String sub) {
        String path = ("/" + base + "/" + sub).replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** Paths the application routes on Vert.x itself: every one is an operation or one of {@link #NOT_OPERATIONS}. */
    private Set<String> routerPaths() {
        Set<String> paths = new TreeSet<>();
        router.getRoutes().forEach(route -> {
            String path = route.getPath();
            if (path != null && !path.startsWith("/q/") && !path.equals("/q") && !path.equals("/")) {
                paths.add(path);
            }
        });
        return paths;
    }

    private Map<String, JsonNode> documentedOperations() {
        Map<String, JsonNode> documented = new TreeMap<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (Set.of("get", "post", "put", "delete", "patch", "head", "options").contains(operation.getKey())) {
                documented.put(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), operation.getValue());
            }
        }));
        return documented;
    }

    @Test
    void documentsExactlyTheOperationsTheGatewayServes() {
        Set<String> served = servedOperations().keySet();

        assertThat(served).contains("POST /v1/chat/completions", "POST /api/v1/chat", "POST /api/v1/metrics/query",
                "POST /api/v1/cost-analysis", "POST /api/v1/usage", "GET /api/v1/tickets/{id}", "GET /api/v1/status");
        assertThat(documentedOperations().keySet()).containsExactlyInAnyOrderElementsOf(served);
        Set<String> documentedPaths = new TreeSet<>();
        document.path("paths").fieldNames().forEachRemaining(documentedPaths::add);
        assertThat(routerPaths()).allSatisfy(path -> assertThat(path)
                .satisfiesAnyOf(p -> assertThat(NOT_OPERATIONS).contains(p), p -> assertThat(documentedPaths).contains(p)));
    }

    @Test
    void everyOperationDeclaresTheFailureShapeItAnswersWith() {
        documentedOperations().forEach((operation, spec) -> {
            List<String> failureSchemas = new ArrayList<>();
            spec.path("responses").properties().forEach(response -> {
                if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                    JsonNode content = resolve(response.getValue()).path("content");
                    content.properties().forEach(type -> failureSchemas.add(type.getKey() + " "
                            + type.getValue().path("schema").path("$ref").asText()));
                }
            });
            if (operation.endsWith(" " + OPENAI_ROUTE)) {
                assertThat(failureSchemas).as(operation).isNotEmpty()
                        .containsOnly("application/json #/components/schemas/OpenAiError");
            } else {
                assertThat(failureSchemas).as(operation).isNotEmpty()
                        .containsOnly("application/problem+json #/components/schemas/Problem");
            }
        });
    }

    @Test
    void theOpenAiErrorCarriesTheProblemAndTheProblemNamesEveryErrorType() {
        JsonNode schemas = document.path("components").path("schemas");
        assertThat(schemas.path("OpenAiError").path("properties").path("problem").path("$ref").asText())
                .isEqualTo("#/components/schemas/Problem");
        assertThat(schemas.path("Problem").path("required")).extracting(JsonNode::asText)
                .contains("type", "status", "detail", "error_type", "retryable");
        List<String> documented = StreamSupport.stream(schemas.path("ErrorType").path("enum").spliterator(), false)
                .map(JsonNode::asText).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ErrorType.values()).map(ErrorType::wire).toList());
    }

    @Test
    void operationsNeedABearerTokenExactlyWhereTheResourceDemandsOne() {
        JsonNode bearer = document.path("components").path("securitySchemes").path("bearer");
        assertThat(bearer.path("type").asText()).isEqualTo("http");
        assertThat(bearer.path("scheme").asText()).isEqualTo("bearer");
        assertThat(bearer.path("bearerFormat").asText()).isEqualTo("JWT");
        assertThat(document.path("security").get(0).has("bearer")).isTrue();

        Map<String, JsonNode> documented = documentedOperations();
        servedOperations().forEach((operation, resource) -> {
            JsonNode security = documented.get(operation).path("security");
            boolean open = security.isArray() && security.isEmpty();
            assertThat(open).as(operation + " documented without a token")
                    .isEqualTo(!resource.isAnnotationPresent(Authenticated.class));
        });
    }

    /** The document is served to anyone, and asking for it leaves the protected routes protected. */
    @Test
    void theDocumentNeedsNoTokenAndTheApiStillDoes() {
        given().when().get("/q/openapi").then().statusCode(200);
        given().contentType("application/json").body("{\"message\":\"hi\"}").when().post("/api/v1/chat")
                .then().statusCode(401).contentType("application/problem+json");
    }

    private JsonNode resolve(JsonNode node) {
        String ref = node.path("$ref").asText();
        if (ref.isEmpty()) {
            return node;
        }
        JsonNode target = document;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part);
        }
        return target;
    }
}
