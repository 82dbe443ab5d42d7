package dev.verity.gateway.rest;

import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceStatus;
import dev.verity.gateway.status.CombinedStatus;
import dev.verity.gateway.status.StatusBoard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** {@code /status}: the combined status as a small self-contained page (no scripts, no external assets). */
@Path("/status")
public class StatusPageResource {

    private final StatusBoard board;

    public StatusPageResource(StatusBoard board) {
        this.board = board;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public String page() {
        CombinedStatus status = board.combined();
        StringBuilder html = new StringBuilder(2048);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta http-equiv=\"refresh\" content=\"15\"><title>Verity status</title><style>")
                .append("body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}")
                .append("table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ddd}")
                .append(".ready{color:#1a7f37}.degraded,.initializing{color:#9a6700}.unavailable{color:#cf222e}")
                .append("small{color:#666}</style></head><body>")
                .append("<h1>Verity status: <span class=\"").append(status.status().wire()).append("\">")
                .append(status.status().wire()).append("</span></h1>")
                .append("<p><small>Checked ").append(DateTimeFormatter.ISO_INSTANT.format(status.checkedAt()))
                .append(", status ").append(escape(status.statusUpdates())).append(".</small></p>")
                .append("<table><thead><tr><th>Service</th><th>Status</th><th>Since</th><th>Reason</th><th>Components</th></tr></thead><tbody>");
        for (ServiceStatus service : status.services().values()) {
            html.append("<tr><td>").append(escape(service.service())).append("</td><td class=\"")
                    .append(service.status().wire()).append("\">").append(service.status().wire()).append("</td><td>")
                    .append(service.since() == null ? "" : DateTimeFormatter.ISO_INSTANT.format(service.since()))
                    .append("</td><td>").append(escape(service.reason())).append("</td><td>");
            for (Map.Entry<String, ComponentStatus> component : service.components().entrySet()) {
                html.append(escape(component.getKey())).append(": ").append(escape(component.getValue().state())).append("<br>");
            }
            html.append("</td></tr>");
        }
        return html.append("</tbody></table><p><small>Machine-readable: <a href=\"/api/v1/status\">/api/v1/status</a></small></p>")
                .append("</body></html>").toString();
    }

    private static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
