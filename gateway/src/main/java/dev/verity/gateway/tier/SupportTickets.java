package dev.verity.gateway.tier;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.util.Optional;

/** Support tickets in PostgreSQL ({@code gateway.support_tickets}). */
@ApplicationScoped
public class SupportTickets {

    private final Pool pool;

    public SupportTickets(Pool pool) {
        this.pool = pool;
    }

    public Uni<SupportTicket> insert(SupportTicket ticket) {
        return pool.preparedQuery("""
                        INSERT INTO gateway.support_tickets
                            (id, request_id, user_id, org_id, error_type, detail, account_manager_email,
                             escalation_reference, service, status, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""")
                .execute(Tuple.from(new Object[] {ticket.id(), ticket.requestId(), ticket.userId(), ticket.orgId(),
                        ticket.errorType(), ticket.detail(), ticket.accountManagerEmail(), ticket.escalationReference(),
                        ticket.service(), ticket.status(), ticket.createdAt().atOffset(ZoneOffset.UTC)}))
                .replaceWith(ticket);
    }

    /** Records a delivery attempt; {@code delivered} stamps {@code notified_at}. */
    public Uni<Void> recordDelivery(String ticketId, int attempts, boolean delivered) {
        return pool.preparedQuery("""
                        UPDATE gateway.support_tickets
                           SET notify_attempts = $2,
                               notified_at = CASE WHEN $3 THEN now() ELSE notified_at END
                         WHERE id = $1""")
                .execute(Tuple.of(ticketId, attempts, delivered))
                .replaceWithVoid();
    }

    /** The ticket with this id, whoever it belongs to: access is decided by the caller ({@link TicketAccess}). */
    public Uni<Optional<SupportTicket>> find(String id) {
        return pool.preparedQuery("""
                        SELECT id, escalation_reference, request_id, user_id, org_id, error_type, status, service, detail,
                               account_manager_email, created_at
                          FROM gateway.support_tickets
                         WHERE id = $1""")
                .execute(Tuple.of(id))
                .map(rows -> {
                    RowIterator<Row> found = rows.iterator();
                    return found.hasNext() ? Optional.of(ticket(found.next())) : Optional.empty();
                });
    }

    private static SupportTicket ticket(Row row) {
        Integer status = row.getInteger("status");
        return new SupportTicket(row.getString("id"), row.getString("escalation_reference"), row.getString("request_id"),
                row.getString("user_id"), row.getString("org_id"), row.getString("error_type"), status == null ? 0 : status,
                row.getString("service"), row.getString("detail"), row.getString("account_manager_email"),
                row.getOffsetDateTime("created_at").toInstant());
    }
}
