package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.itests.MetatypeCatalog.Pid;
import dev.cohort.itests.MetatypeCatalog.Property;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation's Config Admin PIDs and properties against what the bundles declare
 * (their Metatype descriptors): the reference table in docs/configuration.md must be exactly
 * the bundles' configurations, and every PID and property the docs, the README and the example
 * configurations name must exist.
 */
class ConfigurationDocsIT {

    static final String BEGIN = "<!-- pid-table:begin -->";
    static final String END = "<!-- pid-table:end -->";

    private static final List<String> BUNDLES = List.of("core", "trainer", "vllm", "trace-jsonl", "rewards", "reward-stats",
            "tensorboard", "dashboard", "python-rewards");

    static Map<String, Pid> catalog() {
        return MetatypeCatalog.of(BUNDLES.stream()
                .map(b -> Path.of(java.util.Objects.requireNonNull(System.getProperty("cohort.bundle." + b),
                        "system property cohort.bundle." + b)))
                .toList());
    }

    private static Path docs() {
        return Path.of(System.getProperty("cohort.docs", "../docs"));
    }

    @Test
    void theReferenceTableIsExactlyWhatTheBundlesDeclare() throws IOException {
        String expected = PidTable.render(catalog());
        String doc = Files.readString(docs().resolve("configuration.md"));
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "docs/configuration.md has no " + BEGIN + " ... " + END + " section");
        String actual = doc.substring(begin + BEGIN.length(), end).strip();
        if (Boolean.getBoolean("cohort.docs.write") && !actual.equals(expected.strip())) {
            // mvn verify -pl itests -Dit.test=ConfigurationDocsIT -Dcohort.docs.write=true
            Files.writeString(docs().resolve("configuration.md"),
                    doc.substring(0, begin + BEGIN.length()) + "\n" + expected + doc.substring(end));
            return;
        }
        assertEquals(expected.strip(), actual, "docs/configuration.md's PID table differs from the bundles'"
                + " Metatype; the table the bundles declare is:\n" + expected);
    }

    @Test
    void everyPidAndPropertyTheDocsNameExists() throws IOException {
        Map<String, Pid> catalog = catalog();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> md = Files.list(docs())) {
            md.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        files.add(Path.of(System.getProperty("cohort.readme", "../README.md")));
        Path examples = Path.of(System.getProperty("cohort.examples", "../examples"));
        try (Stream<Path> yaml = Files.list(examples)) {
            yaml.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
        }
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            for (DocReferences.Reference ref : DocReferences.find(file)) {
                String problem = check(ref, catalog);
                if (problem != null) {
                    problems.add(file.getFileName() + ":" + ref.line() + ": " + problem);
                }
            }
        }
        assertTrue(problems.isEmpty(), "the docs name configurations no bundle declares:\n"
                + String.join("\n", problems) + "\nthe bundles declare: " + catalog.keySet());
    }

    private static String check(DocReferences.Reference ref, Map<String, Pid> catalog) {
        String pid = ref.pid().contains("~") ? ref.pid().substring(0, ref.pid().indexOf('~')) : ref.pid();
        Pid declared = catalog.get(pid);
        if (declared == null) {
            return "PID " + ref.pid() + " is declared by no bundle";
        }
        if (ref.property() == null) {
            return null;
        }
        List<String> names = declared.properties().stream().map(Property::id).collect(Collectors.toList());
        return names.contains(ref.property()) ? null
                : "PID " + pid + " has no property " + ref.property() + "; it has " + names;
    }
}
