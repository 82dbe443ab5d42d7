package dev.verity.data.rest;

import dev.verity.contract.ErrorType;
import dev.verity.data.config.DataConfig;
import dev.verity.data.metrics.Metric;
import dev.verity.data.metrics.MetricsPlan;
import dev.verity.data.metrics.MetricsQuery;
import dev.verity.data.metrics.MetricsResult;
import dev.verity.data.metrics.MetricsService;
import dev.verity.data.query.DataAnswer;
import dev.verity.data.receipts.DataReceipts;
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
import org.eclipse.microprofile.jwt.JsonWebToken;

/** {@code POST /v1/metrics/query}, always over the caller's own org; a result carries its receipt. */
@Path("/v1/metrics/query")
@Authenticated
public class MetricsResource {

    private final JsonWebToken jwt;
    private final MetricsService metrics;
    private final DataConfig config;
    private final DataReceipts receipts;

    public MetricsResource(JsonWebToken jwt, MetricsService metrics, DataConfig config, DataReceipts receipts) {
        this.jwt = jwt;
        this.metrics = metrics;
        this.config = config;
        this.receipts = receipts;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> query(MetricsQuery query, @Context HttpHeaders headers) {
        RequestContext request = RequestContext.of(jwt, headers);
        return switch (MetricsPlan.parse(query, config.maxBuckets())) {
            case MetricsPlan.Invalid invalid ->
                    Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST, invalid.detail()));
            case MetricsPlan.Valid valid -> metrics.query(valid.plan(), request.caller(), request.requestId(),
                    request.deadline()).map(answer -> switch (answer) {
                        case DataAnswer.Found<MetricsResult> found ->
                                Response.ok(receipts.signed(found.result().withSource(found.source()), request.requestId(),
                                        "/v1/metrics/query")).build();
                        case DataAnswer.Missing<MetricsResult> missing -> request.missing(missing.failure(),
                                valid.plan().metrics().stream().map(Metric::wire).toList());
                    });
        };
    }
}
