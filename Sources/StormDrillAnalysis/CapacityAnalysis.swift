import StormDrillPlan
import StormDrillReport

/// Finds the capacity of a ramping open-model drill: the highest planned arrival rate the target carried within its
/// SLO for a whole window of seconds, where it broke and what throughput did past the knee. Pure. The measures are
/// defined in docs/report-format.md.
public enum CapacityAnalysis {
    /// Seconds every second of a window must meet the SLO for (plan `analysis.capacityWindow`).
    public static let defaultWindowSeconds = 10
    /// The effective window is never longer than this share of the seconds analysed.
    public static let windowShareOfRamp = 1.0 / 3.0
    /// Past the knee, throughput ending within this share of its peak is a plateau…
    public static let plateauShare = 0.9
    /// … and ending below this share of its peak is a collapse.
    public static let collapseShare = 0.75
    /// Seconds averaged for the final throughput past the knee.
    public static let finalSeconds = 3

    /// The capacity report of `timeline`, or nil when it has no planned arrival rate (closed model, older report)
    /// or no full second of load.
    ///
    /// Each second is judged against the SLO: `errorRateLimit` (1 % when nil) on failed and dropped journeys, the
    /// second's p99 against `p99LimitMs` when given, and no dropped arrival. Seconds that end after `loadEndMs`
    /// (the last, partial second of the load and the drain) are ignored; without `loadEndMs`, the seconds after the
    /// last one with a planned rate and that last one itself are. `windowSeconds` is shortened to a third of the
    /// seconds analysed when the ramp is too short for it.
    public static func analyze(
        timeline: [TimelineEntry], p99LimitMs: Double?, errorRateLimit: Double?,
        windowSeconds: Int = defaultWindowSeconds, forecast: (peakRate: Double, headroom: Double)?,
        loadEndMs: Double? = nil
    ) -> CapacityReport? {
        var seconds = timeline.filter { $0.offered != nil }.sorted { $0.t < $1.t }
        if let loadEndMs {
            seconds.removeAll { Double($0.t + 1) * 1000 > loadEndMs + 1e-6 }
        } else if let last = seconds.lastIndex(where: { ($0.offered ?? 0) > 0 }) {
            seconds.removeSubrange(last...)
        } else {
            seconds.removeAll()
        }
        guard !seconds.isEmpty else { return nil }
        let limit = errorRateLimit ?? ServiceLevelObjective.defaultErrorRate
        let judged = seconds.map { judge($0, errorRateLimit: limit, p99LimitMs: p99LimitMs) }
        let points = judged.map(\.point)
        let window = max(1, min(windowSeconds, Int((Double(points.count) * windowShareOfRamp).rounded(.down))))

        // The capacity: the highest offered rate of a second that ends `window` consecutive good seconds.
        var capacityIndex: Int?
        var run = 0
        for (i, p) in points.enumerated() {
            run = p.withinSLO ? run + 1 : 0
            if run >= window, capacityIndex.map({ p.offered > points[$0].offered }) ?? true { capacityIndex = i }
        }
        let breakIndex = points.indices.first { i in
            !points[i].withinSLO && capacityIndex.map { i > $0 } ?? true
        }
        let peak = points.map(\.achieved).max() ?? 0
        let capacity = capacityIndex.map { points[$0].offered }

        var pastKnee = "rising"
        if let b = breakIndex {
            let tail = points[b...].suffix(finalSeconds).map(\.achieved)
            let final = tail.reduce(0, +) / Double(max(1, tail.count))
            if final >= plateauShare * peak {
                pastKnee = "plateau"
            } else if final < collapseShare * peak {
                pastKnee = "collapse"
            } else {
                pastKnee = "declining"
            }
        }

        var forecastReport: ForecastReport?
        if let forecast {
            let required = forecast.peakRate * forecast.headroom
            let highest = points.map(\.offered).max() ?? 0
            var covered = capacity.map { $0 >= required } ?? false
            if breakIndex == nil, highest >= required { covered = true }
            forecastReport = ForecastReport(
                peakRate: forecast.peakRate, headroom: forecast.headroom, required: required, covered: covered,
                margin: required > 0 ? capacity.map { $0 / required - 1 } : nil)
        }

        return CapacityReport(
            windowMs: Double(window) * 1000, capacity: capacity,
            throughputAtCapacity: capacityIndex.map { points[$0].achieved }, limitReached: breakIndex != nil,
            brokeAtMs: breakIndex.map { Double(points[$0].t) * 1000 },
            brokeAtRate: breakIndex.map { points[$0].offered },
            brokenBy: breakIndex.map { judged[$0].brokenBy } ?? [], peakThroughput: peak, pastKnee: pastKnee,
            points: points, forecast: forecastReport)
    }

    /// One second judged against the SLO, with what broke it (`errors`, `latency`, `dropped`).
    static func judge(
        _ e: TimelineEntry, errorRateLimit: Double, p99LimitMs: Double?
    ) -> (point: CapacityPoint, brokenBy: [String]) {
        let offered = e.offered ?? 0
        let ok = e.journeysOk ?? e.ok
        let failed = e.journeysFailed ?? e.errors
        let ended = ok + failed + e.dropped
        let errorRate = ended > 0 ? Double(failed + e.dropped) / Double(ended) : 0
        var broken: [String] = []
        if ended > 0 {
            if errorRate > errorRateLimit { broken.append("errors") }
            if let p99LimitMs, e.p99 > p99LimitMs { broken.append("latency") }
            if e.dropped > 0 { broken.append("dropped") }
        } else if offered > 0 {
            // Journeys were offered and none came back within the second: as slow as a latency can be.
            broken.append("latency")
        }
        let point = CapacityPoint(
            t: e.t, offered: offered, achieved: Double(ok), errorRate: errorRate, p99Ms: e.p99, dropped: e.dropped,
            withinSLO: broken.isEmpty)
        return (point, broken)
    }
}
