package dev.verity.e2e;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/** Prints the suite's closing line: scenarios run, responses scanned, violations found. */
public class ScanSummary implements TestExecutionListener {

    private final AtomicLong scenarios = new AtomicLong();

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.isTest()) {
            scenarios.incrementAndGet();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (scenarios.get() > 0) {
            System.out.printf("e2e: %d scenarios run, %d responses scanned, %d violations found%n",
                    scenarios.get(), Scanner.SCANNED.get(), Scanner.VIOLATIONS.get());
        }
    }
}
