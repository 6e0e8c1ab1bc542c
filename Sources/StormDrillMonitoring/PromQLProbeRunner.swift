import NIOCore
import StormDrillPlan
import StormDrillReport

/// Polls the plan's Prometheus probes on the drill clock and records when each condition changed, as the HTTP probes
/// do: the report, the notice analysis and the thresholds read both kinds the same way. One task per probe.
public struct PromQLProbeRunner: Sendable {
    let probes: [PromQLProbe]
    let query: PrometheusQuery

    public init(probes: [PromQLProbe], query: PrometheusQuery) {
        self.probes = probes
        self.query = query
    }

    /// Runs until cancelled, then returns what each probe saw (in plan order).
    public func run(drillStart: NIODeadline) async -> [ProbeReport] {
        await withTaskGroup(of: (Int, ProbeReport).self) { group in
            for (i, probe) in probes.enumerated() {
                group.addTask { (i, await poll(probe, drillStart: drillStart)) }
            }
            var out: [(Int, ProbeReport)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The report's `request` for a Prometheus probe: `PromQL <query>` (at most 200 characters).
    public static func requestText(_ query: String) -> String {
        let q = query.count > 190 ? String(query.prefix(189)) + "…" : query
        return "PromQL " + q
    }

    private func poll(_ probe: PromQLProbe, drillStart: NIODeadline) async -> ProbeReport {
        var samples = 0
        var failed = 0
        var changes: [ProbeChange] = []
        let limited = PrometheusQuery(
            baseURL: query.baseURL, client: query.client, timeout: .nanoseconds(probe.timeout.nanoseconds))
        await DrillTicks.run(from: drillStart, every: .nanoseconds(probe.every.nanoseconds)) {
            let first: Double?
            do {
                first = try await limited.instant(probe.query).first?.value
            } catch {
                if Task.isCancelled { return false }
                samples += 1
                failed += 1
                return true
            }
            samples += 1
            let holds = probe.condition.holds(first)
            if changes.last?.holds != holds {
                let atMs = DrillTicks.atMs(since: drillStart)
                changes.append(ProbeChange(atMs: (atMs * 10).rounded() / 10, holds: holds))
            }
            return true
        }
        return ProbeReport(
            name: probe.name, request: Self.requestText(probe.query), condition: "first sample \(probe.condition)",
            everyMs: probe.every.milliseconds, samples: samples, failedSamples: failed, changes: changes)
    }
}
