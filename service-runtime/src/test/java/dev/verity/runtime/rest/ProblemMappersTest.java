package dev.verity.runtime.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.verity.contract.Problem;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every service names a field in a bad body the same way: {@code messages[0].role}. */
class ProblemMappersTest {

    record Turn(String role) {
    }

    record Body(List<Turn> messages) {
    }

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aFieldOfTheWrongTypeIsNamedByItsPathInTheBody() {
        MismatchedInputException e = catchThrowableOfType(MismatchedInputException.class,
                () -> json.readValue("{\"messages\":[{\"role\":[\"user\"]}]}", Body.class));

        Problem problem = problem(new ProblemMappers("svc", Optional.empty()).wrongType(e, null));

        assertThat(problem.detail()).isEqualTo("Field 'messages[0].role' has the wrong type or format.");
        assertThat(problem.service()).isEqualTo("svc");
        assertThat(problem.status()).isEqualTo(400);
    }

    @Test
    void anUnknownNestedFieldIsNamedByItsPathAndTheServicesAdviceFollows() {
        UnrecognizedPropertyException e = catchThrowableOfType(UnrecognizedPropertyException.class,
                () -> json.readValue("{\"messages\":[{\"role\":\"user\",\"drop_table\":true}]}", Body.class));

        assertThat(problem(new ProblemMappers("svc", Optional.empty()).unknownField(e, null)).detail())
                .isEqualTo("Unknown field 'messages[0].drop_table'.");
        assertThat(problem(new ProblemMappers("svc", Optional.of("Remove it.")).unknownField(e, null)).detail())
                .isEqualTo("Unknown field 'messages[0].drop_table'. Remove it.");
    }

    @Test
    void aProblemEndedEarlyIsAnsweredAsItIs() {
        Problem refused = Problem.of(dev.verity.contract.ErrorType.RATE_LIMITED, "Slow down.", "svc", null, "r-1");

        Response response = new ProblemMappers("svc", Optional.empty()).ended(new ProblemException(refused));

        assertThat(response.getEntity()).isSameAs(refused);
        assertThat(response.getStatus()).isEqualTo(refused.status());
    }

    private static Problem problem(Response response) {
        return (Problem) response.getEntity();
    }
}
