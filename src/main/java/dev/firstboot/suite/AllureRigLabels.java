package dev.firstboot.suite;

import io.qameta.allure.listener.TestLifecycleListener;
import io.qameta.allure.model.Label;
import io.qameta.allure.model.TestResult;

import java.util.Map;

/**
 * Puts the rig's labels (rig, device, firmware hash…) on every Allure result as it is written. Allure finds it through
 * ServiceLoader; labels set from a Cucumber hook would land on the hook's fixture, not on the scenario.
 */
public final class AllureRigLabels implements TestLifecycleListener {
    @Override
    public void beforeTestWrite(TestResult result) {
        RunContext run = RunContext.currentOrNull();
        if (run == null) {
            return;
        }
        for (Map.Entry<String, String> label : run.rig().labels().entrySet()) {
            boolean present = result.getLabels().stream().anyMatch(l -> label.getKey().equals(l.getName()));
            if (!present) {
                result.getLabels().add(new Label().setName(label.getKey()).setValue(label.getValue()));
            }
        }
    }
}
