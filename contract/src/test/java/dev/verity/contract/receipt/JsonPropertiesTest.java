package dev.verity.contract.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class JsonPropertiesTest {

    @Property
    void anyStringSurvivesWritingAndReading(@ForAll String text) {
        assertThat(Json.parse(Json.write(text))).isEqualTo(text);
    }

    @Property
    void objectsAreWrittenWithSortedKeysWhateverTheirOrder(@ForAll String a, @ForAll String b, @ForAll long n) {
        Map<String, Object> forward = new LinkedHashMap<>();
        forward.put("b", b);
        forward.put("a", a);
        forward.put("n", n);
        Map<String, Object> backward = new LinkedHashMap<>();
        backward.put("n", n);
        backward.put("a", a);
        backward.put("b", b);

        assertThat(Json.write(forward)).isEqualTo(Json.write(backward)).startsWith("{\"a\":");
        assertThat(Json.parse(Json.write(forward))).isEqualTo(Map.of("a", a, "b", b, "n", n));
    }

    @Property
    void aTextDigestChangesWithAnyAppendedCharacter(@ForAll String text, @ForAll char extra) {
        assertThat(Digests.text(text + extra)).isNotEqualTo(Digests.text(text)).hasSize(64);
    }

    @Example
    void controlCharactersAreEscapedAsJavaScriptAndPythonEscapeThem() {
        assertThat(Json.write(List.of("a\u0001\n\"\\"))).isEqualTo("[\"a\\u0001\\n\\\"\\\\\"]");
    }

    @Example
    void duplicateKeysAndTrailingTextAreRefused() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate key a");
        assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("trailing text");
    }

    @Property
    void aDecimalIsWrittenWithItsDigitsAndReadBackEqual(@ForAll @net.jqwik.api.constraints.LongRange(min = 0, max = 999_999_999_999L) long units,
            @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int scale) {
        java.math.BigDecimal cost = java.math.BigDecimal.valueOf(units, scale);

        String written = Json.write(Map.of("cost_usd", cost));

        assertThat(written).isEqualTo("{\"cost_usd\":" + cost.toPlainString() + "}").doesNotContain("E");
        Object read = ((Map<?, ?>) Json.parse(written)).get("cost_usd");
        assertThat(new java.math.BigDecimal(read.toString())).isEqualByComparingTo(cost);
    }
}
