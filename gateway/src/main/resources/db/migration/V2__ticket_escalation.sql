-- What an escalation needs beyond V1: its reference, the failing service and status, and
-- the delivery of the support notification.
ALTER TABLE support_tickets ADD COLUMN escalation_reference TEXT;
ALTER TABLE support_tickets ADD COLUMN service TEXT;
ALTER TABLE support_tickets ADD COLUMN status INTEGER;
ALTER TABLE support_tickets ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX support_tickets_request ON support_tickets (request_id);
