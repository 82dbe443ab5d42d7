package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import java.util.List;

/** The authenticity guard on outgoing answers: receipts decide (verity.receipts.*), phrases are only counted. */
@ConfigMapping(prefix = "verity.guard")
public interface GuardConfig {

    /**
     * Phrases of the placeholder answers Verity replaced: a verified answer containing one is
     * delivered, counted in {@code verity_guard_suspicious_total} and logged, never withheld.
     */
    List<String> cannedPhrases();
}
