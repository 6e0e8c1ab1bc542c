import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import StormDrillAnalysis
import StormDrillEngine
import StormDrillLive
import StormDrillMonitoring
import StormDrillPlan
import StormDrillReport

/// The drill as a `Service`: runs the load, and on graceful shutdown (SIGINT/SIGTERM) stops sending at once, gives
/// in-flight requests the grace period and still writes the report.
struct DrillService: Service {
    let runner: DrillRunner
    let control: RunControl
    /// The embedded target's bound port (nothing is sent for a target with a URL).
    let ports: AsyncStream<Int>
    let embedded: Bool
    /// The target's address as the preflight resolved and checked it (nil for an embedded target).
    let targetAddress: SocketAddress?
    /// The run folder (nil when it could not be made: the problem is recorded).
    let reportDirectory: String?
    let startedAtDate: Date
    /// The live view and the game day, when the drill has one.
    let live: LiveView?
    /// The driver's Prometheus metrics, when something serves them.
    let metrics: DriverMetrics?

    /// The values of `stormdrill_phase{phase}`: setting up, sending load, checking (audit), writing the report.
    static let phases = ["starting", "load", "audit", "report"]

    private var plan: Plan { runner.loaded.plan }

    func run() async throws {
        await withGracefulShutdownHandler {
            await drive()
        } onGracefulShutdown: {
            control.requestStop(grace: runner.options.stopGrace)
        }
    }

    private func drive() async {
        // The report folder (made by the runner) holds a placeholder that says "aborted" until the real report
        // replaces it, so even a driver killed with SIGKILL leaves a trace.
        if let reportDirectory {
            let placeholder = finishReport(
                result: DrillResult(), targetURL: plan.target.endpoint.text, status: .aborted,
                interruption: "the driver stopped before writing its report (killed or crashed)")
            _ = try? ReportStore.write(placeholder, to: reportDirectory, redactor: plan.redactor)
        }

        // The fault proxies and the target process come up before the load, and always go down after it.
        var proxies: (any ProxyFaultBackend)?
        var supervisor: TargetProcessSupervisor?
        if !plan.dependencies.isEmpty {
            let backend = runner.options.proxyBackend ?? FaultProxyBackend()
            do {
                try await backend.start(plan.dependencies)
                proxies = backend
            } catch {
                control.recordProblem("cannot start the fault proxies: \(error)")
                await backend.shutdown()
                await finishAndRecord(
                    result: DrillResult(), targetURL: plan.target.endpoint.text, reportDirectory: reportDirectory)
                return
            }
        }
        if var process = plan.target.process {
            // {{run.dir}}: the run's report folder, as an absolute path (a stable place for the target's data that
            // survives a kill and restart within the drill).
            let runDirectory = URL(fileURLWithPath: reportDirectory ?? FileManager.default.currentDirectoryPath).path
            process.argv = process.argv.map { $0.replacingOccurrences(of: "{{run.dir}}", with: runDirectory) }
            process.env = process.env.mapValues { $0.replacingOccurrences(of: "{{run.dir}}", with: runDirectory) }
            let s = TargetProcessSupervisor(
                spec: process, logPath: reportDirectory.map { $0 + "/target.log" }, journal: runner.options.journal,
                planName: plan.name, reportDirectory: reportDirectory ?? "")
            supervisor = s
            do {
                try await s.start()
            } catch {
                control.recordProblem("cannot start the target process: \(error)")
                _ = await s.stop()
                await proxies?.shutdown()
                await finishAndRecord(
                    result: DrillResult(), targetURL: plan.target.endpoint.text, reportDirectory: reportDirectory)
                return
            }
        }
        let teardown: @Sendable () async -> Void = { [supervisor, proxies] in
            if let supervisor { _ = await supervisor.stop() }
            await proxies?.shutdown()
        }

        // Resolve the target.
        let url: TargetURL
        switch plan.target.endpoint {
        case .url(let u):
            url = u
        case .embedded(let name):
            guard let port = await DrillService.firstPort(ports, timeout: .seconds(20)) else {
                control.recordProblem("the embedded \(name) target did not start within 20 s")
                await teardown()
                await finishAndRecord(
                    result: DrillResult(), targetURL: "embedded:\(name)", reportDirectory: reportDirectory)
                return
            }
            url = TargetURL(scheme: "http", host: "127.0.0.1", port: port)
        }
        let address: SocketAddress
        do {
            // The address the preflight checked: a second lookup could answer differently (DNS rebinding).
            if let targetAddress, !embedded {
                address = targetAddress
            } else {
                address = try await DrillService.resolve(url)
            }
        } catch {
            control.recordProblem("cannot resolve target host \(url.host): \(error)")
            await teardown()
            await finishAndRecord(result: DrillResult(), targetURL: url.description, reportDirectory: reportDirectory)
            return
        }

        let engine: LoadEngine
        do {
            engine = try LoadEngine(
                plan: plan, url: url, address: address,
                options: .init(
                    eventLoops: runner.options.eventLoops,
                    stopGrace: runner.options.stopGrace),
                clock: ScenarioClock(plan: plan))
        } catch {
            control.recordProblem("cannot set up the load engine: \(error)")
            await teardown()
            await finishAndRecord(result: DrillResult(), targetURL: url.description, reportDirectory: reportDirectory)
            return
        }
        // The live view listens before the load starts: the facilitator opens the console and the room joins while
        // the first gate (if any) holds.
        if let live {
            switch await live.addresses(timeout: .seconds(10)) {
            case .failure(let failure):
                control.recordProblem(failure.description)
                await engine.shutdown()
                await teardown()
                await finishAndRecord(
                    result: DrillResult(), targetURL: url.description, reportDirectory: reportDirectory)
                return
            case .success(let info):
                runner.options.onLive?(info)
            }
        }
        let session = live?.session
        if case .embedded = plan.target.endpoint { session?.setDefaultAppURL(url.description + "/") }
        let controller = FaultController(
            plan: plan, proxies: proxies, target: supervisor, journal: runner.options.journal,
            reportDirectory: reportDirectory ?? "",
            onFailure: { [control] message in control.faultFailed(message) },
            onTransition: { [metrics] t in
                metrics?.faultChanged(t.name, active: t.state == .applied)
                await session?.faultChanged(
                    t.name, to: LiveSession.FaultState(rawValue: t.state.rawValue) ?? .failed, atMs: t.atMs,
                    actualStartMs: t.actualStartMs, actualEndMs: t.actualEndMs, reason: t.reason)
            })
        control.attach(faults: controller)
        if !control.attach(engine) { engine.stop(grace: runner.options.stopGrace) }
        runner.options.onStart?(url.description, reportDirectory ?? "")

        let clock = DrillClock(start: NIODeadline.now() + .milliseconds(100), clock: ScenarioClock(plan: plan))
        let start = clock.start
        let startedAt = ReportStore.iso8601(Date().addingTimeInterval(0.1))
        clock.setSink { engine.updateClock($0) }
        live?.clock.withLockedValue { $0 = clock }
        await session?.begin()
        var coordinator: GameDayCoordinator?
        if let live {
            let c = GameDayCoordinator(
                plan: plan, clock: clock, session: live.session, faults: controller, control: control,
                stopGrace: runner.options.stopGrace, autoContinue: runner.options.autoContinue)
            live.session.attach(control: c)
            coordinator = c
        }
        await controller.attach(clock: clock)
        let faultTask = plan.faults.isEmpty ? nil : Task { await controller.run(clock: clock) }
        let directorTask = coordinator.map { c in Task { await c.direct() } }
        let monitorTask = monitor(engine: engine, clock: clock, session: session)
        // Probes and the audit go through their own small HTTP client, never through the load engine.
        let checks = plan.checks
        let client: HTTPClient? =
            checks.probes.isEmpty && checks.audit == nil ? nil : DrillService.makeCheckClient(checks)
        let probeTask = client.map { client in
            Task { await ProbeRunner(probes: checks.probes, baseURL: url, client: client).run(drillStart: start) }
        }
        // The team's Prometheus is read through its own client, from the drill's start until the report.
        let monitoringClient = plan.monitoring.map { _ in
            HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
        let prometheus = plan.monitoring.flatMap { m in
            monitoringClient.map { PrometheusQuery(baseURL: m.prometheus.description, client: $0) }
        }
        let alertTask = plan.monitoring.flatMap { m in
            prometheus.map { q in
                Task { await AlertWatcher(query: q, every: .nanoseconds(m.every.nanoseconds)).run(drillStart: start) }
            }
        }
        let promQLProbes = plan.monitoring?.probes ?? []
        let promQLProbeTask =
            promQLProbes.isEmpty
            ? nil
            : prometheus.map { q in
                Task { await PromQLProbeRunner(probes: promQLProbes, query: q).run(drillStart: start) }
            }
        // The platform's own monitoring as stop conditions (FIS-style): a trip stops the load like abortWhen's.
        let promQLAborts = plan.monitoring?.abortWhen ?? []
        let stopGrace = runner.options.stopGrace
        let promQLAbortTask =
            promQLAborts.isEmpty
            ? nil
            : prometheus.map { q in
                Task { [control] in
                    guard let trip = await PromQLAbortWatcher(conditions: promQLAborts, query: q).run(drillStart: start)
                    else { return }
                    control.aborted(
                        AbortReport(
                            condition: trip.condition.description, atMs: (trip.atMs * 10).rounded() / 10,
                            observed: trip.observed.map { ($0 * 1000).rounded() / 1000 }),
                        grace: stopGrace)
                }
            }
        metrics?.phaseChanged("load")
        let result = await engine.run(startingAt: start)
        // The final totals are the report's: published before anything else, so a scrape from now on sees them.
        metrics?.publish(MetricsSnapshot(result: result, plan: engine.compiled, inFlight: 0))
        metrics?.phaseChanged("audit")
        monitorTask.cancel()
        probeTask?.cancel()
        promQLProbeTask?.cancel()
        promQLAbortTask?.cancel()
        session?.setStatus(.ending)
        // A drill that stopped early asks no more questions; one that ran to its end keeps the last poll open
        // (beside the audit) for the poll window.
        if control.stopRequested { directorTask?.cancel() }
        // Whatever ended the load, every fault is rolled back before anything else happens.
        await controller.stop()
        faultTask?.cancel()
        await faultTask?.value
        await monitorTask.value
        var probes = checks.probes.isEmpty ? nil : await probeTask?.value
        if let more = await promQLProbeTask?.value { probes = (probes ?? []) + more }
        await promQLAbortTask?.value
        // The audit looks every acknowledged order up again, after the faults are gone and before the target stops.
        var audit: AuditOutcome?
        if checks.audit != nil, control.signal != nil {
            // Interrupted: the operator wants out now; the report says the audit was skipped.
            audit = AuditOutcome(
                orders: result.acknowledged.map {
                    .init(id: $0.id, key: $0.key, atMs: Double($0.atNanoseconds) / 1e6, finding: .unchecked)
                }, durationMs: 0, incomplete: true, notKept: result.acknowledgedNotKept)
        } else if let plannedAudit = checks.audit, let client {
            audit = await OrderAuditor(
                audit: plannedAudit, baseURL: url, client: client,
                shouldStop: { [control] in control.signal != nil }, onProgress: runner.options.onAudit
            ).run(result.acknowledged)
            audit?.notKept = result.acknowledgedNotKept
        }
        try? await client?.shutdown()
        if control.stopRequested { directorTask?.cancel() }
        await directorTask?.value
        control.detachEngine()
        await engine.shutdown()
        await teardown()
        metrics?.phaseChanged("report")
        var alerts: AlertAnalysis.Watch?
        if let alertTask, let m = plan.monitoring {
            alertTask.cancel()
            let timeline = await alertTask.value
            alerts = AlertAnalysis.Watch(
                prometheus: m.prometheus.description, polls: timeline.polls, failedPolls: timeline.failedPolls,
                lastError: timeline.lastError, failedAtMs: timeline.failedAtMs, observed: timeline.intervals,
                endMs: Double((NIODeadline.now() - start).nanoseconds) / 1e6)
        }
        try? await monitoringClient?.shutdown()
        await finishAndRecord(
            result: result, targetURL: url.description, reportDirectory: reportDirectory,
            startedAt: startedAt, connections: engine.connectionCount,
            faults: plan.faults.isEmpty ? nil : await controller.report(), probes: probes, audit: audit,
            clock: clock.scenario, alerts: alerts)
    }

    /// A client for probes and the audit: a handful of connections, no redirects, no retries.
    static func makeCheckClient(_ checks: DrillChecks) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(
            8, (checks.audit?.concurrency ?? 0) + checks.probes.count)
        configuration.connectionPool.retryConnectionEstablishment = false
        // A stalled body must not outlive the check's own timeout (the lookups also race a deadline).
        let slowest = ([checks.audit?.timeout.nanoseconds ?? 0] + checks.probes.map(\.timeout.nanoseconds)).max() ?? 0
        configuration.timeout.read = .nanoseconds(max(slowest, 1_000_000_000))
        configuration.timeout.connect = .nanoseconds(max(slowest, 1_000_000_000))
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Once a second: the progress callback and the `abortWhen` conditions, from one engine snapshot (the snapshot's
    /// latency window resets, so there is exactly one reader).
    private func monitor(engine: LoadEngine, clock: DrillClock, session: LiveSession?) -> Task<Void, Never> {
        let onProgress = runner.options.onProgress
        let conditions = plan.abortWhen
        let load = plan.loadDuration.nanoseconds
        let stopGrace = runner.options.stopGrace
        let start = clock.start
        return Task { [control, metrics] in
            guard onProgress != nil || !conditions.isEmpty || session != nil || metrics != nil else { return }
            var abort = AbortMonitor(conditions: conditions)
            var last = LiveSnapshot()
            var lastTime = 0.0
            // Tick on whole seconds of the drill clock.
            var tick = 1
            while !Task.isCancelled {
                let due = start + .seconds(Int64(tick))
                let wait = due - NIODeadline.now()
                if wait.nanoseconds > 0 {
                    do { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) } catch { break }
                }
                tick += 1
                let s = await engine.snapshot()
                if let metrics { metrics.publish(await engine.metricsSnapshot()) }
                let elapsed = Double(s.elapsedNanoseconds) / 1e9
                let now = clock.now()
                let scenario = clock.scenario
                let held = scenario.isHolding(atDrill: now)
                if let onProgress {
                    let rate =
                        elapsed > lastTime ? Double(s.requestsSent - last.requestsSent) / (elapsed - lastTime) : 0
                    // With holds the load ends later: when its end would come if the hold in force ended now.
                    let planned = Double(scenario.projected(forScenario: load, atDrill: now)) / 1e9
                    var progress = DrillProgress(
                        elapsedSeconds: elapsed, plannedSeconds: planned, sendRate: rate, snapshot: s)
                    progress.held = held
                    onProgress(progress)
                }
                if let session {
                    session.tick(
                        LiveSession.Tick(
                            second: tick - 1, atMs: Double(now) / 1e6,
                            scenarioMs: Double(scenario.scenario(atDrill: max(0, now))) / 1e6,
                            sent: s.requestsSent - last.requestsSent, ok: s.requestsOk - last.requestsOk,
                            errors: s.requestsFailed - last.requestsFailed, dropped: s.dropped - last.dropped,
                            inFlight: s.inFlight, p50Ms: Double(s.windowP50Microseconds) / 1000,
                            p99Ms: Double(s.windowP99Microseconds) / 1000, held: held, totalSent: s.requestsSent,
                            totalOk: s.requestsOk, totalErrors: s.requestsFailed, totalDropped: s.dropped))
                }
                let failed = s.requestsFailed - last.requestsFailed
                let completed = failed + s.requestsOk - last.requestsOk
                let sample = AbortSample(
                    completed: completed, failed: failed, p50: Double(s.windowP50Microseconds),
                    p90: Double(s.windowP90Microseconds), p95: Double(s.windowP95Microseconds),
                    p99: Double(s.windowP99Microseconds))
                last = s
                lastTime = elapsed
                if let trip = abort.observe(sample) {
                    let at = Double((NIODeadline.now() - start).nanoseconds) / 1e6
                    control.aborted(
                        AbortReport(
                            condition: trip.condition.description, atMs: (at * 10).rounded() / 10,
                            observed: trip.observed.map { ($0 * 1000).rounded() / 1000 }),
                        grace: stopGrace)
                    break
                }
            }
        }
    }

    /// Writes the report and records the outcome for the runner; returning from `run` then stops the group.
    /// Writes the report, records the outcome for the runner and tells the live view's clients the drill is over;
    /// returning from `run` then stops the group.
    private func finishAndRecord(
        result: DrillResult, targetURL: String, reportDirectory: String?, startedAt: String? = nil,
        connections: Int? = nil, faults: [FaultReport]? = nil, probes: [ProbeReport]? = nil,
        audit: AuditOutcome? = nil, clock: ScenarioClock? = nil, alerts: AlertAnalysis.Watch? = nil
    ) async {
        let outcome = await finish(
            result: result, targetURL: targetURL, reportDirectory: reportDirectory,
            startedAt: startedAt, connections: connections, faults: faults, probes: probes, audit: audit, clock: clock,
            alerts: alerts)
        control.setOutcome(outcome)
        await live?.session.end(status: outcome.report.status.rawValue, reason: outcome.report.interruption)
    }

    func finish(
        result: DrillResult, targetURL: String, reportDirectory: String?, startedAt: String? = nil,
        connections: Int? = nil, faults: [FaultReport]? = nil, probes: [ProbeReport]? = nil,
        audit: AuditOutcome? = nil, clock: ScenarioClock? = nil, alerts: AlertAnalysis.Watch? = nil
    ) async -> DrillOutcome {
        let signal = control.signal
        var status = RunStatus.completed
        var interruption: String?
        if let signal {
            status = .interrupted
            interruption =
                "\(signal.name) after \(SummaryRenderer.seconds(Double(result.elapsedNanoseconds) / 1e9))"
                + " of \(SummaryRenderer.seconds(plan.loadDuration.seconds))"
        } else if let stopReason = control.stopReason {
            status = .aborted
            interruption = stopReason
        } else if !control.problems.isEmpty && result.journeysStarted == 0 {
            status = .aborted
            interruption = control.problems.first
        }
        // Redacted here, not only in the files: the CLI prints its summary from this report too.
        let report = finishReport(
            result: result, targetURL: targetURL, status: status, interruption: interruption,
            startedAt: startedAt, connections: connections, faults: faults ?? (plan.faults.isEmpty ? nil : []),
            probes: probes, audit: audit, clock: clock, alerts: alerts
        ).redacted(by: plan.redactor)
        var path: String?
        var writeError: String?
        if let reportDirectory {
            do {
                path = try ReportStore.writeAll(report, to: reportDirectory, redactor: plan.redactor)
            } catch {
                writeError = plan.redactor.redact(error.description)
            }
        } else {
            writeError = plan.redactor.redact(control.problems.first ?? "no report folder")
        }
        let exitCode: Int32
        if let signal {
            exitCode = signal.exitCode
        } else if control.stopReason == RunControl.haltReason {
            // The facilitator stopped it: a failed rehearsal whatever else the figures say.
            exitCode = 1
        } else {
            switch report.verdict {
            case .pass: exitCode = 0
            case .fail: exitCode = 1
            case .invalid: exitCode = 3
            }
        }
        return DrillOutcome(report: report, reportPath: path, writeError: writeError, exitCode: exitCode)
    }

    private func finishReport(
        result: DrillResult, targetURL: String, status: RunStatus, interruption: String?, startedAt: String? = nil,
        connections: Int? = nil, faults: [FaultReport]? = nil, probes: [ProbeReport]? = nil,
        audit: AuditOutcome? = nil, clock: ScenarioClock? = nil, alerts: AlertAnalysis.Watch? = nil
    ) -> DrillReport {
        var embeddedName: String?
        if case .embedded(let name) = plan.target.endpoint { embeddedName = name }
        var context = RunContext(
            plan: plan, planFile: runner.loaded.file, planSHA256: DrillRunner.sha256(runner.loaded.bytes),
            startedAt: startedAt ?? ReportStore.iso8601(Date()), targetURL: targetURL, embedded: embeddedName,
            connections: connections ?? LoadEngine.defaultConnections(for: plan), status: status,
            interruption: interruption, runProblems: control.problems, faults: faults, abort: control.abortReport,
            probes: probes, audit: audit)
        context.clock = clock
        context.alerts = alerts
        if let session = live?.session, session.isGameDay {
            context.gameDayRecords = session.records
            context.gameDayDefinition = session.configuration.definition
        }
        return ReportBuilder.build(result: result, context: context, toolVersion: StormDrillVersion.current)
    }

    /// The first port the embedded target reports, or nil if it does not start within `timeout`.
    static func firstPort(_ ports: AsyncStream<Int>, timeout: Duration) async -> Int? {
        await Deadline.first(within: timeout) {
            for await port in ports { return port }
            return nil
        }
    }

    /// Resolves the target host once, before the load starts (getaddrinfo blocks, so off the event loops).
    static func resolve(_ url: TargetURL) async throws -> SocketAddress {
        let host = url.host
        let port = url.port
        return try await Task.detached {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }.value
    }
}

extension Target.Endpoint {
    /// The base URL, or `embedded:NAME`.
    var text: String {
        switch self {
        case .url(let u): u.description
        case .embedded(let name): "embedded:\(name)"
        }
    }
}
