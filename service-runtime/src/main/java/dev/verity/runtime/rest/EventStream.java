package dev.verity.runtime.rest;

import io.smallrye.mutiny.Multi;

/**
 * A response body of Server-Sent Events, each item one complete event ({@code data: …\n\n}).
 * Written by {@link EventStreamWriter}; its status and headers are the enclosing response's, so they
 * are decided before the body starts.
 */
public record EventStream(Multi<String> events) {

    public static final String MEDIA_TYPE = "text/event-stream";
}
