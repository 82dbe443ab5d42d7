package dev.verity.gateway.ratelimit;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.config.RateLimitConfig;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.runtime.log.RepeatedWarning;
import dev.verity.runtime.rest.ProblemException;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Fixed-window request limits per user, by tier, counted in Redis {@code verity:rl:<user>} so
 * every gateway replica shares them. Redis down means limits are not enforced (counted, and logged
 * once per 10 s with the count): a degraded limiter must not turn into an outage.
 */
@ApplicationScoped
public class RateLimiter {

    public static final String KEY_PREFIX = "verity:rl:";

    private final ReactiveValueCommands<String, Long> counters;
    private final ReactiveKeyCommands<String> keys;
    private final RateLimitConfig config;

    private final RepeatedWarning unenforced = new RepeatedWarning(Duration.ofSeconds(10));

    public RateLimiter(ReactiveRedisDataSource redis, RateLimitConfig config, MeterRegistry registry) {
        this.counters = redis.value(Long.class);
        this.keys = redis.key();
        this.config = config;
        FunctionCounter.builder("verity.rate_limit.unenforced", unenforced, RepeatedWarning::total)
                .description("Requests let through without a rate-limit check because Redis did not answer")
                .register(registry);
    }

    /** Completes when the request may proceed; fails with {@code rate_limited} when over the limit. */
    public Uni<Void> check(RequestContext ctx) {
        Integer limit = config.requests().get(ctx.user().tier().wire());
        if (!config.enabled() || limit == null) {
            return Uni.createFrom().voidItem();
        }
        String key = KEY_PREFIX + ctx.user().userId();
        long windowMillis = config.window().toMillis();
        return counters.incr(key)
                .call(count -> count == 1 ? keys.pexpire(key, windowMillis) : Uni.createFrom().voidItem())
                .chain(count -> count <= limit ? Uni.createFrom().<Void>voidItem() : refuse(ctx, key, limit, windowMillis))
                .ifNoItem().after(config.redisTimeout()).fail()
                .onFailure(e -> !(e instanceof ProblemException)).recoverWithUni(e -> {
                    RepeatedWarning.Line line = unenforced.record("request " + ctx.requestId() + ", " + e);
                    if (line != null) {
                        Log.warnf("rate limit not enforced for %d request(s) since the last such line, Redis unreachable "
                                + "(latest: %s); all are counted in verity.rate_limit.unenforced",
                                line.occurrences(), line.latest());
                    }
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> refuse(RequestContext ctx, String key, int limit, long windowMillis) {
        return keys.pttl(key).chain(ttl -> {
            // A counter without expiry (its PEXPIRE was lost) would block the user forever.
            Uni<Void> repair = ttl < 0 ? keys.pexpire(key, windowMillis).replaceWithVoid() : Uni.createFrom().voidItem();
            long waitMillis = ttl > 0 ? ttl : windowMillis;
            int seconds = (int) Math.max(1, (waitMillis + 999) / 1000);
            Problem problem = Problem.of(ErrorType.RATE_LIMITED,
                    "The " + ctx.user().tier().wire() + " tier allows " + limit + " requests per "
                            + config.window().toSeconds() + " seconds; retry after " + seconds + " seconds.",
                    Services.GATEWAY, ctx.user(), ctx.requestId()).withRetryAfterSeconds(seconds);
            return repair.chain(() -> Uni.createFrom().failure(new ProblemException(problem)));
        });
    }
}
