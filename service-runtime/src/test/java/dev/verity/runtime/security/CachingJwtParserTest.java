package dev.verity.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verity.local.JwtKeys;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

/**
 * A service verifies a given token once and keeps it only while the verifier would accept it; every
 * token the verifier refuses is refused every time, whatever was verified before. Real RS256 tokens
 * from local-infra, the real smallrye-jwt verifier.
 */
class CachingJwtParserTest {

    private static final String ISSUER = "https://verity.test";
    private static final JwtKeys KEYS = JwtKeys.temporary();
    private static final Tokens TOKENS = new Tokens(KEYS, ISSUER);
    private static final TestUser USER = TestUser.of("u-1", "org-a", "mid");

    /** The real verifier, counting how often it really verifies. */
    static final class CountingVerifier extends DefaultJWTParser {
        final AtomicInteger verifications = new AtomicInteger();

        CountingVerifier() {
            super(context());
        }

        /** No grace or skew after exp, so that the verifier's own refusal is visible within a test. */
        private static JWTAuthContextInfo context() {
            JWTAuthContextInfo context = new JWTAuthContextInfo(KEYS.publicKey(), ISSUER);
            context.setExpGracePeriodSecs(0);
            context.setClockSkew(0);
            return context;
        }

        @Override
        public JsonWebToken parse(String token) throws ParseException {
            verifications.incrementAndGet();
            return super.parse(token);
        }
    }

    private final CountingVerifier verifier = new CountingVerifier();

    private CachingJwtParser parser(int maxEntries) {
        return new CachingJwtParser(verifier, new VerifiedTokens(maxEntries, null, Clock.systemUTC()));
    }

    @Test
    void theSameTokenIsVerifiedOnceAndGivesTheSameCaller() throws Exception {
        CachingJwtParser parser = parser(16);
        String token = TOKENS.mint(USER);

        JsonWebToken first = parser.parse(token);
        JsonWebToken second = parser.parse(token);

        assertThat(second).isSameAs(first);
        assertThat(second.getSubject()).isEqualTo("u-1");
        assertThat((String) second.getClaim("tier")).isEqualTo("mid");
        assertThat(verifier.verifications).hasValue(1);
        assertThat(parser.verified().hits()).isEqualTo(1);
    }

    @Test
    void twoUsersTokensAreKeptApart() throws Exception {
        CachingJwtParser parser = parser(16);
        String alice = TOKENS.mint(TestUser.of("alice", "org-a", "free"));
        String bob = TOKENS.mint(TestUser.of("bob", "org-b", "enterprise"));

        parser.parse(alice);
        parser.parse(bob);

        assertThat(parser.parse(alice).getSubject()).isEqualTo("alice");
        assertThat((String) parser.parse(bob).getClaim("tier")).isEqualTo("enterprise");
        assertThat(verifier.verifications).hasValue(2);
    }

    @Test
    void everyBadTokenIsRefusedEveryTimeAndNeverKept() {
        CachingJwtParser parser = parser(16);
        Map<String, Function<TestUser, String>> bad = Map.of(
                "expired", TOKENS::expired,
                "wrong issuer", TOKENS::wrongIssuer,
                "tampered", TOKENS::tampered,
                "alg none", TOKENS::unsigned,
                "foreign key", TOKENS::foreignKey);
        bad.forEach((name, mint) -> {
            String token = mint.apply(USER);
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(() -> parser.parse(token)).as(name).isInstanceOf(ParseException.class);
            }
        });
        assertThatThrownBy(() -> parser.parse("not a token")).isInstanceOf(ParseException.class);

        assertThat(verifier.verifications).hasValue(bad.size() * 2 + 1);
        assertThat(parser.verified().size()).isZero();
    }

    @Test
    void anyOneCharacterEditOfAKeptTokenIsRefused() throws Exception {
        CachingJwtParser parser = parser(16);
        String token = TOKENS.mint(USER);
        parser.parse(token);

        // Every position of the header and payload (what the signature covers), each changed once.
        int signed = token.lastIndexOf('.');
        for (int i = 0; i < signed; i++) {
            char c = token.charAt(i);
            if (c == '.') {
                continue;
            }
            String edited = token.substring(0, i) + (c == 'A' ? 'B' : 'A') + token.substring(i + 1);
            assertThatThrownBy(() -> parser.parse(edited)).as("edited at %d", i).isInstanceOf(ParseException.class);
        }
        // The signature too, and the token with no signature at all.
        String forged = token.substring(0, signed + 1) + (token.charAt(signed + 1) == 'A' ? 'B' : 'A') + token.substring(signed + 2);
        assertThatThrownBy(() -> parser.parse(forged)).isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> parser.parse(token.substring(0, signed + 1))).isInstanceOf(ParseException.class);
        assertThat(parser.parse(token).getSubject()).isEqualTo("u-1");
    }

    @Test
    void aKeptTokenIsRefusedOnceItHasExpired() throws Exception {
        CachingJwtParser parser = parser(16);
        String token = TOKENS.mint(USER, Duration.ofSeconds(2));
        assertThat(parser.parse(token).getSubject()).isEqualTo("u-1");

        Awaitility.await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(100))
                .until(() -> refused(parser, token));

        assertThat(parser.verified().size()).isZero();
    }

    @Test
    void whenFullOfLiveTokensANewOneIsVerifiedEachTimeAndTheKeptOnesStay() throws Exception {
        CachingJwtParser parser = parser(2);
        String a = TOKENS.mint(USER);
        String b = TOKENS.mint(USER);
        String c = TOKENS.mint(USER);
        parser.parse(a);
        parser.parse(b);

        parser.parse(c);
        parser.parse(c);
        parser.parse(a);
        parser.parse(b);

        assertThat(parser.verified().size()).isEqualTo(2);
        assertThat(verifier.verifications).hasValue(4);
        assertThat(parser.verified().notKept()).isEqualTo(2);
    }

    @Test
    void whenFullExpiredEntriesMakeRoom() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        VerifiedTokens kept = new VerifiedTokens(1, null, clock);
        String first = TOKENS.mint(USER, Duration.ofMinutes(1));
        String second = TOKENS.mint(USER, Duration.ofHours(1));
        kept.put(first, verifier.parse(first));

        clock.advance(Duration.ofMinutes(2));
        kept.put(second, verifier.parse(second));

        assertThat(kept.get(second)).isNotNull();
        assertThat(kept.get(first)).isNull();
        assertThat(kept.size()).isEqualTo(1);
    }

    @Test
    void aMaximumTokenAgeEndsAKeptTokenBeforeItsExpiry() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        VerifiedTokens kept = new VerifiedTokens(16, 60L, clock);
        String token = TOKENS.mint(USER, Duration.ofHours(1));
        kept.put(token, verifier.parse(token));
        assertThat(kept.get(token)).isNotNull();

        clock.advance(Duration.ofSeconds(61));

        assertThat(kept.get(token)).isNull();
    }

    private static boolean refused(CachingJwtParser parser, String token) {
        try {
            parser.parse(token);
            return false;
        } catch (ParseException e) {
            return true;
        }
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
