package dev.verity.gateway.status;

/**
 * Whether a failed call to a service means "no answer in time" rather than "nothing there". A
 * refused or reset connection says the service is gone; a timeout says only that the answer (or
 * the connection) was late, which on a busy machine happens to services that are working, so it
 * must not by itself mark a service unavailable and refuse every request to it.
 */
public final class Timeouts {

    private Timeouts() {
    }

    public static boolean isTimeout(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            // Our own deadlines (java.util.concurrent), Mutiny's, and the HTTP client's connect, idle and
            // read timeouts (Netty's ConnectTimeoutException is a ConnectException, so the name decides).
            if (cause instanceof java.util.concurrent.TimeoutException || cause instanceof io.smallrye.mutiny.TimeoutException
                    || cause.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
