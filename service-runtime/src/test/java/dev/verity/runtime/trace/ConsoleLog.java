package dev.verity.runtime.trace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;

/**
 * The lines the running service's console handler would write, captured for a test: a handler
 * beside the console's on the root logger, formatting each record with the console's own
 * formatter, so what the test reads is what an operator's log collector reads.
 */
public final class ConsoleLog implements AutoCloseable {

    private final Logger root = LogContext.getLogContext().getLogger("");
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture;

    private ConsoleLog(Formatter formatter) {
        capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(formatter.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        root.addHandler(capture);
    }

    /** Starts capturing with the console's formatter. */
    public static ConsoleLog capture() {
        return new ConsoleLog(consoleFormatter().orElseThrow(() -> new AssertionError("no console log handler")));
    }

    /** The formatter of the service's console handler, wherever Quarkus nested it. */
    public static Optional<Formatter> consoleFormatter() {
        Deque<Handler> todo = new ArrayDeque<>(List.of(LogContext.getLogContext().getLogger("").getHandlers()));
        while (!todo.isEmpty()) {
            Handler handler = todo.pop();
            if (handler instanceof org.jboss.logmanager.handlers.ConsoleHandler && handler.getFormatter() != null) {
                return Optional.of(handler.getFormatter());
            }
            if (handler instanceof ExtHandler nested) {
                todo.addAll(List.of(nested.getHandlers()));
            }
        }
        return Optional.empty();
    }

    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    @Override
    public void close() {
        root.removeHandler(capture);
    }
}
