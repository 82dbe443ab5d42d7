package dev.verity.gateway.incident;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Support incidents: an outage is one incident per organisation, failing service and error type,
 * counted, announced once, reminded at most every {@code verity.incidents.repeat-interval}, and
 * resolved by the organisation's next success of the same kind or by a quiet period.
 *
 * <p>Every decision is made by the database (see {@link IncidentStore}), so any number of replicas
 * can run this side by side: whichever replica's statement opened or resolved an incident, or
 * claimed a due notice, is the one that sends it. What this replica keeps in memory is only a hint
 * of which keys are open, so that a success costs a database round trip only when there may be
 * something to resolve; the sweep refreshes it from the database.
 */
@ApplicationScoped
public class Incidents {

    private final IncidentStore store;
    private final SupportWebhook webhook;
    private final IncidentsConfig config;
    private final Clock clock;
    /** At most this many failures go into one statement. */
    private static final int MAX_BATCH = 500;

    private final Set<IncidentKey> knownOpen = ConcurrentHashMap.newKeySet();
    private final Map<IncidentKey, KeyWriter> writers = new ConcurrentHashMap<>();

    private final Counter opened;
    private final Counter joined;
    private final Counter resolvedBySuccess;
    private final Counter resolvedQuiet;

    @Inject
    public Incidents(IncidentStore store, SupportWebhook webhook, IncidentsConfig config, MeterRegistry registry) {
        this(store, webhook, config, Clock.systemUTC(), registry);
    }

    public Incidents(IncidentStore store, SupportWebhook webhook, IncidentsConfig config, Clock clock,
            MeterRegistry registry) {
        // Failures counted as they reach their incident: one opened per new incident, the rest joined.
        this.opened = recorded(registry, "opened");
        this.joined = recorded(registry, "joined");
        this.resolvedBySuccess = resolved(registry, "success");
        this.resolvedQuiet = resolved(registry, "quiet");
        // Every replica learns every open key at each sweep, so this is the fleet's count, a sweep late at most.
        Gauge.builder("verity.incidents.open", knownOpen, Set::size)
                .description("Open incidents (support tickets) known to this replica; all of them after each sweep")
                .register(registry);
        this.store = store;
        this.webhook = webhook;
        this.config = config;
        this.clock = clock;
    }

    private static Counter recorded(MeterRegistry registry, String outcome) {
        return Counter.builder("verity.incidents.failures").tag("outcome", outcome)
                .description("Failures recorded in an incident: the one that opened it, or one more occurrence")
                .register(registry);
    }

    private static Counter resolved(MeterRegistry registry, String by) {
        return Counter.builder("verity.incidents.resolved").tag("by", by)
                .description("Incidents this replica resolved: after a success, or after the quiet period")
                .register(registry);
    }

    public Instant now() {
        return clock.instant();
    }

    /** Counts the failure in its incident, opening (and announcing) it when none is open. */
    public Uni<Recorded> record(Failure failure) {
        return Uni.createFrom().emitter(emitter -> writers.computeIfAbsent(failure.key(), KeyWriter::new).add(failure, emitter));
    }

    private record Pending(Failure failure, UniEmitter<? super Recorded> emitter) {
    }

    /**
     * This replica's failures of one key, written one statement at a time: the failures that
     * arrive while a statement is in flight wait and go together into the next one. In an outage
     * each replica then holds the incident's row with one statement at a time, instead of one
     * statement per failure all queueing for its lock (and past the requests' patience).
     */
    private final class KeyWriter {
        private final IncidentKey key;
        private final List<Pending> waiting = new ArrayList<>();
        private boolean writing;

        KeyWriter(IncidentKey key) {
            this.key = key;
        }

        void add(Failure failure, UniEmitter<? super Recorded> emitter) {
            boolean start;
            synchronized (this) {
                waiting.add(new Pending(failure, emitter));
                start = !writing;
                writing = true;
            }
            if (start) {
                write();
            }
        }

        private void write() {
            List<Pending> batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    writing = false;
                    // Idle keys are forgotten; a failure that already holds this writer starts it again.
                    writers.remove(key, this);
                    return;
                }
                List<Pending> next = waiting.subList(0, Math.min(waiting.size(), MAX_BATCH));
                batch = new ArrayList<>(next);
                next.clear();
            }
            store.record(UUID.randomUUID().toString(), batch.stream().map(Pending::failure).toList()).subscribe().with(
                    recorded -> {
                        knownOpen.add(key);
                        switch (recorded) {
                            case Recorded.Opened first -> {
                                opened.increment();
                                webhook.send(first.incident(), Notice.OPENED);
                            }
                            case Recorded.Joined ignored -> joined.increment();
                        }
                        joined.increment(batch.size() - 1);
                        // The first failure of the batch is the one that opened it, if it was opened.
                        batch.getFirst().emitter().complete(recorded);
                        batch.subList(1, batch.size()).forEach(p -> p.emitter().complete(new Recorded.Joined(recorded.incident())));
                        write();
                    },
                    failure -> {
                        batch.forEach(p -> p.emitter().fail(failure));
                        write();
                    });
        }
    }

    /** Whether this replica knows of an open incident of this organisation for this service. */
    public boolean knownOpen(String orgId, String service) {
        return knownOpen.stream().anyMatch(key -> key.orgId().equals(orgId) && key.service().equals(service));
    }

    /**
     * A request of the organisation that needed these services succeeded: their open incidents
     * resolve, each announced once by whichever replica resolved it.
     */
    public Uni<List<Incident>> succeeded(String orgId, Set<String> services) {
        if (knownOpen.stream().noneMatch(key -> key.orgId().equals(orgId) && services.contains(key.service()))) {
            return Uni.createFrom().item(List.of());
        }
        return store.resolveAfterSuccess(orgId, services, clock.instant()).invoke(resolved -> {
            knownOpen.removeIf(key -> key.orgId().equals(orgId) && services.contains(key.service()));
            resolvedBySuccess.increment(resolved.size());
            resolved.forEach(incident -> {
                Log.infof("incident %s (%s) resolved by a success after %d occurrence(s)", incident.id(),
                        incident.key().dedupKey(), incident.occurrences());
                webhook.send(incident, Notice.RESOLVED);
            });
        });
    }

    /** What one sweep did. */
    public record Sweep(int resolvedQuiet, int triggersSent, int resolvesResent, int open) {
    }

    /**
     * Resolves incidents quiet for {@code quiet-period}, sends due reminders and the notices whose
     * retries all failed, and refreshes which keys are open.
     */
    public Uni<Sweep> sweep() {
        Instant now = clock.instant();
        return store.resolveQuiet(now.minus(config.quietPeriod()), now)
                .invoke(resolved -> resolved.forEach(incident -> {
                    resolvedQuiet.increment();
                    Log.infof("incident %s (%s) resolved after a quiet period", incident.id(), incident.key().dedupKey());
                    webhook.send(incident, Notice.RESOLVED);
                }))
                .chain(quiet -> triggersDue(now)
                        .chain(triggers -> resolvesDue(now)
                                .chain(resolves -> store.openKeys().map(open -> {
                                    knownOpen.retainAll(open);
                                    knownOpen.addAll(open);
                                    return new Sweep(quiet.size(), triggers, resolves, open.size());
                                }))));
    }

    private Uni<Integer> triggersDue(Instant now) {
        if (!webhook.configured()) {
            return Uni.createFrom().item(0);
        }
        return store.claimTriggers(now.minus(config.repeatInterval()), now.minus(config.redeliverAfter()), now)
                .map(due -> {
                    due.forEach(d -> webhook.send(d.incident(), d.notice()));
                    return due.size();
                });
    }

    private Uni<Integer> resolvesDue(Instant now) {
        if (!webhook.configured()) {
            return Uni.createFrom().item(0);
        }
        return store.claimUndeliveredResolves(now.minus(config.redeliverAfter()), now)
                .map(due -> {
                    due.forEach(incident -> webhook.send(incident, Notice.RESOLVED));
                    return due.size();
                });
    }
}
