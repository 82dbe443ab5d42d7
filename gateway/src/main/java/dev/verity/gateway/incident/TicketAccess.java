package dev.verity.gateway.incident;

import dev.verity.contract.UserContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Who may read a support incident: every user of its organisation whom it affected. A colleague
 * it did not affect is refused; to anyone of another organisation it does not exist, exactly like
 * an id that names nothing, so ids leak nothing across organisations.
 */
@ApplicationScoped
public class TicketAccess {

    /** The outcome of a lookup. */
    public sealed interface Lookup {
        record Affected(TicketView ticket) implements Lookup {
        }

        record NotAffected() implements Lookup {
        }

        record Unknown() implements Lookup {
        }
    }

    private final IncidentStore store;

    public TicketAccess(IncidentStore store) {
        this.store = store;
    }

    public Uni<Lookup> lookup(String id, UserContext caller) {
        return store.find(id).chain(found -> {
            if (found.isEmpty() || !found.get().key().orgId().equals(caller.orgId())) {
                return Uni.createFrom().item(new Lookup.Unknown());
            }
            Incident incident = found.get();
            return store.share(incident.id(), caller.userId()).map((Optional<IncidentStore.Share> share) -> share
                    .<Lookup>map(mine -> new Lookup.Affected(TicketView.of(incident, mine)))
                    .orElseGet(Lookup.NotAffected::new));
        });
    }
}
