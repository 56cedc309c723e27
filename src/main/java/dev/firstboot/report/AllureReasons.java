package dev.firstboot.report;

import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.suite.NotRunException;
import io.qameta.allure.listener.FixtureLifecycleListener;
import io.qameta.allure.listener.TestLifecycleListener;
import io.qameta.allure.model.FixtureResult;
import io.qameta.allure.model.StatusDetails;
import io.qameta.allure.model.TestResult;

import java.util.List;

/**
 * A scenario that is not applicable (or was not run) is not an error: in the Allure report it carries its reason and
 * no Java stack trace, on the scenario and on the hook that decided it. Allure finds this through ServiceLoader.
 */
public final class AllureReasons implements TestLifecycleListener, FixtureLifecycleListener {
    private static final List<String> REASONS = List.of(NotApplicableException.class.getName() + ":",
            NotRunException.class.getName() + ":");

    @Override
    public void beforeTestWrite(TestResult result) {
        dropTraceOfReason(result.getStatusDetails());
    }

    @Override
    public void beforeFixtureStop(FixtureResult result) {
        dropTraceOfReason(result.getStatusDetails());
    }

    static void dropTraceOfReason(StatusDetails details) {
        if (details == null || details.getTrace() == null) {
            return;
        }
        String trace = details.getTrace().stripLeading();
        if (REASONS.stream().anyMatch(trace::startsWith)) {
            details.setTrace(null);
        }
    }
}
