package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.ArrayList;
import java.util.List;

/** TemplateProcessing (single-sequence template), ByteLevel (ids unchanged) and Sequence. */
final class PostProcessors {

    private PostProcessors() {
    }

    static PostProcessor of(JsonPath j) {
        if (j.isNull()) {
            return null;
        }
        switch (j.type()) {
            case "ByteLevel":
                return (ids, add) -> ids;
            case "TemplateProcessing":
                return template(j);
            case "Sequence": {
                List<PostProcessor> list = new ArrayList<>();
                JsonPath items = j.get("processors");
                for (int i = 0; i < items.node().size(); i++) {
                    list.add(of(items.get(i)));
                }
                return (ids, add) -> {
                    for (PostProcessor p : list) {
                        ids = p.process(ids, add);
                    }
                    return ids;
                };
            }
            default:
                throw j.unsupported("post-processor", "TemplateProcessing, ByteLevel, Sequence");
        }
    }

    /** The {@code single} template: special tokens' ids around the sequence "A". */
    private static PostProcessor template(JsonPath j) {
        JsonPath single = j.get("single");
        List<int[]> parts = new ArrayList<>(); // null marks where the sequence goes
        for (int i = 0; i < single.node().size(); i++) {
            JsonPath item = single.get(i);
            if (item.node().has("Sequence")) {
                parts.add(null);
            } else if (item.node().has("SpecialToken")) {
                String name = item.get("SpecialToken").text("id");
                JsonPath st = j.get("special_tokens").get(name);
                if (st.isNull()) {
                    throw st.error("special token \"" + name + "\" used in /single is not defined");
                }
                JsonPath ids = st.get("ids");
                int[] a = new int[ids.node().size()];
                for (int k = 0; k < a.length; k++) {
                    a[k] = ids.node().get(k).asInt();
                }
                parts.add(a);
            } else {
                throw item.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return (ids, add) -> {
            if (!add) {
                return ids;
            }
            IntList out = new IntList(ids.length + 4);
            for (int[] part : parts) {
                out.addAll(part == null ? ids : part);
            }
            return out.toArray();
        };
    }
}
