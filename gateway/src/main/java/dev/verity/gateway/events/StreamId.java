package dev.verity.gateway.events;

import java.util.regex.Pattern;

/** A Redis stream id {@code <ms>-<seq>}: the form of every {@code event_id}, ordered as Redis orders them. */
public record StreamId(long millis, long sequence) implements Comparable<StreamId> {

    private static final Pattern FORM = Pattern.compile("\\d{1,19}-\\d{1,19}");

    public static boolean isValid(String id) {
        if (id == null || !FORM.matcher(id).matches()) {
            return false;
        }
        try {
            parse(id);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static StreamId parse(String id) {
        int dash = id.indexOf('-');
        return new StreamId(Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)));
    }

    /** The smallest id after {@code last} that is not in the past. */
    static StreamId next(StreamId last) {
        long now = System.currentTimeMillis();
        if (last == null || now > last.millis) {
            return new StreamId(now, 0);
        }
        return new StreamId(last.millis, last.sequence + 1);
    }

    @Override
    public int compareTo(StreamId other) {
        int byMillis = Long.compare(millis, other.millis);
        return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
    }

    @Override
    public String toString() {
        return millis + "-" + sequence;
    }
}
