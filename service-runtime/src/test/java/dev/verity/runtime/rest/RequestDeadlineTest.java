package dev.verity.runtime.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RequestDeadlineTest {

    @Test
    void epochMillisecondsAreAPointInTime() {
        assertThat(RequestDeadline.parse(" 1780000000000 ")).isEqualTo(new RequestDeadline.At(Instant.ofEpochMilli(1780000000000L)));
    }

    @Test
    void noHeaderOrABlankOneIsAbsent() {
        assertThat(RequestDeadline.parse(null)).isInstanceOf(RequestDeadline.Absent.class);
        assertThat(RequestDeadline.parse("  ")).isInstanceOf(RequestDeadline.Absent.class);
        assertThat(RequestDeadline.of(null)).isInstanceOf(RequestDeadline.Absent.class);
    }

    @Test
    void anythingElseIsMalformedNotGuessed() {
        for (String bad : new String[] {"soon", "2026-12-03T12:00:00Z", "12.5", "99999999999999999999"}) {
            assertThat(RequestDeadline.parse(bad)).as(bad).isEqualTo(new RequestDeadline.Malformed(bad));
        }
    }
}
