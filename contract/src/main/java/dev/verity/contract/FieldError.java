package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One invalid field of a request, as a {@code data_validation_failed} problem names it: {@code row}
 * is the zero-based index of the bad item in the submitted list (absent for top-level fields),
 * {@code field} its JSON name and {@code reason} what is wrong, written for the caller.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(
        @JsonProperty("row") Integer row,
        @JsonProperty("field") String field,
        @JsonProperty("reason") String reason) {
}
