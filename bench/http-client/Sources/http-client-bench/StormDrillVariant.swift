import NIOCore
import StormDrillEngine
import StormDrillPlan

/// StormDrill's own engine: a closed-model plan with one single-step journey, run by `LoadEngine` (one worker per
/// event loop, pre-encoded request bytes, hand-written response parser). Counts come from the DrillResult.
enum StormDrillVariant {
    static func run(_ s: Settings) async throws -> Outcome {
        let plan = Plan(
            name: "http-client-bench",
            target: Target(endpoint: .url(s.target), connections: s.connections),
            load: .closed(
                ClosedLoad(users: s.connections, thinkTime: .zero, duration: PlanDuration.seconds(s.duration))),
            journeys: [Journey(name: "get", steps: [Step(name: "get", method: .GET, path: Template.literal(s.path))])])
        let address = try SocketAddress.makeAddressResolvingHost(s.target.host, port: s.target.port)
        let engine = try LoadEngine(
            plan: plan, url: s.target, address: address, options: LoadEngine.Options(eventLoops: s.eventLoops))

        let cpu0 = CPUSample.now()
        let start = NIODeadline.now() + .milliseconds(50)
        let result = await engine.run(startingAt: start)
        let t1 = NIODeadline.now()
        let cpu1 = CPUSample.now()

        await engine.shutdown()
        let failed = result.requestsFailed + result.journeysAbandoned + result.dropped
        var outcome = Outcome(
            variant: "stormdrill", eventLoops: s.eventLoops, connections: s.connections, requests: result.requestsOk,
            errors: failed, seconds: secondsBetween(start, t1), cpuUser: cpu1.user - cpu0.user,
            cpuSystem: cpu1.system - cpu0.system, peakRSS: peakRSSBytes(),
            errorSample: result.errorSamples.first ?? (failed > 0 ? "\(result.errors)" : nil))
        // The engine's own view, to cross-check the counts above.
        outcome.extra = [
            ("requests_sent", String(result.requestsSent)),
            ("journeys_abandoned", String(result.journeysAbandoned)),
            ("connections_opened", String(result.generator.connectionsOpened)),
            ("engine_elapsed_seconds", fixed(Double(result.elapsedNanoseconds) / 1e9, 4)),
            ("loop_cpu_busy_max", fixed(result.generator.cpuBusyMax, 3)),
        ]
        return outcome
    }
}
