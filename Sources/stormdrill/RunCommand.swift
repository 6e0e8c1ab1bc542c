import ArgumentParser
import Foundation
import StormDrillEngine
import StormDrillPlan
import StormDrillReport
import StormDrillRunner
import Synchronization

/// `stormdrill run PLAN`: runs a drill and writes its report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a drill and write its report.",
        discussion: """
            Writes <out>/<UTC yyyyMMdd-HHmmss>-<plan name>/report.json. SIGINT or SIGTERM stops sending at once, \
            gives requests in flight up to 5 s, rolls back every fault and still writes the report (status \
            "interrupted"). While the fault journal holds rollbacks a killed driver left owing, run refuses to \
            start; `stormdrill recover` (or --recover) carries them out first.
            """
    )

    @Argument(help: "The plan file (JSON).")
    var plan: String

    @Option(name: .long, help: "Folder for the run's report folder.")
    var out = "reports"

    @Flag(name: .shortAndLong, help: "No progress line and no summary; only the report path.")
    var quiet = false

    @Option(name: .long, help: "Event loops (threads) generating load; default: one per core.")
    var eventLoops: Int?

    @Flag(name: .long, help: "Print the combined schedule of load stages and faults; send nothing.")
    var dryRun = false

    @Option(
        name: .customLong("var"), help: ArgumentHelp("Replace a var of the plan (repeatable).", valueName: "name=value")
    )
    var vars: [String] = []

    @Option(
        name: .long,
        help: "Multiply every time on the drill clock (stages, fault windows) by this factor; 0.05 runs 5 min in 15 s.")
    var durationScale: Double?

    @Flag(name: .long, help: "First roll back what a killed driver left applied (as `stormdrill recover`).")
    var recover = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve the live view (and a game day's console and join page) on this address; bare --live is"
                + " 127.0.0.1:8600. A host other than loopback must be given explicitly.",
            valueName: "[host:]port"))
    var live: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A game day's gates continue by themselves this long after they hold (an unattended rehearsal).",
            valueName: "duration"))
    var autoContinue: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Allow traffic to this host although it resolves outside loopback and the private networks"
                + " (repeatable); the plan's \"target.allowPublic\": true allows every host.",
            valueName: "host"))
    var allowTarget: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve the driver's Prometheus metrics on this address (GET /metrics), for the whole drill;"
                + " a bare port listens on 127.0.0.1. A host other than loopback must be given explicitly.",
            valueName: "[host:]port"))
    var metrics: String?

    func validate() throws {
        if let eventLoops, eventLoops < 1 || eventLoops > 256 {
            throw ValidationError("--event-loops must be between 1 and 256")
        }
        if let durationScale, !(durationScale > 0 && durationScale <= 100) {
            throw ValidationError("--duration-scale must be greater than 0 and at most 100")
        }
        _ = try VarOverrides.parse(vars)
        if let autoContinue, PlanDuration(parsing: autoContinue) == nil {
            throw ValidationError("--auto-continue needs a duration such as 0s, 10s or 2m (got \"\(autoContinue)\")")
        }
        if let metrics, MetricsOptions.parse(metrics) == nil {
            throw ValidationError(
                "--metrics needs [HOST:]PORT, such as 9464, 127.0.0.1:9464 or 0.0.0.0:9464 (got \"\(metrics)\")")
        }
        if let live, LiveOptions.parse(live) == nil {
            throw ValidationError(
                "--live needs [HOST:]PORT, such as 8600, 127.0.0.1:8600 or 0.0.0.0:8600 (got \"\(live)\")")
        }
    }

    /// `--live` with no address means the default one: the argument parser knows no optional values, so a bare
    /// `--live` (last, or followed by another option or the plan) is given its default before parsing.
    static func expandBareLive(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in arguments.enumerated() {
            if a == "--live" {
                let next = i + 1 < arguments.count ? arguments[i + 1] : nil
                if next.flatMap(LiveOptions.parse) == nil {
                    out.append("--live=\(LiveOptions.defaultHost):\(LiveOptions.defaultPort)")
                    continue
                }
            }
            out.append(a)
        }
        return out
    }

    func run() async throws {
        var read: LoadedPlan
        switch PlanLoader.load(path: plan, overrides: try VarOverrides.parse(vars), environment: .process) {
        case .failure(let error):
            FileHandleOutput.standardError.write(error.description + "\n")
            throw ExitCode(2)
        case .success(let l):
            read = l
        }
        FileHandleOutput.hideSecrets(read.plan.redactor)
        if let durationScale { read.plan = read.plan.scaled(by: durationScale) }
        let loaded = read
        if dryRun {
            FileHandleOutput.standardOutput.write(ScheduleDescription.render(loaded.plan) + "\n")
            return
        }
        if let problem = RunCommand.tlsProblem(loaded.plan) {
            FileHandleOutput.standardError.write("\(plan): \(problem)\n")
            throw ExitCode(2)
        }
        let journal = FaultJournal()
        if recover {
            guard await RecoverCommand.recover(journal, quiet: quiet) else { throw ExitCode(1) }
        } else {
            let pending = journal.owed()
            if !pending.entries.isEmpty || !pending.unreadable.isEmpty {
                var message = "stormdrill: the fault journal (\(journal.stateDirectory)/journal) holds rollbacks a"
                message += " stopped driver still owes:\n"
                for e in pending.entries {
                    message += "  \(e.fault) (\(e.kind.rawValue), plan \"\(e.plan)\", \(e.createdAt))\n"
                }
                for u in pending.unreadable { message += "  unreadable entry \(u)\n" }
                message += "run `stormdrill recover`, or `stormdrill run --recover \(plan)`\n"
                FileHandleOutput.standardError.write(message)
                throw ExitCode(2)
            }
        }
        let progress = ProgressPrinter(enabled: !quiet, terminal: FileHandleOutput.standardError.isTerminal)
        var options = DrillRunner.Options(outDirectory: out, journal: journal)
        if let eventLoops { options.eventLoops = eventLoops }
        let quiet = self.quiet
        options.onStart = { url, directory in
            if !quiet {
                FileHandleOutput.standardError.write(
                    "stormdrill: running \"\(loaded.plan.name)\" against \(url) for \(loaded.plan.loadDuration)"
                        + " (report folder \(directory))\n")
            }
        }
        options.onProgress = { update in progress.show(update) }
        options.live = live.flatMap(LiveOptions.parse)
        let requestedMetrics = metrics.flatMap(MetricsOptions.parse)
        options.metrics = requestedMetrics
        options.onMetrics = { port in
            guard let listen = requestedMetrics else { return }
            var text = ""
            if !listen.isLoopback {
                text +=
                    "stormdrill: warning: the metrics listen on \(listen.host):\(port), reachable from the network\n"
            }
            if !quiet || !listen.isLoopback { text += "metrics: http://\(listen.host):\(port)/metrics\n" }
            FileHandleOutput.standardError.write(text)
        }
        options.autoContinue = autoContinue.flatMap(PlanDuration.init(parsing:)).map { .nanoseconds($0.nanoseconds) }
        options.onLive = { info in
            progress.finish()
            RunCommand.announce(info)
        }
        options.onAudit = { checked, total in
            progress.finish()
            if !quiet {
                FileHandleOutput.standardError.write(
                    checked == 0
                        ? "stormdrill: auditing \(total) acknowledged orders\n"
                        : "stormdrill: audit \(checked)/\(total) looked up\n")
            }
        }
        let preflight: DrillPreflight
        switch await DrillPreflight.check(
            loaded.plan, outDirectory: out, addresses: TargetAddressCheck(allowedHosts: allowTarget))
        {
        case .failure(let refusal):
            FileHandleOutput.standardError.write("stormdrill: refused before any traffic: \(refusal)\n")
            throw ExitCode(2)
        case .success(let p):
            preflight = p
        }
        for d in loaded.plan.dependencies where !NetworkAddress.isLoopback(host: d.listen.host) {
            FileHandleOutput.standardError.write(
                "stormdrill: warning: the fault proxy of dependency \"\(d.name)\" listens on \(d.listen), reachable"
                    + " from the network: anyone who reaches it is forwarded to \(d.upstream)\n")
        }
        var pinned = loaded
        pinned.plan = preflight.resolved.plan
        let outcome = await DrillRunner(loaded: pinned, options: options).run(preflight)
        progress.finish()
        if quiet {
            if let path = outcome.reportPath { FileHandleOutput.standardOutput.write(path + "\n") }
        } else {
            FileHandleOutput.standardOutput.write(
                SummaryRenderer.render(outcome.report, reportPath: outcome.reportPath) + "\n")
        }
        if let error = outcome.writeError {
            FileHandleOutput.standardError.write("stormdrill: report not written: \(error)\n")
        }
        throw ExitCode(outcome.exitCode)
    }
}

extension RunCommand {
    /// An https target's CA file is read before anything starts: a missing one, or one without a certificate, is
    /// a set-up error (exit 2) rather than a drill whose every request fails.
    static func tlsProblem(_ plan: Plan) -> TLSSetupError? {
        guard case .url(let url) = plan.target.endpoint, url.isTLS else { return nil }
        let result = Result { () throws(TLSSetupError) in try TLSProvider(host: url.host, tls: plan.target.tls) }
        guard case .failure(let error) = result else { return nil }
        return error
    }

    /// The live view's links on the terminal (also with --quiet: the facilitator needs them), a warning when it is
    /// reachable from the network, and the join link's QR code.
    static func announce(_ info: LiveInfo) {
        var text = ""
        if !info.options.isLoopback {
            text +=
                "stormdrill: warning: the live view listens on \(info.options.host):\(info.port), reachable from the"
            text += " network: anyone who reaches it sees the drill and can join; facilitator actions need the token\n"
        }
        text += "live: \(info.dashboardURL)\n"
        text += "facilitator: \(info.facilitatorURL)\n"
        if info.gameDay {
            text += "join: \(info.joinURL)\n"
            if let qr = info.qrTerminal { text += qr + (qr.hasSuffix("\n") ? "" : "\n") }
        }
        FileHandleOutput.standardError.write(text)
    }
}

/// `--var NAME=VALUE` options.
enum VarOverrides {
    static func parse(_ options: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for option in options {
            guard let eq = option.firstIndex(of: "="), eq != option.startIndex else {
                throw ValidationError("--var needs NAME=VALUE (got \"\(option)\")")
            }
            out[String(option[..<eq])] = String(option[option.index(after: eq)...])
        }
        return out
    }
}

/// The live progress line: rewritten in place once a second on a terminal, a plain line every 5 s otherwise.
final class ProgressPrinter: Sendable {
    let enabled: Bool
    let terminal: Bool
    private let lastPlain = Mutex(-5.0)

    init(enabled: Bool, terminal: Bool) {
        self.enabled = enabled
        self.terminal = terminal
    }

    func show(_ p: DrillProgress) {
        guard enabled else { return }
        let s = p.snapshot
        let line =
            "\(SummaryRenderer.seconds(p.elapsedSeconds))/\(SummaryRenderer.seconds(p.plannedSeconds))"
            + "  sent \(SummaryRenderer.rate(p.sendRate))/s  ok \(s.requestsOk)  errors \(s.requestsFailed)"
            + (s.dropped > 0 ? "  dropped \(s.dropped)" : "")
            + "  p99 \(SummaryRenderer.ms(Double(s.windowP99Microseconds) / 1000))  in flight \(s.inFlight)"
            + (p.held ? "  HELD" : "")
        if terminal {
            FileHandleOutput.standardError.write(control: "\r\u{1B}[K", line)
        } else {
            let due = lastPlain.withLock { last -> Bool in
                if p.elapsedSeconds - last >= 5 {
                    last = p.elapsedSeconds
                    return true
                }
                return false
            }
            if due { FileHandleOutput.standardError.write("stormdrill: " + line + "\n") }
        }
    }

    func finish() {
        if enabled && terminal { FileHandleOutput.standardError.write(control: "\r\u{1B}[K") }
    }
}
