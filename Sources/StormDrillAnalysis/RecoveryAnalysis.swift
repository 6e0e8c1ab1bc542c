import Foundation
import StormDrillPlan
import StormDrillReport

/// One fault's realised window as the recovery analysis sees it: offsets from the drill start in milliseconds, on
/// the clock of the timeline.
public struct FaultWindow: Sendable, Hashable {
    public var name: String
    public var startMs: Double
    /// Nil for a kill that was never restarted: the fault then lasts to the end of the load.
    public var endMs: Double?

    public init(name: String, startMs: Double, endMs: Double?) {
        self.name = name
        self.startMs = startMs
        self.endMs = endMs
    }

    /// The window a fault report describes: actual times where the fault was applied, planned ones otherwise.
    public init(_ report: FaultReport) {
        self.name = report.name
        self.startMs = report.actualStartMs ?? report.plannedStartMs
        self.endMs = report.actualEndMs ?? report.plannedEndMs
    }
}

/// Finds incidents in the fine timeline and measures each fault's impact and recovery against a healthy baseline.
/// Pure: no I/O, no clock. The measures are defined in docs/report-format.md.
public enum RecoveryAnalysis {
    /// The tolerances used when the plan has no `analysis`.
    public static let defaultSettings = RecoverySettingsReport(
        errorTolerance: 0.05, latencyFactor: 2, latencyFloorMs: 25, throughputFloor: 0.5, stableForMs: 1000,
        minIncidentMs: 300)
    /// The start of the drill that never counts towards the baseline (connections opening, caches warming).
    public static let warmUpMs = 1000.0
    /// The baseline before the first fault looks back at most this far.
    public static let baselineMaximumMs = 30_000.0
    /// A stretch before the first fault shorter than this is too short to be the baseline.
    public static let baselineMinimumMs = 1000.0
    /// A slice deviates significantly when its counts had less than this probability under the baseline.
    public static let significance = 0.001
    /// A lone degraded slice between two good ones needs evidence this strong (or latency) to count.
    public static let loneSignificance = 1e-6
    /// The error rate the significance of failures is judged at, at least: a clean baseline (0 %) must not make
    /// every failure infinitely unlikely.
    public static let errorRateFloor = 0.001
    /// Successful completions a throughput judgement needs to expect, at least, in its window: the smallest
    /// expectation for which a window with no success at all is significant (e^−7 < 0.001).
    public static let throughputMinimumExpected = 7.0
    /// The widest window (in slices) a throughput judgement may use at low rates; below that it is skipped.
    public static let throughputMaximumWindow = 9

    /// The plan's `analysis` tolerances as the report records them.
    public static func settings(from analysis: AnalysisSettings) -> RecoverySettingsReport {
        RecoverySettingsReport(
            errorTolerance: analysis.errorTolerance, latencyFactor: analysis.latencyFactor,
            latencyFloorMs: analysis.latencyFloor.milliseconds, throughputFloor: analysis.throughputFloor,
            stableForMs: analysis.stableFor.milliseconds, minIncidentMs: analysis.minIncident.milliseconds)
    }

    /// Analyses the load part of `detail` (slices that end by `loadEndMs`; the drain after it is ignored).
    /// `faults` are in plan order; the report's `faults` follow that order. Notices are left empty
    /// (see `NoticeAnalysis`).
    public static func analyze(
        detail: TimelineDetail, faults: [FaultWindow], loadEndMs: Double,
        settings: RecoverySettingsReport = defaultSettings
    ) -> RecoveryReport {
        let series = SliceSeries(detail: detail, loadEndMs: loadEndMs)
        let endMs = Double(series.count) * series.resolutionMs
        guard let window = baselineWindow(series: series, faults: faults) else {
            return RecoveryReport(
                resolutionMs: detail.resolutionMs, settings: settings, baseline: nil, incidents: [],
                faults: faults.map { unimpacted($0) }, mttrMs: nil, unrecovered: 0)
        }
        let judge = Judge(series: series, window: window, settings: settings)
        let degraded = judge.causes()
        var incidents = findIncidents(series: series, degraded: degraded, judge: judge, settings: settings)
        attribute(&incidents, faults: faults, endMs: endMs, settings: settings)
        let impacts = faults.map { impact(of: $0, incidents: incidents, endMs: endMs) }
        let durations = incidents.map(\.durationMs)
        return RecoveryReport(
            resolutionMs: detail.resolutionMs, settings: settings, baseline: judge.baselineReport(window: window),
            incidents: incidents, faults: impacts,
            mttrMs: durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count),
            unrecovered: incidents.filter { !$0.recovered }.count)
    }

    // MARK: - Baseline

    /// After the last fault, the baseline starts this long after its end (the target settles first).
    public static let baselineSettleMs = 2000.0

    /// Slices `[from, to)` of the baseline: before the first fault (after the warm-up, at most the last 30 s), or
    /// the whole load after the warm-up when that stretch is shorter than a second. Nil when the load is empty.
    static func baselineWindow(series: SliceSeries, faults: [FaultWindow]) -> Range<Int>? {
        let r = series.resolutionMs
        let n = series.count
        guard n > 0 else { return nil }
        let warmUp = Int((warmUpMs / r).rounded(.up))
        let minimum = Int((baselineMinimumMs / r).rounded(.up))
        if let first = faults.map(\.startMs).min() {
            let to = min(n, Int((first / r + 1e-9).rounded(.down)))
            let from = max(warmUp, Int(((first - baselineMaximumMs) / r - 1e-9).rounded(.up)))
            if to - from >= minimum { return from..<to }
            // Too little before the first fault: the stretch after the last one (once the target had time to settle)
            // is the only healthy reference; the faults' own time never is. Nil when there is none.
            let lastEnd = faults.map { $0.endMs ?? .infinity }.max() ?? .infinity
            guard lastEnd.isFinite else { return nil }
            let after = Int(((lastEnd + baselineSettleMs) / r - 1e-9).rounded(.up))
            let upper = min(n, after + Int((baselineMaximumMs / r).rounded(.down)))
            return upper - after >= minimum ? after..<upper : nil
        }
        return n - warmUp >= minimum ? warmUp..<n : 0..<n
    }

    // MARK: - Incidents

    /// Runs of degraded slices, bridged over good gaps shorter than `stableForMs`, without those whose degraded
    /// time is under `minIncidentMs`. Fault attribution is left to `attribute`.
    static func findIncidents(
        series: SliceSeries, degraded: [Set<Cause>], judge: Judge, settings: RecoverySettingsReport
    ) -> [IncidentReport] {
        let r = series.resolutionMs
        let n = series.count
        let stable = max(1, Int((settings.stableForMs / r - 1e-9).rounded(.up)))
        let minimum = max(1, Int((settings.minIncidentMs / r - 1e-9).rounded(.up)))
        var out: [IncidentReport] = []
        var i = 0
        while i < n {
            guard !degraded[i].isEmpty else {
                i += 1
                continue
            }
            let first = i
            var last = i
            var degradedSlices = 0
            var causes = Set<Cause>()
            var j = i
            while j < n {
                if !degraded[j].isEmpty {
                    last = j
                    degradedSlices += 1
                    causes.formUnion(degraded[j])
                } else if j - last >= stable {
                    break
                }
                j += 1
            }
            i = last + 1
            guard degradedSlices >= minimum else { continue }
            let recovered = n - (last + 1) >= stable
            let through = recovered ? last + 1 : n
            var worstErrorRate = 0.0
            var worstP99 = 0.0
            var lost = 0.0
            var failed = 0
            for s in first..<through {
                if series.total[s] > 0 {
                    worstErrorRate = max(worstErrorRate, Double(series.failed[s]) / Double(series.total[s]))
                }
                worstP99 = max(worstP99, series.p99[s])
                lost += max(0, judge.okPerSlice - Double(series.ok[s]))
                failed += series.failed[s]
            }
            let startMs = Double(first) * r
            let recoveredAt = recovered ? Double(last + 1) * r : nil
            out.append(
                IncidentReport(
                    id: out.count + 1, startMs: startMs, recoveredAtMs: recoveredAt,
                    durationMs: (recoveredAt ?? Double(n) * r) - startMs, recovered: recovered, fault: nil,
                    causes: Cause.allCases.filter { causes.contains($0) }.map(\.rawValue),
                    worstErrorRate: worstErrorRate, worstP99Ms: worstP99, throughputLost: lost,
                    failedRequests: failed))
        }
        return out
    }

    /// Gives each incident the fault whose window `[start, end + stableFor]` contains its start (the latest such
    /// fault), else the earliest fault whose window overlaps it; nil when none does (unplanned).
    static func attribute(
        _ incidents: inout [IncidentReport], faults: [FaultWindow], endMs: Double, settings: RecoverySettingsReport
    ) {
        for k in incidents.indices {
            let incident = incidents[k]
            let incidentEnd = incident.recoveredAtMs ?? endMs
            func window(_ f: FaultWindow) -> ClosedRange<Double> {
                f.startMs...max(f.startMs, (f.endMs ?? max(endMs, f.startMs)) + settings.stableForMs)
            }
            let containing = faults.filter { window($0).contains(incident.startMs) }
            if let f = containing.max(by: { $0.startMs < $1.startMs }) {
                incidents[k].fault = f.name
                continue
            }
            let overlapping = faults.filter { window($0).overlaps(incident.startMs...incidentEnd) }
            incidents[k].fault = overlapping.min(by: { $0.startMs < $1.startMs })?.name
        }
    }

    /// One fault's impact from the incidents attributed to it (the first one opens it, the last one closes it).
    static func impact(of fault: FaultWindow, incidents: [IncidentReport], endMs: Double) -> FaultImpactReport {
        let mine = incidents.filter { $0.fault == fault.name }
        guard let first = mine.first, let last = mine.last else { return unimpacted(fault) }
        let faultEnd = fault.endMs ?? endMs
        return FaultImpactReport(
            fault: fault.name, startMs: fault.startMs, endMs: fault.endMs, impacted: true, incident: first.id,
            timeToImpactMs: max(0, first.startMs - fault.startMs),
            impactDurationMs: (last.recoveredAtMs ?? endMs) - first.startMs,
            timeToRecoverMs: last.recoveredAtMs.map { max(0, $0 - faultEnd) }, recovered: last.recovered,
            worstErrorRate: mine.map(\.worstErrorRate).max() ?? 0, worstP99Ms: mine.map(\.worstP99Ms).max() ?? 0,
            throughputLost: mine.reduce(0) { $0 + $1.throughputLost })
    }

    static func unimpacted(_ fault: FaultWindow) -> FaultImpactReport {
        FaultImpactReport(
            fault: fault.name, startMs: fault.startMs, endMs: fault.endMs, impacted: false, incident: nil,
            timeToImpactMs: nil, impactDurationMs: nil, timeToRecoverMs: nil, recovered: true, worstErrorRate: 0,
            worstP99Ms: 0, throughputLost: 0)
    }

    // MARK: - Statistics

    /// P(X ≥ k) for X ~ Binomial(n, p).
    static func binomialUpperTail(_ k: Int, n: Int, p: Double) -> Double {
        if k <= 0 { return 1 }
        if k > n || p <= 0 { return 0 }
        if p >= 1 { return 1 }
        let step = log(p) - log1p(-p)
        var logPmf = Double(n) * log1p(-p)
        var below = 0.0
        for j in 0..<k {
            below += exp(logPmf)
            logPmf += log(Double(n - j) / Double(j + 1)) + step
        }
        return max(0, 1 - below)
    }

    /// P(X ≤ k) for X ~ Poisson(mean).
    static func poissonLowerTail(_ k: Int, mean: Double) -> Double {
        if k < 0 { return 0 }
        if mean <= 0 { return 1 }
        let logMean = log(mean)
        var logPmf = -mean
        var sum = 0.0
        for j in 0...k {
            sum += exp(logPmf)
            logPmf += logMean - log(Double(j + 1))
        }
        return min(1, sum)
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}

extension RecoveryAnalysis {
    /// What put a slice out of tolerance.
    enum Cause: String, CaseIterable, Sendable {
        case errors, latency, throughput
    }

    /// The load part of the fine timeline with the derived per-slice figures the analysis needs.
    struct SliceSeries {
        let resolutionMs: Double
        /// Slices that end by the end of the load (and exist in the detail).
        let count: Int
        let ok: [Int]
        /// Failed requests plus dropped arrivals.
        let failed: [Int]
        /// `ok + failed`.
        let total: [Int]
        let p99: [Double]
        /// Requests sent plus arrivals dropped: the load asked of the target.
        let demand: [Int]
        /// Requests sent before the slice and not yet completed (a running estimate that never goes below 0).
        let outstanding: [Int]
        let slicesPerSecond: Int

        init(detail: TimelineDetail, loadEndMs: Double) {
            let r = detail.resolutionMs > 0 ? detail.resolutionMs : 100
            resolutionMs = r
            var n = detail.count
            if loadEndMs.isFinite, loadEndMs >= 0 { n = min(n, Int((loadEndMs / r + 1e-9).rounded(.down))) }
            func column(_ c: [Int]) -> [Int] { (0..<n).map { $0 < c.count ? c[$0] : 0 } }
            let sent = column(detail.sent)
            let errors = column(detail.errors)
            let dropped = column(detail.dropped)
            let ok = column(detail.ok)
            count = n
            self.ok = ok
            failed = (0..<n).map { errors[$0] + dropped[$0] }
            total = (0..<n).map { ok[$0] + errors[$0] + dropped[$0] }
            p99 = (0..<n).map { $0 < detail.p99.count ? detail.p99[$0] : 0 }
            demand = (0..<n).map { sent[$0] + dropped[$0] }
            var out: [Int] = []
            var open = 0
            for i in 0..<n {
                out.append(open)
                open = max(0, open + sent[i] - ok[i] - errors[i])
            }
            outstanding = out
            slicesPerSecond = max(1, Int((1000 / r).rounded()))
        }
    }

    /// One second (or shorter stretch) of the baseline window, summed.
    struct Group {
        var ok = 0
        var failed = 0
        var total = 0
        var demand = 0
        var maxP99 = 0.0
        var slices = 0
    }

    /// The baseline and the rules that judge a slice against it.
    struct Judge {
        let series: SliceSeries
        let settings: RecoverySettingsReport
        let throughputPerSecond: Double
        let demandPerSecond: Double
        let errorRate: Double
        let p99: Double
        let okPerSlice: Double
        let demandPerSlice: Double
        /// Half-width (slices) of the throughput window; nil when throughput is too low to judge.
        let throughputHalfWidth: Int?
        /// Half-width (slices) of the window the errors rule sums over when one slice completes too few requests
        /// to judge on its own (low rates); 0 at rates where a slice suffices.
        let errorsHalfWidth: Int
        /// Successful completions each slice should have had, given the baseline and the load asked of it.
        let expected: [Double]
        let groups: [Group]

        init(series: SliceSeries, window: Range<Int>, settings: RecoverySettingsReport) {
            self.series = series
            self.settings = settings
            let r = series.resolutionMs
            let sps = series.slicesPerSecond
            var groups: [Group] = []
            var start = window.lowerBound
            while start < window.upperBound {
                let end = min(start + sps, window.upperBound)
                // A trailing part-second is folded into a full one only when there is no full second at all.
                if end - start < sps, !groups.isEmpty { break }
                var g = Group()
                for s in start..<end {
                    g.ok += series.ok[s]
                    g.failed += series.failed[s]
                    g.total += series.total[s]
                    g.demand += series.demand[s]
                    g.maxP99 = max(g.maxP99, series.p99[s])
                    g.slices += 1
                }
                groups.append(g)
                start = end
            }
            func perSecond(_ v: Int, _ g: Group) -> Double { Double(v) * 1000 / (Double(g.slices) * r) }
            throughputPerSecond = RecoveryAnalysis.median(groups.map { perSecond($0.ok, $0) }) ?? 0
            demandPerSecond = RecoveryAnalysis.median(groups.map { perSecond($0.demand, $0) }) ?? 0
            errorRate =
                RecoveryAnalysis.median(
                    groups.filter { $0.total > 0 }.map { Double($0.failed) / Double($0.total) }) ?? 0
            p99 = RecoveryAnalysis.median(groups.filter { $0.maxP99 > 0 }.map(\.maxP99)) ?? 0
            okPerSlice = throughputPerSecond * r / 1000
            demandPerSlice = demandPerSecond * r / 1000
            if okPerSlice >= RecoveryAnalysis.throughputMinimumExpected {
                throughputHalfWidth = 0
            } else if okPerSlice > 0 {
                let width = RecoveryAnalysis.throughputMinimumExpected / okPerSlice
                let half = Int(((width - 1) / 2).rounded(.up))
                throughputHalfWidth = 2 * half + 1 <= RecoveryAnalysis.throughputMaximumWindow ? half : nil
            } else {
                throughputHalfWidth = nil
            }
            if demandPerSlice >= RecoveryAnalysis.throughputMinimumExpected || demandPerSlice <= 0 {
                errorsHalfWidth = 0
            } else {
                let width = RecoveryAnalysis.throughputMinimumExpected / demandPerSlice
                errorsHalfWidth = min(
                    Int(((width - 1) / 2).rounded(.up)), (RecoveryAnalysis.throughputMaximumWindow - 1) / 2)
            }
            var expected: [Double] = []
            for i in 0..<series.count {
                let recent = series.demand[max(0, i - sps + 1)...i].max() ?? 0
                let factor: Double
                if recent > 0 {
                    factor = demandPerSlice > 0 ? min(1, Double(recent) / demandPerSlice) : 1
                } else {
                    // Nothing asked for a second: work still outstanding means everyone is waiting on the target.
                    factor = series.outstanding[i] > 0 ? 1 : 0
                }
                expected.append(okPerSlice * factor)
            }
            self.expected = expected
            self.groups = groups
        }

        /// How unlikely the slice's failures were, when they are out of tolerance: the share failed exceeds the
        /// baseline's by more than the tolerance and at least two failed. The value is P(at least this many failed)
        /// at the baseline error rate (at least `errorRateFloor`); nil when within tolerance.
        func errorsEvidence(failed: Int, total: Int) -> Double? {
            guard total > 0, failed >= 2 else { return nil }
            guard Double(failed) / Double(total) > errorRate + settings.errorTolerance else { return nil }
            let p = max(errorRate, RecoveryAnalysis.errorRateFloor)
            return RecoveryAnalysis.binomialUpperTail(failed, n: total, p: p)
        }

        /// Errors out of tolerance, and so many failures unlikely (< `significance`) at the baseline error rate.
        func errorsDegraded(failed: Int, total: Int) -> Bool {
            errorsEvidence(failed: failed, total: total).map { $0 < RecoveryAnalysis.significance } ?? false
        }

        /// Latency out of tolerance: p99 above both the baseline's times the factor and the baseline's plus the floor.
        func latencyDegraded(p99 value: Double) -> Bool {
            guard p99 > 0 else { return false }
            return value > max(p99 * settings.latencyFactor, p99 + settings.latencyFloorMs)
        }

        /// How unlikely so few successes were, when they are below the floor share of those expected: P(at most
        /// this many) for a Poisson count with the expected mean; nil when within tolerance.
        func throughputEvidence(ok: Int, expected: Double) -> Double? {
            guard expected > 0, Double(ok) < settings.throughputFloor * expected else { return nil }
            return RecoveryAnalysis.poissonLowerTail(ok, mean: expected)
        }

        /// Throughput out of tolerance, and so few successes unlikely (< `significance`).
        func throughputDegraded(ok: Int, expected: Double) -> Bool {
            throughputEvidence(ok: ok, expected: expected).map { $0 < RecoveryAnalysis.significance } ?? false
        }

        /// Why slice `i` is degraded (empty when it is not), and how strong the evidence is: the smallest
        /// probability of its significant counts under the baseline, 0 for latency (a threshold, not a count).
        func judge(slice i: Int) -> (causes: Set<Cause>, evidence: Double) {
            var out = Set<Cause>()
            var evidence = 1.0
            if let p = errorsEvidence(failed: series.failed[i], total: series.total[i]),
                p < RecoveryAnalysis.significance
            {
                out.insert(.errors)
                evidence = min(evidence, p)
            } else if errorsHalfWidth > 0, series.failed[i] > 0 {
                // At low rates a slice holds one or two requests: a failing slice is judged on the failures of the
                // centred window around it (so a total outage at 5 requests/s is still seen, slice by slice).
                let range = max(0, i - errorsHalfWidth)...min(series.count - 1, i + errorsHalfWidth)
                let failed = range.reduce(0) { $0 + series.failed[$1] }
                let total = range.reduce(0) { $0 + series.total[$1] }
                if let p = errorsEvidence(failed: failed, total: total), p < RecoveryAnalysis.significance {
                    out.insert(.errors)
                    evidence = min(evidence, p)
                }
            }
            if latencyDegraded(p99: series.p99[i]) {
                out.insert(.latency)
                evidence = 0
            }
            if let h = throughputHalfWidth, expected[i] > 0 {
                let range = max(0, i - h)...min(series.count - 1, i + h)
                let ok = range.reduce(0) { $0 + series.ok[$1] }
                let want = range.reduce(0.0) { $0 + expected[$1] }
                if let p = throughputEvidence(ok: ok, expected: want), p < RecoveryAnalysis.significance {
                    out.insert(.throughput)
                    evidence = min(evidence, p)
                }
            }
            return (out, evidence)
        }

        /// Why each slice of the load is degraded. A lone degraded slice (both neighbours good) counts only on
        /// overwhelming evidence (< `loneSignificance`, or latency): one slice in a thousand deviates by chance,
        /// two neighbours together one pair in a million.
        func causes() -> [Set<Cause>] {
            let judged = (0..<series.count).map { judge(slice: $0) }
            return judged.indices.map { i in
                let (causes, evidence) = judged[i]
                guard !causes.isEmpty, evidence >= RecoveryAnalysis.loneSignificance else { return causes }
                let before = i > 0 && !judged[i - 1].causes.isEmpty
                let after = i + 1 < judged.count && !judged[i + 1].causes.isEmpty
                return before || after ? causes : []
            }
        }

        /// Whether a baseline second is out of tolerance by the slice rules applied to its sums.
        func degraded(_ g: Group, from: Int) -> Bool {
            if errorsDegraded(failed: g.failed, total: g.total) || latencyDegraded(p99: g.maxP99) { return true }
            guard throughputHalfWidth != nil else { return false }
            let want = (from..<(from + g.slices)).reduce(0.0) { $0 + expected[$1] }
            return throughputDegraded(ok: g.ok, expected: want)
        }

        func baselineReport(window: Range<Int>) -> BaselineReport {
            let r = series.resolutionMs
            let rates = groups.map { Double($0.ok) * 1000 / (Double($0.slices) * r) }
            var steady = true
            if rates.count >= 2 {
                let mean = rates.reduce(0, +) / Double(rates.count)
                let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rates.count)
                steady = mean > 0 && variance.squareRoot() / mean < 0.25
            }
            var from = window.lowerBound
            for g in groups {
                if degraded(g, from: from) { steady = false }
                from += g.slices
            }
            return BaselineReport(
                fromMs: Double(window.lowerBound) * r, toMs: Double(window.upperBound) * r,
                throughput: throughputPerSecond, errorRate: errorRate, p99Ms: p99, steady: steady)
        }
    }
}
