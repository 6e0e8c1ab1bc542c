import StormDrillEngine
import StormDrillPlan
import StormDrillReport

/// Availability, burn rate and error-budget share of a drill against `slo.availability` (the SRE workbook's
/// definitions, on requests). Pure.
public enum ErrorBudget {
    /// - Parameters:
    ///   - timeline: the engine's 100 ms slices (for the faults' windows).
    ///   - faults: realised fault windows, ms from the drill start.
    ///   - loadSeconds: how long the load ran (the drain after it is not traffic the platform would see).
    public static func analyze(
        target: Double, windowSeconds: Double, totals: Totals, timeline: [TimelineBucket], bucketMs: Double,
        faults: [(name: String, startMs: Double, endMs: Double?, ran: Bool)], loadSeconds: Double
    ) -> AvailabilityReport {
        let budget = 1 - target
        let requests = totals.requests + totals.dropped
        let failed = totals.errors + totals.dropped
        let errorRate = requests > 0 ? Double(failed) / Double(requests) : 0
        let rate = loadSeconds > 0 ? Double(requests) / loadSeconds : 0
        let budgetRequests = budget * rate * windowSeconds
        var burns: [AvailabilityReport.FaultBurn] = []
        for f in faults where f.ran {
            // Slices that lie wholly inside the fault's window, as the phase-scoped thresholds count them.
            let first = Int((f.startMs / bucketMs).rounded(.up))
            let endMs = f.endMs ?? Double(timeline.count) * bucketMs
            let last = min(timeline.count, Int((endMs / bucketMs).rounded(.down)))
            var done = 0
            var bad = 0
            if first < last {
                for b in timeline[first..<last] {
                    done += b.ok + b.errors + b.dropped
                    bad += b.errors + b.dropped
                }
            }
            let e = done > 0 ? Double(bad) / Double(done) : 0
            burns.append(.init(fault: f.name, requests: done, failed: bad, errorRate: e, burnRate: e / budget))
        }
        return AvailabilityReport(
            target: target, windowSeconds: windowSeconds, requests: requests, failed: failed,
            availability: 1 - errorRate, burnRate: errorRate / budget, requestRate: rate,
            budgetRequests: budgetRequests,
            errorBudgetShare: budgetRequests > 0 ? Double(failed) / budgetRequests : (failed > 0 ? .infinity : 0),
            faults: burns)
    }
}
