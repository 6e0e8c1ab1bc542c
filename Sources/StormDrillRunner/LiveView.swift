import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import StormDrillLive
import StormDrillPlan
import StormDrillReport

/// The live server and its session for one drill, with what the drill needs to know of it.
final class LiveView: Sendable {
    let session: LiveSession
    let token: FacilitatorToken
    let options: LiveOptions
    let ports: AsyncStream<Int>
    let failure: NIOLockedValueBox<String?>
    let service: LiveViewService
    /// The drill clock, once it exists (before that, the session's times read 0).
    let clock: NIOLockedValueBox<DrillClock?>
    /// Why the journal could not be opened, if it could not.
    let problem: String?

    /// - Parameters:
    ///   - reportDirectory: the run folder; the game-day journal goes into it.
    /// - Parameters:
    ///   - metrics: the driver's Prometheus exposition, served as `GET /metrics`.
    init(
        plan: Plan, options: LiveOptions, reportDirectory: String?, startedAt: Date, logger: Logger,
        metrics: (@Sendable () -> [UInt8])? = nil
    ) {
        var problem: String?
        var journal: GameDayJournal?
        if let reportDirectory {
            do {
                journal = try GameDayJournal(
                    path: (reportDirectory as NSString).appendingPathComponent(GameDayRecord.fileName),
                    redactor: plan.redactor)
            } catch {
                problem = "cannot keep the game-day journal: \(error)"
            }
        }
        let clock = NIOLockedValueBox<DrillClock?>(nil)
        let faults = plan.faults.map { f in
            GameDayDefinition.Fault(
                name: f.name, type: f.action.typeName, on: FaultController.subject(f),
                plannedStartMs: f.at.milliseconds, plannedEndMs: f.end?.milliseconds)
        }
        let definition = plan.gameDay.map { g in
            GameDayDefinition(
                title: g.title, appURL: g.appURL, maxParticipants: g.maxParticipants,
                pollWindowMs: g.pollWindow.milliseconds, loadScenarioMs: plan.loadDuration.milliseconds,
                phases: g.phases.map { p in
                    .init(
                        name: p.name, scenarioMs: p.at.milliseconds, gate: p.gate, brief: p.brief, expect: p.expect,
                        hypothesis: p.hypothesis, poll: p.poll)
                }, faults: faults)
        }
        session = LiveSession(
            configuration: .init(
                plan: plan.name, title: plan.gameDay?.title ?? plan.name, definition: definition, faults: faults,
                appURL: plan.gameDay?.appURL, startedAt: ReportStore.iso8601(startedAt),
                loadScenarioMs: plan.loadDuration.milliseconds,
                maxParticipants: plan.gameDay?.maxParticipants ?? GameDay.defaultMaxParticipants),
            journal: journal, now: { clock.withLockedValue { $0 }?.reading() ?? (0, 0) })
        token = FacilitatorToken()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        self.ports = ports
        let failure = NIOLockedValueBox<String?>(nil)
        self.failure = failure
        var quiet = logger
        quiet.logLevel = .error
        service = LiveViewService(
            options: options, session: session, token: token, logger: quiet, ports: continuation, failure: failure,
            metrics: metrics)
        self.options = options
        self.clock = clock
        self.problem = problem
    }

    /// Waits for the server to listen; the addresses, or why it could not.
    func addresses(timeout: Duration) async -> Result<LiveInfo, LiveFailure> {
        let ports = self.ports
        let bound = await Deadline.first(within: timeout) { () async -> Int? in
            for await p in ports { return p }
            return nil
        }
        guard let port = bound else {
            let why = failure.withLockedValue { $0 } ?? "it did not start within \(timeout)"
            return .failure(
                LiveFailure(description: "cannot serve the live view on \(options.host):\(options.port): \(why)"))
        }
        var shown = options.host
        if shown == "0.0.0.0" || shown == "::" { shown = LiveView.networkAddress() ?? shown }
        if shown.contains(":") { shown = "[\(shown)]" }
        let base = "http://\(shown):\(port)"
        let join = base + "/join"
        session.setJoinURL(join)
        return .success(
            LiveInfo(
                dashboardURL: base + "/", facilitatorURL: base + "/facilitator#token=\(token.value)", joinURL: join,
                token: token.value, options: options, port: port, gameDay: session.isGameDay,
                qrTerminal: (try? QRCode(encoding: join))?.terminalText()))
    }

    /// The first IPv4 address of a network interface that is up and not loopback: what a phone on the same network
    /// reaches when the view binds every address.
    static func networkAddress() -> String? {
        guard let devices = try? System.enumerateDevices() else { return nil }
        for d in devices {
            guard let address = d.address, case .v4 = address, let ip = address.ipAddress, !ip.hasPrefix("127.")
            else { continue }
            return ip
        }
        return nil
    }
}

struct LiveFailure: Error, CustomStringConvertible {
    var description: String
}
