package dev.verity.runtime.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How many verified bearer tokens a service keeps ({@link CachingJwtParser}). */
@ConfigMapping(prefix = "verity.jwt.verified-tokens")
public interface TokenCacheConfig {

    /**
     * Upper bound on kept tokens. One entry is the parsed token (its claims and raw text, about
     * 2 KB), so the default costs at most about 8 MB of heap; tokens beyond it are verified each time.
     */
    @WithDefault("4096")
    int maxEntries();
}
