package dev.verity.gateway.incident;

/** What support is told about an incident; each is one webhook delivery. */
public enum Notice {
    /** The incident opened (PagerDuty {@code trigger}). */
    OPENED("opened", "trigger"),
    /** It is still open after {@code verity.incidents.repeat-interval} (a repeated {@code trigger}). */
    REMINDER("reminder", "trigger"),
    /** It resolved (PagerDuty {@code resolve}). */
    RESOLVED("resolved", "resolve");

    private final String wire;
    private final String eventAction;

    Notice(String wire, String eventAction) {
        this.wire = wire;
        this.eventAction = eventAction;
    }

    public String wire() {
        return wire;
    }

    public String eventAction() {
        return eventAction;
    }
}
