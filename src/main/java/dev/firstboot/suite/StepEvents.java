package dev.firstboot.suite;

import dev.firstboot.timeline.Timeline;
import io.cucumber.plugin.ConcurrentEventListener;
import io.cucumber.plugin.event.EventPublisher;
import io.cucumber.plugin.event.PickleStepTestStep;
import io.cucumber.plugin.event.TestStepStarted;

/**
 * A Cucumber plugin that tells the run's live status line which step is running, and follows the scenario's
 * timeline for its last event (and, with --verbose, the device console).
 */
public final class StepEvents implements ConcurrentEventListener {
    private Timeline followed;

    @Override
    public void setEventPublisher(EventPublisher publisher) {
        publisher.registerHandlerFor(TestStepStarted.class, this::stepStarted);
    }

    private synchronized void stepStarted(TestStepStarted event) {
        RunContext run = RunContext.currentOrNull();
        if (run == null || run.progress() == null || !(event.getTestStep() instanceof PickleStepTestStep step)) {
            return;
        }
        ProgressPrinter progress = run.progress();
        progress.stepStarted(step.getStep().getKeyword().strip() + " " + step.getStep().getText());
        Timeline timeline = run.rig().timeline();
        if (timeline != null && timeline != followed) {
            followed = timeline;
            timeline.subscribe(progress::event);
        }
    }
}
