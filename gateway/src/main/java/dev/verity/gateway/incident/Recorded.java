package dev.verity.gateway.incident;

/** What recording a failure did: opened a new incident, or joined the one already open. */
public sealed interface Recorded {

    Incident incident();

    record Opened(Incident incident) implements Recorded {
    }

    record Joined(Incident incident) implements Recorded {
    }
}
