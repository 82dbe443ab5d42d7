package dev.verity.contract;

/**
 * The Lua script every writer of {@code verity:eventlog:<user>} appends with (the execution agent
 * and the gateway), so both number and publish events the same way (DESIGN §10).
 *
 * <p>KEYS: 1 the log. ARGV: 1 event JSON without {@code event_id}, 2 MAXLEN, 3 TTL seconds,
 * 4 wanted id or {@code *}, 5 the channel. A wanted id is only sent after Redis was unreachable;
 * if the stream is already past it (another replica appended meanwhile) {@code *} is used, which
 * is past it too. The published message is the event with its {@code event_id} first.
 */
public final class EventLogScript {

    public static final String APPEND = """
            local id
            if ARGV[4] ~= '*' then
              id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[4], 'event', ARGV[1])
              if type(id) == 'table' then id = nil end
            end
            if not id then
              id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
            end
            redis.call('EXPIRE', KEYS[1], ARGV[3])
            redis.call('PUBLISH', ARGV[5], '{"event_id":"' .. id .. '",' .. string.sub(ARGV[1], 2))
            return id
            """;

    private EventLogScript() {
    }
}
