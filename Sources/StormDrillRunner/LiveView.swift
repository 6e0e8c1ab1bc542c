import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import StormDrillLive
import StormDrillPlan
import StormDrillReport
import Synchronization

/// Where the live view listens: `--live [HOST:]PORT`.
public struct LiveOptions: Sendable, Hashable {
    public var host: String
    public var port: Int

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8600

    public init(host: String = LiveOptions.defaultHost, port: Int = LiveOptions.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Whether the address is a loopback one (anything else exposes the view to the network).
    public var isLoopback: Bool {
        let h = host.lowercased()
        return h == "127.0.0.1" || h == "::1" || h == "localhost" || h.hasPrefix("127.")
    }

    /// `8600`, `127.0.0.1:8600`, `0.0.0.0:8600` or `[::1]:8600`; nil for anything else.
    public static func parse(_ text: String) -> LiveOptions? {
        func port(_ s: Substring) -> Int? {
            guard let p = Int(s), (0...65535).contains(p) else { return nil }
            return p
        }
        if let p = port(Substring(text)) { return LiveOptions(port: p) }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = port(rest.dropFirst()), !host.isEmpty else { return nil }
            return LiveOptions(host: host, port: p)
        }
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, let p = port(text[text.index(after: colon)...]),
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        else { return nil }
        return LiveOptions(host: host, port: p)
    }
}

/// The live view's addresses and token, for the terminal (the token is printed there and nowhere else).
public struct LiveInfo: Sendable {
    public var dashboardURL: String
    public var facilitatorURL: String
    public var joinURL: String
    public var token: String
    public var options: LiveOptions
    public var port: Int
    public var gameDay: Bool
    /// The join link's QR code in Unicode half blocks.
    public var qrTerminal: String?
}

/// The live server and its session for one drill, with what the drill needs to know of it.
final class LiveView: Sendable {
    let session: LiveSession
    let token: FacilitatorToken
    let options: LiveOptions
    let ports: AsyncStream<Int>
    let failure: Holder<String>
    let service: LiveViewService
    /// The drill clock, once it exists (before that, the session's times read 0).
    let clock: Holder<DrillClock>
    /// Why the journal could not be opened, if it could not.
    let problem: String?

    /// - Parameters:
    ///   - reportDirectory: the run folder; the game-day journal goes into it.
    init(plan: Plan, options: LiveOptions, reportDirectory: String?, startedAt: Date, logger: Logger) {
        var problem: String?
        var journal: GameDayJournal?
        if let reportDirectory {
            do {
                journal = try GameDayJournal(
                    path: (reportDirectory as NSString).appendingPathComponent(GameDayRecord.fileName))
            } catch {
                problem = "cannot keep the game-day journal: \(error)"
            }
        }
        let clock = Holder<DrillClock>()
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
            journal: journal, now: { clock.value?.reading() ?? (0, 0) })
        token = FacilitatorToken()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        self.ports = ports
        let failure = Holder<String>()
        self.failure = failure
        var quiet = logger
        quiet.logLevel = .error
        service = LiveViewService(
            options: options, session: session, token: token, logger: quiet, ports: continuation, failure: failure)
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
            let why = failure.value ?? "it did not start within \(timeout)"
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

/// One value set once and read from anywhere.
final class Holder<Value: Sendable>: Sendable {
    private let box = Mutex<Value?>(nil)

    var value: Value? { box.withLock { $0 } }

    func set(_ value: Value) {
        box.withLock { $0 = value }
    }
}

/// The live server as a service of the drill's group: listens, reports its port, and if it cannot listen, records
/// why and returns (the drill then stops before its load starts, with that reason).
struct LiveViewService: Service {
    let options: LiveOptions
    let session: LiveSession
    let token: FacilitatorToken
    let logger: Logger
    let ports: AsyncStream<Int>.Continuation
    let failure: Holder<String>

    func run() async throws {
        // Its own thread: serving the pages never waits behind the load engine's loops, nor delays them.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let ports = self.ports
        let server = LiveServer(
            host: options.host, port: options.port, session: session, token: token, eventLoopGroup: group,
            logger: logger, onRunning: { port in ports.yield(port) })
        do {
            try await server.run()
        } catch {
            failure.set(String(String(describing: error).prefix(200)))
        }
        ports.finish()
        try? await group.shutdownGracefully()
    }
}
