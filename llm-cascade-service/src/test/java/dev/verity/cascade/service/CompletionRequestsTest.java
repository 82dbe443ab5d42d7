package dev.verity.cascade.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.service.CompletionRequests.Admission;
import dev.verity.cascade.service.CompletionRequests.CallHeaders;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.Tier;
import dev.verity.contract.UserContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionRequestsTest {

    private static final UserContext USER = new UserContext("user-1", "org-1", Tier.MID, null, null);
    private static final CallHeaders NO_HEADERS = new CallHeaders(null, null, null);

    private final CompletionRequests requests = new CompletionRequests(() -> List.of("small", "large"));

    private static ChatCompletionRequest request(String json) throws Exception {
        return new ObjectMapper().readValue(json, ChatCompletionRequest.class);
    }

    private static ChatCompletionRequest hello() throws Exception {
        return request("{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    private Problem refused(ChatCompletionRequest request, CallHeaders headers) {
        Admission admission = requests.admit(request, headers, USER, "req-1");
        assertThat(admission).isInstanceOf(Admission.Refused.class);
        return ((Admission.Refused) admission).problem();
    }

    @Test
    void aValidRequestWithoutHeadersIsALiveCallWithoutADeadline() throws Exception {
        Admission admission = requests.admit(hello(), NO_HEADERS, USER, "req-1");

        assertThat(admission).isInstanceOfSatisfying(Admission.Call.class, call -> {
            assertThat(call.context().user()).isEqualTo(USER);
            assertThat(call.context().requestId()).isEqualTo("req-1");
            assertThat(call.context().deadlineEpochMs()).isNull();
            assertThat(call.decision()).isEqualTo(StreamDecision.LIVE);
        });
    }

    @Test
    void theDeadlineHeaderBecomesTheCallsDeadline() throws Exception {
        Admission admission = requests.admit(hello(), new CallHeaders(" 1900000000000 ", null, null), USER, "req-1");

        assertThat(admission).isInstanceOfSatisfying(Admission.Call.class,
                call -> assertThat(call.context().deadlineEpochMs()).isEqualTo(1_900_000_000_000L));
    }

    @Test
    void theStreamHeadersChooseTheDecision() throws Exception {
        Admission held = requests.admit(hello(), new CallHeaders(null, "scored", null), USER, "req-1");
        Admission announced = requests.admit(hello(), new CallHeaders(null, null, "announce"), USER, "req-1");

        assertThat(((Admission.Call) held).decision()).isEqualTo(StreamDecision.HELD);
        assertThat(((Admission.Call) announced).decision()).isEqualTo(StreamDecision.ANNOUNCED);
    }

    @Test
    void anInvalidBodyIsRefusedNamingTheFieldForThisCallerAndRequest() throws Exception {
        Problem problem = refused(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":3}"),
                NO_HEADERS);

        assertThat(problem.errorType()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.detail()).isEqualTo("Field 'temperature' must be between 0 and 2.");
        assertThat(problem.service()).isEqualTo(Services.LLM_CASCADE);
        assertThat(problem.instance()).isEqualTo(Problem.instanceFor("req-1"));
    }

    @Test
    void anUnknownModelIsRefusedListingTheConfiguredOnes() throws Exception {
        Problem problem = refused(request("{\"model\":\"huge\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                NO_HEADERS);

        assertThat(problem.detail()).isEqualTo("Unknown model 'huge'. Use 'auto' or one of: small, large.");
    }

    @Test
    void aMissingBodyIsRefused() {
        Problem problem = refused(null, NO_HEADERS);

        assertThat(problem.detail()).isEqualTo("The request body must be a chat-completions JSON object.");
    }

    @Test
    void aDeadlineThatIsNoNumberIsRefused() throws Exception {
        Problem problem = refused(hello(), new CallHeaders("tomorrow", null, null));

        assertThat(problem.errorType()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(problem.detail()).isEqualTo("Header 'X-Request-Deadline' must be epoch milliseconds.");
    }

    @Test
    void anUnknownHoldValueOrBothStreamHeadersAreRefused() throws Exception {
        Problem unknown = refused(hello(), new CallHeaders(null, "later", null));
        Problem both = refused(hello(), new CallHeaders(null, "scored", "announce"));

        assertThat(unknown.errorType()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(unknown.detail()).startsWith("Header 'x-verity-hold-stream' takes only the value 'scored'");
        assertThat(both.detail()).isEqualTo(unknown.detail());
    }

    @Test
    void theBodyIsJudgedBeforeTheHeaders() throws Exception {
        Problem problem = refused(request("{\"messages\":[]}"), new CallHeaders("tomorrow", "later", null));

        assertThat(problem.detail()).isEqualTo("Field 'messages' must hold at least one message.");
    }
}
