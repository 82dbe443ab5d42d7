package dev.verity.contract.receipt;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether verified claims describe exactly what was received: the same request, model and
 * provider response, the same degraded flag, and the digests of the very text, refusal, tool calls
 * and attempts. Shared by client verifiers and the gateway, so both hold answers to one rule.
 */
public final class AnswerCheck {

    private AnswerCheck() {
    }

    public static void check(Map<String, Object> claims, ReceivedAnswer answer) throws InvalidReceipt {
        if (answer.requestId() != null) {
            same(claims, ReceiptClaims.REQUEST_ID, answer.requestId());
        }
        same(claims, ReceiptClaims.MODEL, answer.model());
        same(claims, ReceiptClaims.PROVIDER_REQUEST_ID, answer.providerRequestId());
        if (!Objects.equals(claims.get(ReceiptClaims.DEGRADED), answer.degraded())) {
            throw new InvalidReceipt("degraded differs from the receipt");
        }
        same(claims, ReceiptClaims.CONTENT_SHA256, Digests.text(answer.content()));
        same(claims, ReceiptClaims.REFUSAL_SHA256, answer.refusal() == null ? null : Digests.text(answer.refusal()));
        same(claims, ReceiptClaims.TOOL_CALLS_SHA256,
                answer.toolCalls().isEmpty() ? null : Digests.toolCalls(answer.toolCalls()));
        if (answer.attempts() != null) {
            same(claims, ReceiptClaims.ATTEMPTS_SHA256, Digests.attempts(answer.attempts()));
        }
    }

    public static void checkData(Map<String, Object> claims, Object result, String requestId) throws InvalidReceipt {
        if (!ReceiptClaims.KIND_DATA_RESULT.equals(claims.get(ReceiptClaims.KIND))) {
            throw new InvalidReceipt("not a data result receipt");
        }
        if (requestId != null) {
            same(claims, ReceiptClaims.REQUEST_ID, requestId);
        }
        if (!sameJson(claims.get(ReceiptClaims.RESULT), result)) {
            throw new InvalidReceipt("result differs from the receipt");
        }
    }

    /** Structural equality of parsed JSON; numbers by value, since their text may be rewritten on the way. */
    static boolean sameJson(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            for (Map.Entry<?, ?> entry : x.entrySet()) {
                if (!sameJson(entry.getValue(), y.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameJson(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    private static void same(Map<String, Object> claims, String claim, String received) throws InvalidReceipt {
        if (!Objects.equals(claims.get(claim), received)) {
            throw new InvalidReceipt(claim + " differs from the receipt");
        }
    }
}
