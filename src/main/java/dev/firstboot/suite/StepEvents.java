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
    /** The timelines already followed: each scenario's (a lane's timeline is new for every scenario). */
    private final java.util.Set<Timeline> followed = java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());

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
        int lanes = run.rig().lanes();
        run.laneOf(event.getTestCase().getId().toString()).filter(lane -> followed.add(lane.timeline()))
                .ifPresent(lane -> lane.timeline().subscribe(e -> progress.event(e, lanes > 1 ? lane.number() : 0)));
    }
}
