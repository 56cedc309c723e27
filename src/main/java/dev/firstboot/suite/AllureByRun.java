package dev.firstboot.suite;

import io.qameta.allure.Allure;
import io.qameta.allure.AllureLifecycle;
import io.qameta.allure.AllureResultsWriter;
import io.qameta.allure.model.TestResult;
import io.qameta.allure.model.TestResultContainer;

import java.io.InputStream;

/**
 * The process's one Allure lifecycle, writing each result and attachment into the folder of the run it belongs to.
 * Allure keeps its lifecycle in a global that its Cucumber plugin and {@code Allure.addAttachment} read; a farm runs
 * several boards' runs at once in one JVM, so the global cannot be any one run's. Allure writes a scenario's files on
 * the thread that runs the scenario, and {@link RunContext#currentOrNull()} knows that thread's run.
 */
final class AllureByRun implements AllureResultsWriter {
    private static final AllureLifecycle LIFECYCLE = new AllureLifecycle(new AllureByRun());

    private AllureByRun() {
    }

    /** Makes this the lifecycle Allure's plugin and API use; every run calls it before it starts scenarios. */
    static void install() {
        Allure.setLifecycle(LIFECYCLE);
    }

    @Override
    public void write(TestResult result) {
        run().allureWriter().write(result);
    }

    @Override
    public void write(TestResultContainer container) {
        run().allureWriter().write(container);
    }

    @Override
    public void write(String source, InputStream attachment) {
        run().allureWriter().write(source, attachment);
    }

    private static RunContext run() {
        return RunContext.current();
    }
}
