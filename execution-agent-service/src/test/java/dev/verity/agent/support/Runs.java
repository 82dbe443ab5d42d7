package dev.verity.agent.support;

import static io.restassured.RestAssured.given;

import dev.verity.contract.Headers;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;

/** Calls {@code POST /v1/runs} the way the gateway does: the user's token, request id, optional deadline. */
public final class Runs {

    public static final String METRICS_ARGUMENTS = """
            {"metrics":["latency_ms"],"from":"2026-11-25T00:00:00Z","to":"2026-11-25T07:00:00Z","bucket":"PT1H","group_by":"model"}""";

    private Runs() {
    }

    public static String body(String message, boolean stream) {
        return Json.write(java.util.Map.of("message", message, "stream", stream));
    }

    public static Response post(String token, String body, String requestId, Instant deadline) {
        RequestSpecification request = given().auth().oauth2(token).contentType(ContentType.JSON).body(body);
        if (requestId != null) {
            request.header(Headers.REQUEST_ID, requestId);
        }
        if (deadline != null) {
            request.header(Headers.REQUEST_DEADLINE, String.valueOf(deadline.toEpochMilli()));
        }
        return request.when().post("/v1/runs");
    }

    public static Response stream(String token, String message, String requestId) {
        return post(token, body(message, true), requestId, null);
    }
}
