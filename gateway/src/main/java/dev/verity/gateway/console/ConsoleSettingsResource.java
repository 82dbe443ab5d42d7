package dev.verity.gateway.console;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** What the console page may do on this deployment; read before sign-in, so no token. */
@Path("/console/settings")
public class ConsoleSettingsResource {

    private final ConsoleConfig config;

    public ConsoleSettingsResource(ConsoleConfig config) {
        this.config = config;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> settings() {
        return Map.of("fragment_sign_in", config.fragmentSignIn());
    }
}
