package dev.cohort.trainer.internal.cli;

import java.io.IOException;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;

/** {@code cohort:tokenize} and {@code cohort:chattemplate}: the command line's tokenize and chat-template, in the shell. */
@Component(service = ShellCommands.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=tokenize", "osgi.command.function=chattemplate"})
public final class ShellCommands {

    @Descriptor("token ids and strings of a text: --model DIR --text TEXT [--add-special-tokens] [--json]")
    public String tokenize(@Descriptor("options") String... args) throws IOException {
        return TokenizeCommand.run(List.of(args));
    }

    @Descriptor("a conversation rendered with the model's chat template: --model DIR --messages FILE.json"
            + " [--no-generation-prompt] [--set NAME=VALUE]... [--json]")
    public String chattemplate(@Descriptor("options") String... args) throws IOException {
        return ChatTemplateCommand.run(List.of(args));
    }
}
