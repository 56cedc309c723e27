package dev.firstboot.farm;

import dev.firstboot.cli.Main;
import org.codehaus.groovy.ast.CodeVisitorSupport;
import org.codehaus.groovy.ast.expr.ArgumentListExpression;
import org.codehaus.groovy.ast.expr.ConstantExpression;
import org.codehaus.groovy.ast.expr.GStringExpression;
import org.codehaus.groovy.ast.expr.MethodCallExpression;
import org.codehaus.groovy.control.CompilationUnit;
import org.codehaus.groovy.control.Phases;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The CI templates parse with real parsers (SnakeYAML, the Groovy compiler), and every firstboot command they run
 * exists with the options they give it.
 */
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

    /** The Jenkinsfile compiles as Groovy (as Jenkins reads it); its calls and strings come from the syntax tree. */
    @Test
    void theJenkinsfileUsesAgentLabelsPerHostAndNamesRealCommands() throws Exception {
        CompilationUnit unit = new CompilationUnit();
        unit.addSource("Jenkinsfile", Files.readString(TEMPLATES.resolve("Jenkinsfile")));
        assertThatCode(() -> unit.compile(Phases.CONVERSION)).as("the Jenkinsfile is valid Groovy")
                .doesNotThrowAnyException();
        List<String> calls = new ArrayList<>();
        Map<String, List<String>> arguments = new java.util.LinkedHashMap<>();
        List<String> strings = new ArrayList<>();
        unit.getAST().getModules().get(0).getStatementBlock().visit(new CodeVisitorSupport() {
            @Override
            public void visitMethodCallExpression(MethodCallExpression call) {
                calls.add(call.getMethodAsString());
                List<String> args = arguments.computeIfAbsent(call.getMethodAsString(), k -> new ArrayList<>());
                if (call.getArguments() instanceof ArgumentListExpression list) {
                    list.getExpressions().forEach(e -> args.add(e.getText()));
                }
                super.visitMethodCallExpression(call);
            }

            @Override
            public void visitConstantExpression(ConstantExpression e) {
                if (e.getValue() instanceof String text) {
                    strings.add(text);
                }
            }

            @Override
            public void visitGStringExpression(GStringExpression e) {
                strings.add(e.getText());
                super.visitGStringExpression(e);
            }
        });
        assertThat(calls).as("the declarative pipeline's sections").contains("pipeline", "agent", "stages", "stage",
                "steps", "parallel", "node", "sh", "junit", "stash", "unstash", "archiveArtifacts");
        // the compiler writes a GString's ${host} as $host
        assertThat(arguments.get("node")).as("one agent per farm host, by label").contains("firstboot-farm && $host");
        List<String> commands = strings.stream().filter(t -> t.startsWith("./firstboot ")).toList();
        assertThat(commands).anyMatch(c -> c.contains("run --farm farms/$host.yaml"))
                .anyMatch(c -> c.contains("report merge"));
        commands.forEach(c -> assertParses(c.replace("$host", "lab-a")));
    }

    private static void assertParses(String command) {
        String[] args = command.trim().replaceFirst("^\\./firstboot\\s+", "").split("\\s+");
        assertThatCode(() -> Main.commandLine().parseArgs(args)).as(command).doesNotThrowAnyException();
    }
}
