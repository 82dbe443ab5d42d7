package dev.verity.data.query;

import dev.verity.contract.DataSource;

/** A read either found a real result (with where it came from) or nothing could answer. */
public sealed interface DataAnswer<T> {

    record Found<T>(T result, DataSource source) implements DataAnswer<T> {
    }

    record Missing<T>(Failure failure) implements DataAnswer<T> {
    }

    /** Why nothing answered: the worst thing that happened along the way. */
    enum Failure {
        UNAVAILABLE, TIMEOUT
    }
}
