package dev.verity.bench;

import io.vertx.core.Future;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why the calls of one measurement failed: the status with the error type the body names (the
 * gateway's problem {@code type}, or OpenAI's {@code error.type} / {@code error.code}), or the
 * exception a call failed with. A bench row that only counts errors cannot say whether they came
 * from a limit, a timeout or a bug; this can. One measurement runs at a time, so one tally is shared.
 */
final class ErrorCauses {

    private static final Pattern TYPE = Pattern.compile("\"(?:type|code|error_type)\"\\s*:\\s*\"([^\"]{1,80})\"");
    private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    private ErrorCauses() {
    }

    /** True for a 200; anything else is counted by its cause and is false. */
    static Future<Boolean> counted(Future<Http.Reply> reply) {
        return reply.map(answer -> {
            if (answer.status() == 200) {
                return true;
            }
            add(answer.status() + " " + typeOf(answer.body() == null ? "" : answer.body().toString()));
            return false;
        }).recover(failure -> {
            add(failure.getClass().getSimpleName() + ": " + String.valueOf(failure.getMessage()).lines().findFirst().orElse(""));
            return Future.succeededFuture(false);
        });
    }

    /** Every error type the body names, in order: "type=…, code=…" collapses to the distinct values. */
    static String typeOf(String body) {
        Matcher matcher = TYPE.matcher(body);
        StringBuilder types = new StringBuilder();
        while (matcher.find()) {
            if (!types.isEmpty()) {
                types.append('/');
            }
            types.append(matcher.group(1));
        }
        return types.isEmpty() ? "(no error type in body)" : types.toString();
    }

    static void add(String cause) {
        add(cause, 1);
    }

    static void add(String cause, long count) {
        COUNTS.computeIfAbsent(cause, k -> new LongAdder()).add(count);
    }

    static void reset() {
        COUNTS.clear();
    }

    /** "503 service_unavailable ×12; TimeoutException: … ×3", and forgets them. */
    static String drain() {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(COUNTS).forEach((cause, count) -> {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append(cause).append(" ×").append(count.sum());
        });
        COUNTS.clear();
        return text.toString();
    }
}
