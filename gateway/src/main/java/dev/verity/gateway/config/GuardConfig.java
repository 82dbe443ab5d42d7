package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import java.util.List;

/** The authenticity guard on outgoing answers. */
@ConfigMapping(prefix = "verity.guard")
public interface GuardConfig {

    /** Phrases of the placeholder answers Verity replaced; an answer containing one is stopped. */
    List<String> cannedPhrases();
}
