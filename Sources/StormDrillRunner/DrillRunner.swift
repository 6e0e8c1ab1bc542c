import CampusPlatform
import Crypto
import Foundation
import Logging
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
import UnixSignals

/// How a drill run ended, for the CLI.
public struct DrillOutcome: Sendable {
    public var report: DrillReport
    /// Where report.json was written (nil if it could not be written).
    public var reportPath: String?
    public var writeError: String?
    /// The process exit status: 0 PASS, 1 FAIL, 3 INVALID, 130 SIGINT, 143 SIGTERM.
    public var exitCode: Int32
}

/// A progress update, once a second while the load runs.
public struct DrillProgress: Sendable {
    public var elapsedSeconds: Double
    public var plannedSeconds: Double
    /// Requests sent per second over the last interval.
    public var sendRate: Double
    public var snapshot: LiveSnapshot
    /// Whether the scenario clock holds (a game day's gate or the facilitator).
    public var held = false
}

/// Runs one drill end to end: starts the embedded target if the plan asks for it, runs the load on the drill clock,
/// stops gracefully on SIGINT or SIGTERM, analyses the measurements and writes the report atomically.
public struct DrillRunner: Sendable {
    public struct Options: Sendable {
        /// The folder under which `<timestamp>-<plan>/report.json` is written.
        public var outDirectory: String
        /// Event loops for the load engine (default: one per core).
        public var eventLoops: Int
        /// How long requests already sent may finish after SIGINT or SIGTERM.
        public var stopGrace: TimeAmount
        /// Trap SIGINT and SIGTERM (the CLI does; in-process tests may not).
        public var handleSignals: Bool
        public var onProgress: (@Sendable (DrillProgress) -> Void)?
        /// Called once the target is known and the load is about to start.
        public var onStart: (@Sendable (_ targetURL: String, _ reportDirectory: String) -> Void)?
        /// Progress of the lost-order audit: called when it starts (0 checked), every 2 s while it runs, and at the end.
        public var onAudit: (@Sendable (_ checked: Int, _ total: Int) -> Void)?
        /// Where process and command faults are journaled before they are applied.
        public var journal: FaultJournal
        /// The proxies for the plan's dependencies (nil: StormDrill's own fault proxy).
        var proxyBackend: (any ProxyFaultBackend)?
        /// Serve the live view (and, for a game day, the facilitator's console and the participants' pages) here; a
        /// plan with a `gameDay` gets one on the default address when this is nil.
        public var live: LiveOptions?
        /// Called once the live view listens, before the load starts: its links and the facilitator's token.
        public var onLive: (@Sendable (LiveInfo) -> Void)?
        /// A game day's gates continue by themselves this long after they hold (unattended rehearsals, CI).
        public var autoContinue: Duration?
        /// Serve the driver's Prometheus metrics here (`GET /metrics`); the live view serves them too.
        public var metrics: MetricsOptions?
        /// Called once the metrics endpoint listens, with its port.
        public var onMetrics: (@Sendable (Int) -> Void)?

        public init(
            outDirectory: String = "reports", eventLoops: Int = System.coreCount, stopGrace: TimeAmount = .seconds(5),
            handleSignals: Bool = true, onProgress: (@Sendable (DrillProgress) -> Void)? = nil,
            onStart: (@Sendable (String, String) -> Void)? = nil, journal: FaultJournal = FaultJournal()
        ) {
            self.outDirectory = outDirectory
            self.eventLoops = eventLoops
            self.stopGrace = stopGrace
            self.handleSignals = handleSignals
            self.onProgress = onProgress
            self.onStart = onStart
            self.journal = journal
        }
    }

    public let loaded: LoadedPlan
    public let options: Options
    let logger: Logger

    public init(loaded: LoadedPlan, options: Options = Options(), logger: Logger = Logger(label: "stormdrill")) {
        self.loaded = loaded
        self.options = options
        self.logger = logger
    }

    /// The hex SHA-256 of the plan file, as recorded in reports.
    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Runs the drill after `preflight` (`DrillPreflight.check`) passed. Never throws: every failure ends up in the
    /// report.
    public func run(_ preflight: DrillPreflight) async -> DrillOutcome {
        let control = RunControl()
        let plan = loaded.plan
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The report folder exists from the start (the preflight made it), so that the game-day journal and the
        // placeholder report have a place before anything else happens.
        let startedAtDate = preflight.startedAt
        let reportDirectory: String? = preflight.reportDirectory
        // The embedded target reports its port here once it listens.
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var embeddedServer: CampusPlatformServices?
        switch plan.target.endpoint {
        case .embedded:
            let server = CampusPlatformServices(
                configuration: DrillRunner.campusConfiguration(for: plan), logger: quietLogger()
            ) { ports in portContinuation.yield(ports.order) }
            embeddedServer = server
            // Listed first, so graceful shutdown stops it after the drill.
            services.append(
                .init(
                    service: server, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "campus"))
        case .url:
            break
        }
        let wantsLive = options.live != nil || plan.gameDay != nil
        var metrics: DriverMetrics?
        if options.metrics != nil || wantsLive {
            let exposition = embeddedServer?.exposition
            metrics = DriverMetrics(
                plan: plan.name,
                runID: reportDirectory.map { ($0 as NSString).lastPathComponent } ?? plan.name,
                version: StormDrillVersion.current,
                faults: plan.faults.map { .init(name: $0.name, type: $0.action.typeName) },
                phases: DrillService.phases, extra: exposition.map { e in [{ e.text() }] } ?? [])
            metrics?.phaseChanged("starting")
        }
        if let metrics, let listen = options.metrics {
            let onMetrics = options.onMetrics
            // Listed before the drill, so a graceful shutdown stops it after the drill has written its report: the
            // last scrape sees the final totals.
            services.append(
                .init(
                    service: MetricsEndpoint(
                        server: MetricsServer(
                            host: listen.host, port: listen.port, metrics: metrics, logger: quietLogger(),
                            onRunning: { port in onMetrics?(port) }),
                        control: control, listen: listen),
                    successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "metrics"))
        }
        var live: LiveView?
        if wantsLive {
            let exposition = metrics.map { m in { @Sendable in m.exposition() } }
            let view = LiveView(
                plan: plan, options: options.live ?? LiveOptions(), reportDirectory: reportDirectory,
                startedAt: startedAtDate, logger: logger, metrics: exposition)
            if let problem = view.problem { control.recordProblem(problem) }
            live = view
            // It ends on its own once the drill has told every client the drill is over.
            services.append(
                .init(
                    service: view.service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore,
                    serviceName: "live"))
        }
        let drill = DrillService(
            runner: self, control: control, ports: ports, embedded: embeddedServer != nil,
            targetAddress: preflight.resolved.target,
            reportDirectory: reportDirectory, startedAtDate: startedAtDate, live: live, metrics: metrics)
        services.append(
            .init(
                service: drill, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "drill"))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: quietLogger()))

        let signalTask: Task<Void, Never>? =
            options.handleSignals
            ? Task {
                let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
                var count = 0
                for await signal in signals {
                    count += 1
                    control.signalled(signal == .sigint ? .sigint : .sigterm, count: count)
                    if count == 1 {
                        await group.triggerGracefulShutdown()
                    }
                }
            } : nil
        do {
            try await group.run()
        } catch {
            control.recordProblem("service failure: \(error)")
        }
        signalTask?.cancel()
        if let outcome = control.outcome { return outcome }
        await live?.session.end(status: RunStatus.aborted.rawValue, reason: "the drill service stopped")
        // The drill service never got to write a report (should not happen): write a minimal one.
        return await drill.finish(result: DrillResult(), targetURL: "", reportDirectory: nil)
    }

    /// The embedded campus platform for `plan`: its profile, a fresh data folder, and for each plan dependency named
    /// `payment`, `dispatch` or `notification` the dependency on the proxy's upstream port with the order service
    /// calling it through the proxy's listen address.
    static func campusConfiguration(for plan: Plan) -> CampusConfiguration {
        var configuration = CampusConfiguration(
            profile: plan.target.profile.flatMap(CampusProfile.init(rawValue:)) ?? .resilient)
        for d in plan.dependencies {
            let url = "http://\(d.listen)"
            switch d.name {
            case "payment":
                configuration.paymentPort = d.upstream.port
                configuration.paymentURL = url
            case "dispatch":
                configuration.dispatchPort = d.upstream.port
                configuration.dispatchURL = url
            case "notification":
                configuration.notificationPort = d.upstream.port
                configuration.notificationURL = url
            default:
                break
            }
        }
        return configuration
    }

    func quietLogger() -> Logger {
        var l = logger
        l.logLevel = .error
        return l
    }
}

/// The metrics server inside the drill's group: a port it cannot bind is a problem in the report, not a crash.
struct MetricsEndpoint: Service {
    let server: MetricsServer
    let control: RunControl
    let listen: MetricsOptions

    func run() async throws {
        do {
            try await server.run()
        } catch {
            control.recordProblem(
                "cannot serve the metrics on \(listen.host):\(listen.port): \(String(describing: error).prefix(200))")
        }
    }
}

/// Which signal interrupted the run.
enum StopSignal: Sendable {
    case sigint, sigterm

    var exitCode: Int32 { self == .sigint ? 130 : 143 }
    var name: String { self == .sigint ? "SIGINT" : "SIGTERM" }
}

/// Shared state between the signal watcher, the drill service and the runner.
final class RunControl: Sendable {
    private struct State {
        var signal: StopSignal?
        var engine: LoadEngine?
        var faults: FaultController?
        var stopRequested = false
        var problems: [String] = []
        var outcome: DrillOutcome?
        /// Why the drill was stopped early by itself (abort condition, failed fault).
        var stopReason: String?
        var abortReport: AbortReport?
    }

    private let state = NIOLockedValueBox(State())

    /// The reason a halted drill gives.
    static let haltReason = "halted by the facilitator"

    var signal: StopSignal? { state.withLockedValue { $0.signal } }
    var outcome: DrillOutcome? { state.withLockedValue { $0.outcome } }
    var problems: [String] { state.withLockedValue { $0.problems } }
    var stopRequested: Bool { state.withLockedValue { $0.stopRequested } }
    var stopReason: String? { state.withLockedValue { $0.stopReason } }
    var abortReport: AbortReport? { state.withLockedValue { $0.abortReport } }

    func signalled(_ signal: StopSignal, count: Int) {
        let engine = state.withLockedValue { s -> LoadEngine? in
            if s.signal == nil { s.signal = signal }
            return s.engine
        }
        // A second signal cuts the grace period short.
        if count > 1 { engine?.stop(grace: .zero) }
    }

    /// Graceful shutdown: roll every fault back at once, stop the engine if it runs, or make sure it stops as soon
    /// as it starts.
    func requestStop(grace: TimeAmount) {
        let (engine, faults) = state.withLockedValue { s -> (LoadEngine?, FaultController?) in
            s.stopRequested = true
            return (s.engine, s.faults)
        }
        if let faults { Task { await faults.stop() } }
        engine?.stop(grace: grace)
    }

    /// Forgets the engine once it has shut down, so a late signal does not schedule work on its closed loops.
    func detachEngine() {
        state.withLockedValue { $0.engine = nil }
    }

    func attach(faults: FaultController) {
        state.withLockedValue { $0.faults = faults }
    }

    /// An `abortWhen` condition tripped: roll back every fault, stop the load, fail the verdict.
    func aborted(_ report: AbortReport, grace: TimeAmount) {
        let reason = "aborted: \(report.condition) (tripped at \(SummaryRenderer.seconds(report.atMs / 1000)))"
        stopEarly(reason: reason, grace: grace) { $0.abortReport = report }
    }

    /// A fault could not be applied: roll back every fault and stop the drill.
    func faultFailed(_ message: String) {
        stopEarly(reason: message, grace: .seconds(1)) { _ in }
    }

    private func stopEarly(reason: String, grace: TimeAmount, _ update: (inout State) -> Void) {
        let (engine, faults, first) = state.withLockedValue { s -> (LoadEngine?, FaultController?, Bool) in
            let first = s.stopReason == nil && s.signal == nil
            if first {
                s.stopReason = reason
                s.problems.append(reason)
                update(&s)
            }
            s.stopRequested = true
            return (s.engine, s.faults, first)
        }
        guard first else { return }
        // The load stops at once; the rollbacks run beside it (the drill service waits for both).
        engine?.stop(grace: grace)
        if let faults { Task { await faults.stop() } }
    }

    /// The facilitator pulled the safety lever: the drill ends `aborted`, halted by the facilitator. Returns false
    /// when it was already stopping for another reason (which then stays the reason). The caller rolls the faults
    /// back and then stops the load (`stopLoad`).
    @discardableResult
    func halt() -> Bool {
        state.withLockedValue { s -> Bool in
            let first = s.stopReason == nil && s.signal == nil
            if first {
                s.stopReason = RunControl.haltReason
                s.problems.append(RunControl.haltReason)
            }
            s.stopRequested = true
            return first
        }
    }

    /// Stops sending; requests on the wire get `grace`.
    func stopLoad(grace: TimeAmount) {
        let engine = state.withLockedValue { s -> LoadEngine? in
            s.stopRequested = true
            return s.engine
        }
        engine?.stop(grace: grace)
    }

    /// Registers the engine; returns false if a stop was already requested.
    func attach(_ engine: LoadEngine) -> Bool {
        state.withLockedValue { s in
            s.engine = engine
            return !s.stopRequested
        }
    }

    func recordProblem(_ problem: String) {
        state.withLockedValue { $0.problems.append(problem) }
    }

    func setOutcome(_ outcome: DrillOutcome) {
        state.withLockedValue { $0.outcome = outcome }
    }
}
