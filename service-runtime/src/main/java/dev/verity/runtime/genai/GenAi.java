package dev.verity.runtime.genai;

/**
 * Names from the OpenTelemetry GenAI semantic conventions, used for span attributes and metric tags
 * alike, so a trace and a histogram speak the same language. Prometheus turns the dots into
 * underscores ({@code gen_ai_request_model}).
 */
public final class GenAi {

    public static final String OPERATION_NAME = "gen_ai.operation.name";
    public static final String PROVIDER_NAME = "gen_ai.provider.name";
    public static final String REQUEST_MODEL = "gen_ai.request.model";
    public static final String RESPONSE_MODEL = "gen_ai.response.model";
    public static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";
    public static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
    public static final String TOKEN_TYPE = "gen_ai.token.type";
    public static final String ERROR_TYPE = "error.type";
    /** Opt-in only (verity.tracing.capture-content): the messages sent and the answer received. */
    public static final String INPUT_MESSAGES = "gen_ai.input.messages";
    public static final String OUTPUT_MESSAGES = "gen_ai.output.messages";

    /** The only operation Verity's services perform against a model. */
    public static final String CHAT = "chat";

    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";

    /** Tag value where the conventions leave an attribute out (Prometheus series need the same labels). */
    public static final String NONE = "none";

    private GenAi() {
    }
}
