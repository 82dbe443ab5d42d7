package dev.verity.gateway.tier;

import dev.verity.contract.UserContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may read a support ticket: the user whose failed request opened it (a user only
 * ever sees their own runs and what follows from them). Anyone else, colleagues of the same org
 * included, is refused; an id that names no ticket is unknown.
 */
@ApplicationScoped
public class TicketAccess {

    /** The outcome of a lookup: the caller's ticket, someone else's, or none at all. */
    public sealed interface Lookup {
        record Own(SupportTicket ticket) implements Lookup {
        }

        record NotYours() implements Lookup {
        }

        record Unknown() implements Lookup {
        }
    }

    private final SupportTickets tickets;

    public TicketAccess(SupportTickets tickets) {
        this.tickets = tickets;
    }

    public Uni<Lookup> lookup(String id, UserContext caller) {
        return tickets.find(id).map(found -> found
                .<Lookup>map(ticket -> ticket.userId().equals(caller.userId()) && ticket.orgId().equals(caller.orgId())
                        ? new Lookup.Own(ticket)
                        : new Lookup.NotYours())
                .orElseGet(Lookup.Unknown::new));
    }
}
