import StormDrillEngine
import StormDrillPlan
import StormDrillReport

import struct Histogram.Histogram

/// Checks a plan's service level objective against the measurements.
public enum SLOEvaluation {
    /// One result per objective in the plan: latency percentiles (intended-time request latency) and the error rate.
    public static func evaluate(
        _ slo: ServiceLevelObjective, latency: Histogram<UInt64>, errorRate: Double
    ) -> [ObjectiveResult] {
        var out: [ObjectiveResult] = []
        for objective in slo.latencyObjectives {
            let actualMs = latency.totalCount > 0 ? Double(latency.valueAtPercentile(objective.percentile)) / 1000 : 0
            // No response at all cannot meet a latency objective.
            let passed = latency.totalCount > 0 && actualMs <= objective.limit.milliseconds
            out.append(
                ObjectiveResult(
                    name: objective.name, limit: objective.limit.description, actual: actualMs,
                    passed: passed))
        }
        if let limit = slo.errorRate {
            out.append(
                ObjectiveResult(
                    name: "errorRate", limit: SLOEvaluation.formatShare(limit), actual: errorRate,
                    passed: errorRate <= limit))
        }
        return out
    }

    static func formatShare(_ v: Double) -> String {
        var s = String(v)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}

/// The rules that turn measurements into PASS, FAIL or INVALID.
public enum VerdictRules {
    /// Above this scheduling-lag p99 the generator did not keep its schedule.
    public static let maximumLagP99Ms = 5.0
    /// This many consecutive seconds with an event loop ≥ 95 % busy means the generator's CPU was saturated.
    public static let saturatedSecondsLimit = 2

    public static func isSaturated(lagP99Ms: Double, saturatedSeconds: Int) -> Bool {
        lagP99Ms > maximumLagP99Ms || saturatedSeconds >= saturatedSecondsLimit
    }

    /// INVALID beats FAIL: a generator that fell behind must never be reported as a slow target.
    public static func decide(
        slo: [ObjectiveResult], generator: GeneratorReport, totals: Totals, runProblems: [String],
        thresholds: [ThresholdResult] = [], faults: [FaultReport] = [], monitoring: MonitoringReport? = nil
    ) -> (verdict: Verdict, reasons: [String]) {
        // A fault that was applied but never seen in force proves nothing about the target's resilience.
        let unverified = faults.filter { $0.outcome == .applied && $0.verified == false }
        if generator.saturated || !unverified.isEmpty {
            var reasons: [String] = unverified.map {
                "fault \($0.name) was not verified" + ($0.evidence.map { ": \($0)" } ?? "")
            }
            if generator.saturated && generator.lagP99Ms > maximumLagP99Ms {
                reasons.append(
                    "generator fell behind its schedule: lag p99 \(SummaryRenderer.ms(generator.lagP99Ms))"
                        + " > \(SummaryRenderer.ms(maximumLagP99Ms))"
                )
            }
            if generator.saturated && generator.saturatedSeconds >= saturatedSecondsLimit {
                reasons.append(
                    "generator CPU saturated: an event loop was ≥ 95 % busy for"
                        + " \(generator.saturatedSeconds) s in a row"
                )
            }
            return (.invalid, reasons)
        }
        var reasons = runProblems
        // An expected alert that did not fire in time: the platform broke and nobody would have known.
        if let monitoring { reasons += AlertAnalysis.reasons(monitoring) }
        for t in thresholds where !t.passed {
            reasons.append("threshold \(t.title): \(t.actualText)")
        }
        for o in slo where !o.passed {
            if o.name == "errorRate" {
                reasons.append(
                    "slo errorRate: \(SummaryRenderer.percent(o.actual))"
                        + " > \(SummaryRenderer.percent(Double(o.limit) ?? 0))"
                )
            } else if totals.requests == 0 || o.actual == 0 && totals.ok == 0 {
                reasons.append("slo \(o.name): no responses")
            } else {
                reasons.append("slo \(o.name): \(SummaryRenderer.ms(o.actual)) > \(o.limit)")
            }
        }
        if totals.journeys == 0 && totals.dropped == 0 {
            reasons.append("no journey was started")
        } else if totals.journeysOk == 0 {
            reasons.append("no journey succeeded")
        }
        return (reasons.isEmpty ? .pass : .fail, reasons)
    }
}
