package dev.verity.data.rest;

import dev.verity.contract.ErrorType;
import dev.verity.data.cost.Alternative;
import dev.verity.data.cost.CostAnalysis;
import dev.verity.data.cost.CostAnalysisQuery;
import dev.verity.data.cost.CostAnalysisService;
import dev.verity.data.query.DataAnswer;
import dev.verity.data.receipts.DataReceipts;
import dev.verity.data.query.Window;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** {@code POST /v1/cost-analysis}, over the caller's own org's recorded calls. */
@Path("/v1/cost-analysis")
@Authenticated
public class CostAnalysisResource {

    static final List<String> REQUESTED = List.of("cost_analysis");

    private final JsonWebToken jwt;
    private final CostAnalysisService costs;
    private final DataReceipts receipts;

    public CostAnalysisResource(JsonWebToken jwt, CostAnalysisService costs, DataReceipts receipts) {
        this.jwt = jwt;
        this.costs = costs;
        this.receipts = receipts;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> analyse(CostAnalysisQuery query, @Context HttpHeaders headers) {
        RequestContext request = RequestContext.of(jwt, headers);
        Optional<Window> window = query == null ? Optional.empty() : Window.parse(query.from(), query.to());
        if (window.isEmpty()) {
            return Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST,
                    "Fields 'from' and 'to' must be ISO-8601 timestamps with offset between 1970 and 9999, with 'to' after 'from'."));
        }
        return switch (Alternative.parse(query.alternative())) {
            case Alternative.Invalid invalid ->
                    Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST, invalid.detail()));
            case Alternative.Valid valid -> costs.analyse(window.get(), valid.alternative(), request.caller(),
                    request.requestId(), request.deadline()).map(answer -> switch (answer) {
                        case DataAnswer.Found<CostAnalysis> found ->
                                Response.ok(receipts.signed(found.result().withSource(found.source()), request.requestId(),
                                        "/v1/cost-analysis")).build();
                        case DataAnswer.Missing<CostAnalysis> missing -> request.missing(missing.failure(), REQUESTED);
                    });
        };
    }
}
