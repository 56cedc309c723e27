package dev.firstboot.report;

import dev.firstboot.timeline.Measurement;
import io.qameta.allure.Allure;
import io.qameta.allure.AllureLifecycle;
import io.qameta.allure.model.Attachment;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Where evidence goes in the Allure results: measurements as a table on the step that took them, and the scenario's
 * evidence (timeline picture, timeline text, console, certificates) on the scenario itself, not on the tear-down hook
 * that gathers it. Callers pass text that is already masked.
 */
public final class AllureEvidence {
    private AllureEvidence() {
    }

    /** A table of the measurements on the step that is running now. */
    public static void onCurrentStep(List<Measurement> measurements) {
        if (measurements.isEmpty()) {
            return;
        }
        byte[] csv = MeasurementTable.csv(measurements).getBytes(StandardCharsets.UTF_8);
        Allure.addAttachment("measurements", "text/csv", new ByteArrayInputStream(csv), ".csv");
    }

    /**
     * The boot timeline picture at the top of the scenario's page, under its description, so it shows without a click
     * (it is attached as well). The description Cucumber gave stays, as escaped text above the picture.
     */
    public static void pictureOnScenario(String scenarioId, String svg) {
        Allure.getLifecycle().updateTestCase(scenarioId, result -> {
            String text = result.getDescription() == null ? "" : result.getDescription().strip();
            StringBuilder html = new StringBuilder();
            for (String paragraph : text.split("\\n\\s*\\n")) {
                if (!paragraph.isBlank()) {
                    html.append("<p>").append(TimelinePicture.escape(paragraph.strip())).append("</p>");
                }
            }
            html.append("<div class=\"firstboot-timeline\" style=\"overflow-x:auto\">").append(svg).append("</div>");
            result.setDescriptionHtml(html.toString());
        });
    }

    /**
     * An attachment on the scenario's own result, even from an After hook (where Allure's current item is the hook's
     * fixture).
     *
     * @param scenarioId Cucumber's id of the scenario's test case, which the Allure Cucumber plugin uses as the uuid
     */
    public static void onScenario(String scenarioId, String name, String type, String extension, byte[] content) {
        AllureLifecycle lifecycle = Allure.getLifecycle();
        String source = UUID.randomUUID() + "-attachment" + extension;
        lifecycle.writeAttachment(source, new ByteArrayInputStream(content));
        lifecycle.updateTestCase(scenarioId, result -> result.getAttachments()
                .add(new Attachment().setName(name).setType(type).setSource(source)));
    }
}
