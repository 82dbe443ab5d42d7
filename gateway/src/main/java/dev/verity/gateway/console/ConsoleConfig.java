package dev.verity.gateway.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The web console served at {@code /}. */
@ConfigMapping(prefix = "verity.console")
public interface ConsoleConfig {

    /**
     * Whether the page signs in with a token in its URL fragment ({@code /#token=…}). Only the local
     * launcher turns this on, for the sign-in links it prints; everywhere else a token is pasted.
     */
    @WithDefault("false")
    boolean fragmentSignIn();
}
