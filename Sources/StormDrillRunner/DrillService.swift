import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle
import StormDrillAnalysis
import StormDrillEngine
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

    private var plan: Plan { runner.loaded.plan }

    func run() async throws {
        await withGracefulShutdownHandler {
            await drive()
        } onGracefulShutdown: {
            control.requestStop(grace: runner.options.stopGrace)
        }
    }

    private func drive() async {
        // The report folder exists from the start, with a placeholder that says "aborted" until the real report
        // replaces it, so even a driver killed with SIGKILL leaves a trace.
        let startedAtDate = Date()
        var reportDirectory: String?
        do {
            reportDirectory = try ReportStore.makeRunDirectory(
                base: runner.options.outDirectory, startedAt: startedAtDate, planName: plan.name)
        } catch {
            control.recordProblem(error.description)
        }

        // Resolve the target.
        let url: TargetURL
        switch plan.target.endpoint {
        case .url(let u):
            url = u
        case .embedded(let name):
            guard let port = await DrillService.firstPort(ports, timeout: .seconds(20)) else {
                control.recordProblem("the embedded \(name) target did not start within 20 s")
                await finishAndRecord(
                    result: DrillResult(), targetURL: "embedded:\(name)", reportDirectory: reportDirectory)
                return
            }
            url = TargetURL(scheme: "http", host: "127.0.0.1", port: port)
        }
        if let reportDirectory {
            let placeholder = finishReport(
                result: DrillResult(), targetURL: url.description, status: .aborted,
                interruption: "the driver stopped before writing its report (killed or crashed)")
            _ = try? ReportStore.write(placeholder, to: reportDirectory)
        }

        let address: SocketAddress
        do {
            address = try await DrillService.resolve(url)
        } catch {
            control.recordProblem("cannot resolve target host \(url.host): \(error)")
            await finishAndRecord(result: DrillResult(), targetURL: url.description, reportDirectory: reportDirectory)
            return
        }

        let engine: LoadEngine
        do {
            engine = try LoadEngine(
                plan: plan, url: url, address: address,
                options: .init(
                    eventLoops: runner.options.eventLoops,
                    stopGrace: runner.options.stopGrace))
        } catch {
            control.recordProblem("cannot set up the load engine: \(error)")
            await finishAndRecord(result: DrillResult(), targetURL: url.description, reportDirectory: reportDirectory)
            return
        }
        if !control.attach(engine) { engine.stop(grace: runner.options.stopGrace) }
        runner.options.onStart?(url.description, reportDirectory ?? "")

        let start = NIODeadline.now() + .milliseconds(100)
        let startedAt = ReportStore.iso8601(Date().addingTimeInterval(0.1))
        let progressTask = runner.options.onProgress.map { onProgress in
            Task {
                var lastSent = 0
                var lastTime = 0.0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    if Task.isCancelled { break }
                    let s = await engine.snapshot()
                    let elapsed = Double(s.elapsedNanoseconds) / 1e9
                    let rate = elapsed > lastTime ? Double(s.requestsSent - lastSent) / (elapsed - lastTime) : 0
                    lastSent = s.requestsSent
                    lastTime = elapsed
                    onProgress(
                        DrillProgress(
                            elapsedSeconds: elapsed, plannedSeconds: plan.loadDuration.seconds,
                            sendRate: rate, snapshot: s))
                }
            }
        }
        let result = await engine.run(startingAt: start)
        progressTask?.cancel()
        await engine.shutdown()
        await finishAndRecord(
            result: result, targetURL: url.description, reportDirectory: reportDirectory,
            startedAt: startedAt, connections: engine.connectionCount)
    }

    /// Writes the report and records the outcome for the runner; returning from `run` then stops the group.
    private func finishAndRecord(
        result: DrillResult, targetURL: String, reportDirectory: String?, startedAt: String? = nil,
        connections: Int? = nil
    ) async {
        let outcome = await finish(
            result: result, targetURL: targetURL, reportDirectory: reportDirectory,
            startedAt: startedAt, connections: connections)
        control.setOutcome(outcome)
    }

    func finish(
        result: DrillResult, targetURL: String, reportDirectory: String?, startedAt: String? = nil,
        connections: Int? = nil
    ) async -> DrillOutcome {
        let signal = control.signal
        var status = RunStatus.completed
        var interruption: String?
        if let signal {
            status = .interrupted
            interruption =
                "\(signal.name) after \(SummaryRenderer.seconds(Double(result.elapsedNanoseconds) / 1e9))"
                + " of \(SummaryRenderer.seconds(plan.loadDuration.seconds))"
        } else if !control.problems.isEmpty && result.journeysStarted == 0 {
            status = .aborted
            interruption = control.problems.first
        }
        let report = finishReport(
            result: result, targetURL: targetURL, status: status, interruption: interruption,
            startedAt: startedAt, connections: connections)
        var path: String?
        var writeError: String?
        if let reportDirectory {
            do {
                path = try ReportStore.write(report, to: reportDirectory)
            } catch {
                writeError = error.description
            }
        } else {
            writeError = control.problems.first ?? "no report folder"
        }
        let exitCode: Int32
        if let signal {
            exitCode = signal.exitCode
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
        connections: Int? = nil
    ) -> DrillReport {
        var embeddedName: String?
        if case .embedded(let name) = plan.target.endpoint { embeddedName = name }
        let context = RunContext(
            plan: plan, planFile: runner.loaded.file, planSHA256: DrillRunner.sha256(runner.loaded.bytes),
            startedAt: startedAt ?? ReportStore.iso8601(Date()), targetURL: targetURL, embedded: embeddedName,
            connections: connections ?? LoadEngine.defaultConnections(for: plan), status: status,
            interruption: interruption, runProblems: control.problems)
        return ReportBuilder.build(result: result, context: context, toolVersion: StormDrillVersion.current)
    }

    /// The first port the embedded target reports, or nil if it does not start within `timeout`.
    static func firstPort(_ ports: AsyncStream<Int>, timeout: Duration) async -> Int? {
        await withTaskGroup(of: Int?.self) { group in
            group.addTask {
                for await port in ports { return port }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
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
