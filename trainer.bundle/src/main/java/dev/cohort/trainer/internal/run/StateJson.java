package dev.cohort.trainer.internal.run;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * trainer_state.json laid out as Hugging Face's {@code TrainerState.save_to_json} lays it out
 * ({@code json.dumps(state, indent=2, sort_keys=True)}): keys sorted at every level, two spaces
 * of indentation for objects and arrays, {@code "key": value}, {@code {}} and {@code []} when empty.
 */
final class StateJson {

    private StateJson() {
    }

    static void write(Path file, Map<String, Object> state) throws IOException {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("")
                .withArrayEmptySeparator(""))
                .withObjectIndenter(indent).withArrayIndenter(indent);
        new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writer(pretty)
                .writeValue(file.toFile(), state);
    }
}
