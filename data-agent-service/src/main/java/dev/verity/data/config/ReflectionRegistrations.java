package dev.verity.data.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * This service's own JSON shapes (request, response and cache records), registered for reflection
 * so a native image keeps their constructors, accessors and annotations; the contract's wire types
 * are registered once in service-runtime. In a JVM build it changes nothing.
 */
@RegisterForReflection(targets = {
        dev.verity.data.metrics.MetricsQuery.class, dev.verity.data.metrics.MetricsResult.class,
        dev.verity.data.metrics.MetricsResult.Series.class, dev.verity.data.metrics.MetricsResult.Bucket.class,
        dev.verity.data.cost.CostAnalysisQuery.class, dev.verity.data.cost.CostAnalysis.class,
        dev.verity.data.cost.CostAnalysis.ModelSpend.class, dev.verity.data.cost.CostAnalysis.Route.class,
        dev.verity.data.usage.UsageBatch.class, dev.verity.data.rest.UsageResource.Stored.class,
        dev.verity.data.query.ResultCache.Entry.class, dev.verity.data.query.Coverage.class,
        dev.verity.data.usage.DeadLetterRedrive.Report.class, dev.verity.data.usage.DeadLetterRedrive.StillRejected.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
