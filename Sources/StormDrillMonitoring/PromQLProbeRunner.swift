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
        var tick: Int64 = 0
        let limited = PrometheusQuery(
            baseURL: query.baseURL, client: query.client, timeout: .nanoseconds(probe.timeout.nanoseconds))
        while !Task.isCancelled {
            let due = drillStart + .nanoseconds(tick * probe.every.nanoseconds)
            tick += 1
            let wait = due - NIODeadline.now()
            if wait.nanoseconds > 0 {
                do { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) } catch { break }
            }
            if Task.isCancelled { break }
            let result: Result<[PrometheusQuery.Sample], PrometheusQueryError>
            do {
                result = .success(try await limited.instant(probe.query))
            } catch {
                result = .failure(error)
            }
            if Task.isCancelled { break }
            let atMs = Double((NIODeadline.now() - drillStart).nanoseconds) / 1e6
            samples += 1
            let now = NIODeadline.now() - drillStart
            tick = max(tick, now.nanoseconds / probe.every.nanoseconds + 1)
            guard case .success(let vector) = result else {
                failed += 1
                continue
            }
            let holds = probe.condition.holds(vector.first?.value)
            if changes.last?.holds != holds {
                changes.append(ProbeChange(atMs: (atMs * 10).rounded() / 10, holds: holds))
            }
        }
        return ProbeReport(
            name: probe.name, request: Self.requestText(probe.query), condition: "first sample \(probe.condition)",
            everyMs: probe.every.milliseconds, samples: samples, failedSamples: failed, changes: changes)
    }
}
