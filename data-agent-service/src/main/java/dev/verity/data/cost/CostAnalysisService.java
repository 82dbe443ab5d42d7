package dev.verity.data.cost;

import dev.verity.contract.Money;
import dev.verity.contract.UserContext;
import dev.verity.data.config.PriceTable;
import dev.verity.data.cost.CostAnalysis.ModelSpend;
import dev.verity.data.cost.CostAnalysis.Route;
import dev.verity.data.query.Coverage;
import dev.verity.data.query.DataAnswer;
import dev.verity.data.query.ResilientReads;
import dev.verity.data.query.ResultCache;
import dev.verity.data.query.Window;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Actual spend from the org's recorded costs, and the same calls re-priced under an alternative
 * routing from their recorded token counts. Calls that cannot be re-priced (no token counts, or no
 * price for any eligible model) count at their recorded cost in both figures, so the difference
 * only ever reflects calls that really were re-priced.
 */
@ApplicationScoped
public class CostAnalysisService {

    /** Inclusive upper bounds of the prompt-size classes that make up a "request shape". */
    static final long[] SHAPE_UPPER_BOUNDS = {1_000, 4_000, 16_000, 64_000};
    static final int MONEY_SCALE = Money.SCALE;
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private static final String REPRICEABLE =
            "cost_usd IS NOT NULL AND prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL";
    private static final String SQL = """
            SELECT model, %s AS shape,
                   count(*) AS calls,
                   count(cost_usd) AS priced_calls,
                   sum(cost_usd) AS usd,
                   count(*) FILTER (WHERE %s) AS repriceable_calls,
                   sum(prompt_tokens::bigint) FILTER (WHERE %s) AS prompt,
                   sum(completion_tokens::bigint) FILTER (WHERE %s) AS completion,
                   sum(cost_usd) FILTER (WHERE %s) AS repriceable_usd,
                   count(*) FILTER (WHERE outcome = 'success') AS successes
            FROM telemetry.llm_calls
            WHERE org_id = $1 AND created_at >= $2::timestamptz AND created_at < $3::timestamptz
            GROUP BY 1, 2
            ORDER BY 1, 2""".formatted(shapeCase(), REPRICEABLE, REPRICEABLE, REPRICEABLE, REPRICEABLE);

    private final ResilientReads reads;
    private final PriceTable priceTable;

    public CostAnalysisService(ResilientReads reads, PriceTable priceTable) {
        this.reads = reads;
        this.priceTable = priceTable;
    }

    public Uni<DataAnswer<CostAnalysis>> analyse(Window window, Alternative alternative, UserContext caller,
            String requestId, Instant deadline) {
        String key = ResultCache.key("cost-analysis", caller.orgId(),
                window.from() + "|" + window.to() + "|" + alternative);
        return reads.read(new ResilientReads.Read<>(key, CostAnalysis.class,
                conn -> run(conn, window, caller.orgId()).map(rows -> analyse(rows, alternative))
                        .chain(analysis -> Coverage.of(conn, caller.orgId(), window).map(analysis::withCoverage)),
                requestId, deadline));
    }

    private static String shapeCase() {
        StringBuilder sql = new StringBuilder("CASE WHEN prompt_tokens IS NULL THEN NULL");
        for (int i = 0; i < SHAPE_UPPER_BOUNDS.length; i++) {
            sql.append(" WHEN prompt_tokens <= ").append(SHAPE_UPPER_BOUNDS[i]).append(" THEN ").append(i);
        }
        return sql.append(" ELSE ").append(SHAPE_UPPER_BOUNDS.length).append(" END").toString();
    }

    /** One (model, shape) aggregate as PostgreSQL computed it. */
    record Cell(String model, Integer shape, long calls, long pricedCalls, BigDecimal usd, long repriceableCalls,
            long prompt, long completion, BigDecimal repriceableUsd, long successes) {

        /** Recorded cost of the calls that cannot be re-priced. */
        BigDecimal keptUsd() {
            return orZero(usd).subtract(orZero(repriceableUsd));
        }
    }

    private Uni<List<Cell>> run(SqlConnection conn, Window window, String orgId) {
        return conn.preparedQuery(SQL)
                .execute(Tuple.of(orgId, window.from().atOffset(ZoneOffset.UTC), window.to().atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    List<Cell> cells = new ArrayList<>();
                    for (Row r : rows) {
                        cells.add(new Cell(r.getString("model"), r.getInteger("shape"), r.getLong("calls"),
                                r.getLong("priced_calls"), r.getBigDecimal("usd"), r.getLong("repriceable_calls"),
                                orZero(r.getLong("prompt")), orZero(r.getLong("completion")),
                                r.getBigDecimal("repriceable_usd"), r.getLong("successes")));
                    }
                    return cells;
                });
    }

    CostAnalysis analyse(List<Cell> cells, Alternative alternative) {
        long calls = cells.stream().mapToLong(Cell::calls).sum();
        if (calls == 0) {
            return new CostAnalysis(0, null, null, null, null, null, null, null, null,
                    "No calls were recorded for your organisation in this window: there is nothing to analyse.", null,
                    false, null);
        }
        long priced = cells.stream().mapToLong(Cell::pricedCalls).sum();
        Map<String, long[]> callsByModel = new TreeMap<>();
        Map<String, BigDecimal> usdByModel = new TreeMap<>();
        for (Cell cell : cells) {
            callsByModel.computeIfAbsent(cell.model(), m -> new long[1])[0] += cell.calls();
            if (cell.pricedCalls() > 0) {
                usdByModel.merge(cell.model(), cell.usd(), BigDecimal::add);
            }
        }
        List<ModelSpend> byModel = callsByModel.entrySet().stream()
                .map(e -> new ModelSpend(e.getKey(), e.getValue()[0], money(usdByModel.get(e.getKey()))))
                .toList();
        if (priced == 0) {
            return new CostAnalysis(calls, calls, null, byModel, null, null, null, null, null,
                    "None of the " + calls + " recorded calls carried a cost, so no spend can be stated.", null, false,
                    null);
        }
        BigDecimal actual = cells.stream().map(c -> orZero(c.usd())).reduce(BigDecimal.ZERO, BigDecimal::add);
        Repriced repriced = switch (alternative) {
            case Alternative.CheapestSuccessful cheapest -> cheapestSuccessful(cells);
            case Alternative.GivenPrices given -> givenPrices(cells, given.prices());
        };
        String name = alternative instanceof Alternative.CheapestSuccessful ? "cheapest_successful" : "given_prices";
        String basis = basis(alternative, calls, priced, repriced.calls());
        return new CostAnalysis(calls, calls - priced, money(actual), byModel, name, money(repriced.usd()),
                money(actual.subtract(repriced.usd())), repriced.calls(),
                repriced.routes().isEmpty() ? null : repriced.routes(), basis, null, false, null);
    }

    private record Repriced(BigDecimal usd, long calls, List<Route> routes) {
    }

    private Repriced cheapestSuccessful(List<Cell> cells) {
        Map<String, Alternative.Price> prices = new TreeMap<>();
        priceTable.models().forEach((model, p) ->
                prices.put(model, new Alternative.Price(p.inputUsdPerMtok(), p.outputUsdPerMtok())));
        BigDecimal total = cells.stream().map(Cell::keptUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        long repricedCalls = 0;
        List<Route> routes = new ArrayList<>();
        for (int shape = 0; shape <= SHAPE_UPPER_BOUNDS.length; shape++) {
            final int s = shape;
            List<Cell> inShape = cells.stream().filter(c -> c.shape() != null && c.shape() == s).toList();
            long n = inShape.stream().mapToLong(Cell::repriceableCalls).sum();
            if (n == 0) {
                continue;
            }
            long prompt = inShape.stream().mapToLong(Cell::prompt).sum();
            long completion = inShape.stream().mapToLong(Cell::completion).sum();
            BigDecimal recorded = inShape.stream().map(c -> orZero(c.repriceableUsd())).reduce(BigDecimal.ZERO, BigDecimal::add);
            Optional<Map.Entry<String, BigDecimal>> best = inShape.stream()
                    .filter(c -> c.successes() > 0 && prices.containsKey(c.model()))
                    .map(Cell::model).distinct()
                    .map(model -> Map.entry(model, price(prices.get(model), prompt, completion)))
                    .min(Map.Entry.<String, BigDecimal>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
            if (best.isEmpty()) {
                total = total.add(recorded);
                continue;
            }
            total = total.add(best.get().getValue());
            repricedCalls += n;
            routes.add(new Route(s == 0 ? 0 : SHAPE_UPPER_BOUNDS[s - 1] + 1,
                    s < SHAPE_UPPER_BOUNDS.length ? SHAPE_UPPER_BOUNDS[s] : null, best.get().getKey(), n,
                    money(recorded), money(best.get().getValue())));
        }
        return new Repriced(total, repricedCalls, routes);
    }

    private static Repriced givenPrices(List<Cell> cells, Map<String, Alternative.Price> prices) {
        BigDecimal total = BigDecimal.ZERO;
        long repricedCalls = 0;
        for (Cell cell : cells) {
            total = total.add(cell.keptUsd());
            Alternative.Price price = prices.get(cell.model());
            if (cell.repriceableCalls() > 0 && price != null) {
                total = total.add(price(price, cell.prompt(), cell.completion()));
                repricedCalls += cell.repriceableCalls();
            } else {
                total = total.add(orZero(cell.repriceableUsd()));
            }
        }
        return new Repriced(total, repricedCalls, List.of());
    }

    private static String basis(Alternative alternative, long calls, long priced, long repriced) {
        String recorded = calls + " recorded calls, " + priced + " with a recorded cost (actual_usd sums those). ";
        String kept = (priced - repriced) + " priced calls could not be re-priced (no token counts"
                + (alternative instanceof Alternative.CheapestSuccessful ? ", or no priced model served their shape" :
                        ", or their model is not in the given table")
                + ") and count at their recorded cost on both sides.";
        return switch (alternative) {
            case Alternative.CheapestSuccessful c -> recorded + repriced + " calls were re-priced: for each prompt-size "
                    + "class, with the configured price of the cheapest model that served a call of that class "
                    + "successfully in this window (verity.prices). " + kept;
            case Alternative.GivenPrices g -> recorded + repriced + " calls were re-priced with the given price "
                    + "table for their own model and their recorded token counts. " + kept;
        };
    }

    private static BigDecimal price(Alternative.Price price, long prompt, long completion) {
        return price.inputUsdPerMtok().multiply(BigDecimal.valueOf(prompt))
                .add(price.outputUsdPerMtok().multiply(BigDecimal.valueOf(completion)))
                .divide(MILLION, 18, Money.ROUNDING);
    }

    private static BigDecimal money(BigDecimal value) {
        return Money.scaled(value);
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
