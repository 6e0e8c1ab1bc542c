import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import StormDrillEngine
import StormDrillMonitoring
import StormDrillPlan
import StormDrillReport

/// Polls the plan's probes on the drill clock while the load runs and records when each condition changed.
/// One task per probe; a slow answer delays that probe's next sample, never the load.
struct ProbeRunner {
    let probes: [Probe]
    let baseURL: TargetURL
    let client: HTTPClient

    /// Runs until cancelled, then returns what each probe saw.
    func run(drillStart: NIODeadline) async -> [ProbeReport] {
        await withTaskGroup(of: (Int, ProbeReport).self) { group in
            for (i, probe) in probes.enumerated() {
                group.addTask { (i, await poll(probe, drillStart: drillStart)) }
            }
            var out: [(Int, ProbeReport)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func poll(_ probe: Probe, drillStart: NIODeadline) async -> ProbeReport {
        var samples = 0
        var failed = 0
        var changes: [ProbeChange] = []
        let url = baseURL.description + probe.path
        await DrillTicks.run(from: drillStart, every: .nanoseconds(probe.every.nanoseconds)) {
            let timeout = Duration.nanoseconds(probe.timeout.nanoseconds)
            let holds = await Deadline.first(within: timeout) { await sample(probe, url: url) }
            let atMs = DrillTicks.atMs(since: drillStart)
            samples += 1
            guard let holds else {
                failed += 1
                return true
            }
            if changes.last?.holds != holds {
                changes.append(ProbeChange(atMs: (atMs * 10).rounded() / 10, holds: holds))
            }
            return true
        }
        return ProbeReport(
            name: probe.name, request: "\(probe.method.rawValue) \(probe.path)", condition: probe.condition.description,
            everyMs: probe.every.milliseconds, samples: samples, failedSamples: failed, changes: changes)
    }

    /// The condition's value, or nil without a usable answer.
    private func sample(_ probe: Probe, url: String) async -> Bool? {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: probe.method.rawValue)
        request.headers.add(name: "User-Agent", value: CompiledPlan.userAgent)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(probe.timeout.nanoseconds))
            let body = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            let accepted = probe.expect.map { $0.contains(status) } ?? (200..<300).contains(status)
            guard accepted else { return nil }
            let bytes = Array(body.readableBytesView)
            // An answer that is not JSON at all is not a usable sample.
            guard (try? JSONParser.parse(bytes)) != nil else { return nil }
            return probe.condition.holds(in: bytes)
        } catch {
            return nil
        }
    }
}
