package dev.cohort.trainer.internal.cli;

import dev.cohort.trainer.internal.backend.JavaBackend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** {@code cohort:generate}: samples a completion from a checkpoint directory, in the shell. */
@Component(service = GenerateCommand.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=generate"})
public final class GenerateCommand {

    private final JavaBackend backend;

    @Activate
    public GenerateCommand() {
        this.backend = new JavaBackend(Runtime.getRuntime().availableProcessors());
    }

    @Deactivate
    void deactivate() {
        backend.close();
    }

    @Descriptor("sample a completion: --model DIR --prompt TEXT [--max-new-tokens N] [--greedy | --temperature T"
            + " --top-p P --top-k K --min-p P --seed S] [--json]")
    public synchronized String generate(@Descriptor("options") String... args) throws IOException {
        List<String> list = new ArrayList<>(List.of(args));
        return new Generator(backend).run(GenerateRequest.parse(list));
    }
}
