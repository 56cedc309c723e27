package dev.firstboot.farm;

import dev.firstboot.cli.Main;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The CI templates parse, and every firstboot command they run exists with the options they give it. */
class CiTemplatesTest {
    private static final Path TEMPLATES = Path.of("ci-templates").toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void theGitHubWorkflowParsesRunsOneJobPerHostOnItsRunnerAndNamesRealCommands() throws Exception {
        Map<String, Object> workflow = new Yaml().load(Files.readString(TEMPLATES.resolve("github-actions-farm.yml")));
        Map<String, Object> jobs = (Map<String, Object>) workflow.get("jobs");
        Map<String, Object> farm = (Map<String, Object>) jobs.get("farm");
        Map<String, Object> matrix = (Map<String, Object>) ((Map<String, Object>) farm.get("strategy")).get("matrix");
        assertThat((List<String>) matrix.get("host")).isNotEmpty();
        assertThat((List<String>) farm.get("runs-on")).contains("self-hosted", "${{ matrix.host }}");
        List<String> commands = new ArrayList<>();
        for (Object job : jobs.values()) {
            for (Map<String, Object> step : (List<Map<String, Object>>) ((Map<String, Object>) job).get("steps")) {
                Object run = step.get("run");
                if (run != null) {
                    run.toString().lines().filter(l -> l.trim().startsWith("./firstboot")).forEach(commands::add);
                }
            }
        }
        assertThat(commands).anyMatch(c -> c.contains("run --farm")).anyMatch(c -> c.contains("report merge"));
        commands.forEach(c -> assertParses(c.replace("${{ matrix.host }}", "lab-a")));
    }

    @Test
    void theJenkinsfileUsesAgentLabelsPerHostAndNamesRealCommands() throws Exception {
        String jenkinsfile = Files.readString(TEMPLATES.resolve("Jenkinsfile"));
        assertThat(jenkinsfile).contains("pipeline {").contains("node(\"firstboot-farm && ${host}\")");
        assertThat(jenkinsfile.chars().filter(c -> c == '{').count())
                .as("balanced braces").isEqualTo(jenkinsfile.chars().filter(c -> c == '}').count());
        Matcher m = Pattern.compile("['\"](\\./firstboot [^'\"]+)['\"]").matcher(jenkinsfile);
        List<String> commands = new ArrayList<>();
        while (m.find()) {
            commands.add(m.group(1));
        }
        assertThat(commands).anyMatch(c -> c.contains("run --farm")).anyMatch(c -> c.contains("report merge"));
        commands.forEach(c -> assertParses(c.replace("${host}", "lab-a")));
    }

    private static void assertParses(String command) {
        String[] args = command.trim().replaceFirst("^\\./firstboot\\s+", "").split("\\s+");
        assertThatCode(() -> Main.commandLine().parseArgs(args)).as(command).doesNotThrowAnyException();
    }
}
