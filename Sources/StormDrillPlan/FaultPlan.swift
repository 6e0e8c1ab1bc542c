/// A `host:port` address as written in plans (`127.0.0.1:19001`, `[::1]:19001`, `localhost:9001`).
public struct HostPort: Sendable, Hashable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `host:port`; the port must be 1–65535 (or 0 when `allowZero`).
    public static func parse(_ text: String, allowZero: Bool = false) -> Result<HostPort, PlanProblem> {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(PlanProblem("has an unclosed IPv6 address; write it as \"[::1]:9001\""))
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else {
                return .failure(PlanProblem("needs a port after the IPv6 address, as in \"[::1]:9001\""))
            }
            portText = after.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(PlanProblem("must be host:port, as in \"127.0.0.1:9001\" (got \"\(text)\")"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(PlanProblem("an IPv6 address needs brackets, as in \"[::1]:9001\""))
            }
        }
        guard !host.isEmpty else { return .failure(PlanProblem("has no host (got \"\(text)\")")) }
        guard let port = Int(portText), (allowZero ? 0 : 1)...65535 ~= port else {
            return .failure(PlanProblem("has an invalid port \"\(portText)\"; use 1–65535"))
        }
        return .success(HostPort(host: String(host), port: port))
    }
}

/// How the fault proxy of a dependency understands its traffic.
public enum DependencyProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    /// Bytes only: TCP toxics and `down`.
    case tcp
    /// HTTP/1.1: also the per-request HTTP faults.
    case http
}

/// A dependency of the target that the drill may disturb: the driver runs a proxy listening on `listen` and
/// forwarding to `upstream` for the whole drill; the target is configured to reach the dependency via `listen`.
public struct Dependency: Sendable, Hashable {
    public var name: String
    public var listen: HostPort
    public var upstream: HostPort
    public var proto: DependencyProtocol

    public init(name: String, listen: HostPort, upstream: HostPort, proto: DependencyProtocol = .tcp) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.proto = proto
    }
}

/// A target the driver starts itself, stops at the end and may kill, restart or pause as a fault.
public struct TargetProcess: Sendable, Hashable {
    /// Program and arguments. A first element `stormdrill` means the running stormdrill binary itself.
    public var argv: [String]
    /// Variables added to the driver's environment.
    public var env: [String: String]
    /// A URL polled until it answers with any HTTP status: then the target is ready.
    public var ready: TargetURL
    /// How long start-up (and each restart) may take before the drill gives up.
    public var readyTimeout: PlanDuration

    public static let defaultReadyTimeout = PlanDuration.seconds(30)

    public init(
        argv: [String], env: [String: String] = [:], ready: TargetURL,
        readyTimeout: PlanDuration = TargetProcess.defaultReadyTimeout
    ) {
        self.argv = argv
        self.env = env
        self.ready = ready
        self.readyTimeout = readyTimeout
    }
}

/// Which direction of a proxied connection a toxic acts on (Toxiproxy's `stream`).
public enum ToxicStream: String, Sendable, Hashable, Codable, CaseIterable {
    /// Client → dependency.
    case upstream
    /// Dependency → client (Toxiproxy's default).
    case downstream
}

/// The proxy faults: Toxiproxy's TCP toxics and StormDrill's per-request HTTP faults.
public enum ToxicType: String, Sendable, Hashable, Codable, CaseIterable {
    case latency, bandwidth, slowClose = "slow_close", timeout, resetPeer = "reset_peer", slicer
    case limitData = "limit_data"
    case httpError = "http_error", httpDelay = "http_delay", failFirst = "fail_first", blackhole

    /// True for the faults decided per HTTP request (only on `protocol: "http"` dependencies).
    public var isHTTP: Bool {
        switch self {
        case .httpError, .httpDelay, .failFirst, .blackhole: true
        default: false
        }
    }
}

/// A toxic as the proxy takes it, with Toxiproxy's attribute names and units (milliseconds, KB/s, bytes; the
/// slicer's `delay` in microseconds; HTTP faults' `rate` a share from 0 to 1).
public struct ToxicSpec: Sendable, Hashable {
    public var type: ToxicType
    public var stream: ToxicStream
    public var toxicity: Double
    public var attributes: [String: Double]
    /// The response body of an `http_error`, if any.
    public var body: String?

    public init(
        type: ToxicType, stream: ToxicStream = .downstream, toxicity: Double = 1, attributes: [String: Double] = [:],
        body: String? = nil
    ) {
        self.type = type
        self.stream = stream
        self.toxicity = toxicity
        self.attributes = attributes
        self.body = body
    }
}

/// Signals a `kill` fault may send.
public enum ProcessSignal: String, Sendable, Hashable, Codable, CaseIterable {
    case KILL, TERM, INT, QUIT, HUP, ABRT

    /// The Linux signal number.
    public var number: Int32 {
        switch self {
        case .HUP: 1
        case .INT: 2
        case .QUIT: 3
        case .ABRT: 6
        case .KILL: 9
        case .TERM: 15
        }
    }
}

/// What a fault does.
public enum FaultAction: Sendable, Hashable {
    /// The dependency's proxy stops accepting and closes its connections; on rollback it accepts again.
    case down(dependency: String)
    /// A toxic or HTTP fault on the dependency's proxy; removed on rollback.
    case toxic(dependency: String, ToxicSpec)
    /// Kill the target process with a signal; restart it after `restartAfter` (never, if nil).
    case kill(signal: ProcessSignal, restartAfter: PlanDuration?)
    /// SIGSTOP the target process; SIGCONT on rollback.
    case pause
    /// Run `start`, and `rollback` when the window ends (or at once on any interruption).
    case command(start: [String], rollback: [String])

    /// The plan's `type` for this action.
    public var typeName: String {
        switch self {
        case .down: "down"
        case .toxic(_, let spec): spec.type.rawValue
        case .kill: "kill"
        case .pause: "pause"
        case .command: "command"
        }
    }

    /// The dependency a proxy fault acts on.
    public var dependency: String? {
        switch self {
        case .down(let d), .toxic(let d, _): d
        default: nil
        }
    }

    /// Whether the fault acts on the target process.
    public var actsOnTargetProcess: Bool {
        switch self {
        case .kill, .pause: true
        default: false
        }
    }
}

/// A fault scheduled on the drill clock.
public struct Fault: Sendable, Hashable {
    public var name: String
    /// Offset from the drill start.
    public var at: PlanDuration
    /// How long the fault is in force; nil only for a `kill` that is never restarted.
    public var duration: PlanDuration?
    public var action: FaultAction

    public init(name: String, at: PlanDuration, duration: PlanDuration?, action: FaultAction) {
        self.name = name
        self.at = at
        self.duration = duration
        self.action = action
    }

    /// The planned end, as an offset from the drill start (nil: to the end of the drill).
    public var end: PlanDuration? { duration.map { at + $0 } }

    /// Whether ending the fault needs an action (a kill that is never restarted needs none).
    public var hasRollback: Bool { duration != nil }
}

/// The quantity an abort condition watches, evaluated once a second over the last second's requests.
public enum AbortMetric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Failed requests over completed requests in the last second (a share from 0 to 1).
    case errorRate
    case p50, p90, p95, p99

    /// True for latency percentiles (the threshold is a duration).
    public var isLatency: Bool { self != .errorRate }
}

/// `abortWhen`: stop the drill, roll every fault back and fail the verdict when `metric` stays above `above`
/// for `forSeconds` consecutive one-second checks.
public struct AbortCondition: Sendable, Hashable {
    public var metric: AbortMetric
    /// The limit: a share for `errorRate`, microseconds for latency percentiles.
    public var above: Double
    public var forSeconds: Int

    public init(metric: AbortMetric, above: Double, forSeconds: Int = 1) {
        self.metric = metric
        self.above = above
        self.forSeconds = forSeconds
    }

    /// The condition as the plan would spell it, for reasons in reports.
    public var description: String {
        let limit =
            metric.isLatency
            ? PlanDuration(nanoseconds: Int64(above * 1000)).description : PlanDecoder.format(above)
        return "\(metric.rawValue) above \(limit) for \(forSeconds)s"
    }
}
