/// A validated drill plan (format version 1). Build one with `PlanLoader` or `PlanDecoder`; every field has been
/// checked, templates are compiled and campus shapes expanded.
public struct Plan: Sendable {
    /// The plan format version this build reads.
    public static let formatVersion = 1

    public var name: String
    public var description: String
    public var seed: UInt64
    public var vars: [String: String]
    public var target: Target
    public var load: Load
    public var journeys: [Journey]
    public var slo: ServiceLevelObjective
    /// Dependencies of the target reached through StormDrill's fault proxies.
    public var dependencies: [Dependency]
    /// Faults on the drill clock, in plan order.
    public var faults: [Fault]
    /// Stop conditions checked every second.
    public var abortWhen: [AbortCondition]
    /// Thresholds, audits, probes, forecast and analysis tolerances.
    public var checks: DrillChecks
    /// A facilitated rehearsal with participants: phases, gates, briefs, polls.
    public var gameDay: GameDay?
    /// The team's Prometheus and the alerts the faults must raise.
    public var monitoring: MonitoringPlan?
    /// The values of `{{env.NAME}}` placeholders and of the vars listed in `secrets`: every writer of output
    /// passes its text through it.
    public var redactor: SecretRedactor

    public init(
        name: String, description: String = "", seed: UInt64 = 1, vars: [String: String] = [:], target: Target,
        load: Load, journeys: [Journey], slo: ServiceLevelObjective = ServiceLevelObjective(),
        dependencies: [Dependency] = [], faults: [Fault] = [], abortWhen: [AbortCondition] = [],
        checks: DrillChecks = DrillChecks(), gameDay: GameDay? = nil, monitoring: MonitoringPlan? = nil,
        redactor: SecretRedactor = SecretRedactor()
    ) {
        self.monitoring = monitoring
        self.name = name
        self.description = description
        self.seed = seed
        self.vars = vars
        self.target = target
        self.load = load
        self.journeys = journeys
        self.slo = slo
        self.dependencies = dependencies
        self.faults = faults
        self.abortWhen = abortWhen
        self.checks = checks
        self.gameDay = gameDay
        self.redactor = redactor
    }

    /// How long arrivals (open model) or user iterations (closed model) are started for.
    public var loadDuration: PlanDuration { load.duration }

    /// The largest number of extract slots any journey uses.
    public var maxExtractSlots: Int { journeys.map(\.extractNames.count).max() ?? 0 }
}

/// The service under test.
public struct Target: Sendable {
    public enum Endpoint: Sendable, Hashable {
        /// A running service at this base URL.
        case url(TargetURL)
        /// A service StormDrill starts itself on a free loopback port; the only one today is `campus`.
        case embedded(String)
    }

    public var endpoint: Endpoint
    /// Headers sent with every request (templates allowed).
    public var headers: [Header]
    /// Per-request timeout, from the intended send time of the request.
    public var timeout: PlanDuration
    /// Connection pool size; nil means the default for the load model.
    public var connections: Int?
    /// A target process the driver starts, stops at the end and may kill or pause as a fault.
    public var process: TargetProcess?
    /// The embedded campus platform's profile (`resilient` or `fragile`); nil means resilient.
    public var profile: String?
    /// The plan's consent to send traffic to addresses outside loopback and the private networks (a public
    /// staging host). Without it, or `--allow-target HOST`, such a drill is refused before any traffic.
    public var allowPublic: Bool = false
    /// Whom an `https` target's certificate must be trusted by and which name it must carry; nil: the system's
    /// trust roots and the `baseURL`'s host.
    public var tls: TargetTLS?

    public init(
        endpoint: Endpoint, headers: [Header] = [], timeout: PlanDuration = .seconds(10), connections: Int? = nil,
        process: TargetProcess? = nil, profile: String? = nil, tls: TargetTLS? = nil
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.timeout = timeout
        self.connections = connections
        self.process = process
        self.profile = profile
        self.tls = tls
    }

    public static let defaultTimeout = PlanDuration.seconds(10)
}

/// An http(s) base URL split into what the engine needs.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash ("" for none); step paths are appended to it.
    public var basePath: String

    public init(scheme: String, host: String, port: Int, basePath: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    public var isTLS: Bool { scheme == "https" }

    /// The `Host` header value: the port is left out when it is the scheme's default.
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) { return h }
        return "\(h):\(port)"
    }

    public var description: String { "\(scheme)://\(hostHeader)\(basePath)" }

    /// Parses `http://host[:port][/base]`; returns nil with a reason on anything else.
    public static func parse(_ text: String) -> Result<TargetURL, PlanProblem> {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") {
            scheme = "http"
        } else if lower.hasPrefix("https://") {
            scheme = "https"
        } else {
            let shown = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
            return .failure(PlanProblem("baseURL must start with http:// or https:// (got \"\(shown)\")"))
        }
        // Everything here ends up in the request line or the Host header of every request: a space or a line break
        // would inject headers into all of them.
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) }) {
            let what = bad == " " ? "a space" : bad == "\r" || bad == "\n" ? "a line break" : "a control character"
            return .failure(
                PlanProblem("baseURL must not contain \(what) (\(PlanDecoder.scalarName(bad))); percent-encode it"))
        }
        var rest = Substring(text.dropFirst(scheme.count + 3))
        var basePath = ""
        if let slash = rest.firstIndex(of: "/") {
            basePath = String(rest[slash...])
            rest = rest[..<slash]
        }
        if basePath.contains("?") || basePath.contains("#") {
            return .failure(PlanProblem("baseURL must not have a query or fragment"))
        }
        while basePath.hasSuffix("/") { basePath.removeLast() }
        if rest.contains("@") { return .failure(PlanProblem("baseURL must not contain credentials")) }
        var host = String(rest)
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                return .failure(PlanProblem("baseURL has an unclosed IPv6 address"))
            }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    return .failure(PlanProblem("baseURL has an invalid port"))
                }
                port = p
            } else if !after.isEmpty {
                return .failure(PlanProblem("baseURL has text after the IPv6 address"))
            }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(PlanProblem("baseURL has an invalid port"))
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return .failure(PlanProblem("baseURL has no host")) }
        return .success(TargetURL(scheme: scheme, host: host, port: port, basePath: basePath))
    }
}

/// A header whose value is a template.
public struct Header: Sendable, Hashable {
    public var name: String
    public var value: Template

    public init(name: String, value: Template) {
        self.name = name
        self.value = value
    }
}

/// The load model: when journeys start.
public enum Load: Sendable {
    case open(OpenLoad)
    case closed(ClosedLoad)

    public var duration: PlanDuration {
        switch self {
        case .open(let o): o.duration
        case .closed(let c): c.duration
        }
    }
}

/// How arrivals are placed in time within the rate profile.
public enum ArrivalProcess: String, Sendable, Codable, CaseIterable {
    /// Evenly spaced: arrival i at the instant the cumulative rate reaches i.
    case uniform
    /// A (non-homogeneous) Poisson process with the stages' rate, seeded.
    case poisson
}

/// Open model: journeys arrive on a schedule whatever the target does.
public struct OpenLoad: Sendable {
    public var arrival: ArrivalProcess
    public var stages: [Stage]
    /// The campus shape the stages were expanded from, if any.
    public var shape: CampusShape?
    /// Arrivals beyond this many outstanding journeys are counted as dropped and not sent.
    public var maxInFlight: Int

    public static let defaultMaxInFlight = 10_000

    public init(
        arrival: ArrivalProcess = .uniform, stages: [Stage], shape: CampusShape? = nil,
        maxInFlight: Int = OpenLoad.defaultMaxInFlight
    ) {
        self.arrival = arrival
        self.stages = stages
        self.shape = shape
        self.maxInFlight = maxInFlight
    }

    public var duration: PlanDuration { stages.reduce(.zero) { $0 + $1.duration } }
    public var peakRate: Double { stages.map { max($0.from, $0.to) }.max() ?? 0 }
}

/// A stretch of the open model's rate profile: constant (`from == to`) or a linear ramp. Rates in journeys/s.
public struct Stage: Sendable, Hashable, Codable {
    public var duration: PlanDuration
    public var from: Double
    public var to: Double

    public init(duration: PlanDuration, from: Double, to: Double) {
        self.duration = duration
        self.from = from
        self.to = to
    }

    public static func constant(_ rate: Double, for duration: PlanDuration) -> Stage {
        Stage(duration: duration, from: rate, to: rate)
    }

    public var isRamp: Bool { from != to }

    /// Expected arrivals in this stage: the integral of the rate.
    public var arrivals: Double { (from + to) / 2 * duration.seconds }
}

/// Closed model: a fixed number of virtual users, each looping journey → think time.
public struct ClosedLoad: Sendable {
    public var users: Int
    public var thinkTime: PlanDuration
    public var duration: PlanDuration

    public init(users: Int, thinkTime: PlanDuration = .zero, duration: PlanDuration) {
        self.users = users
        self.thinkTime = thinkTime
        self.duration = duration
    }
}

/// A weighted, multi-step user journey.
public struct Journey: Sendable {
    public var name: String
    public var weight: Double
    public var steps: [Step]
    /// Extract names defined by the journey's steps, in slot order.
    public var extractNames: [String]

    public init(name: String, weight: Double = 1, steps: [Step], extractNames: [String] = []) {
        self.name = name
        self.weight = weight
        self.steps = steps
        self.extractNames = extractNames
    }
}

/// HTTP methods a step may use.
public enum HTTPMethodName: String, Sendable, CaseIterable, Codable {
    case GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
}

/// One request of a journey.
public struct Step: Sendable {
    public var name: String
    public var method: HTTPMethodName
    /// The path template, already prefixed with the target's base path.
    public var path: Template
    public var headers: [Header]
    /// The JSON body template, if any (rendered compactly).
    public var body: Template?
    /// Accepted status codes; nil means any 2xx.
    public var expect: Set<Int>?
    /// Values to pull out of the JSON response: slot index in the journey and JSON Pointer.
    public var extract: [Extraction]
    /// Pause after this step before the journey's next step.
    public var think: PlanDuration

    public init(
        name: String, method: HTTPMethodName, path: Template, headers: [Header] = [], body: Template? = nil,
        expect: Set<Int>? = nil, extract: [Extraction] = [], think: PlanDuration = .zero
    ) {
        self.name = name
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.expect = expect
        self.extract = extract
        self.think = think
    }

    public func accepts(status: Int) -> Bool {
        if let expect { return expect.contains(status) }
        return (200..<300).contains(status)
    }
}

/// `"name": "/json/pointer"` in a step's `extract`.
public struct Extraction: Sendable, Hashable {
    public var name: String
    public var slot: Int
    public var pointer: JSONPointer

    public init(name: String, slot: Int, pointer: JSONPointer) {
        self.name = name
        self.slot = slot
        self.pointer = pointer
    }
}

/// The service level objective from which the verdict is computed. Latencies are request latencies measured from
/// the intended send time; `errorRate` is failed plus dropped journeys over all journeys.
public struct ServiceLevelObjective: Sendable, Hashable {
    public var p50: PlanDuration?
    public var p90: PlanDuration?
    public var p95: PlanDuration?
    public var p99: PlanDuration?
    public var p999: PlanDuration?
    public var errorRate: Double?
    /// The availability target (`0.999`): the error budget is `1 − availability` of the requests (docs/monitoring.md).
    /// It sets no objective of its own: `errorBudget` thresholds judge the drill's share of the budget.
    public var availability: Double?
    /// The window the error budget is counted over, in seconds (`slo.window`, default 30 days).
    public var windowSeconds: Double = ServiceLevelObjective.defaultWindowSeconds

    /// 30 days.
    public static let defaultWindowSeconds = 30.0 * 86_400
    /// Used when a plan has no `slo`: at most 1 % failed journeys.
    public static let defaultErrorRate = 0.01

    public init(
        p50: PlanDuration? = nil, p90: PlanDuration? = nil, p95: PlanDuration? = nil, p99: PlanDuration? = nil,
        p999: PlanDuration? = nil, errorRate: Double? = ServiceLevelObjective.defaultErrorRate
    ) {
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.errorRate = errorRate
    }

    /// Latency objectives as (name, percentile, limit).
    public var latencyObjectives: [(name: String, percentile: Double, limit: PlanDuration)] {
        var out: [(String, Double, PlanDuration)] = []
        if let p50 { out.append(("p50", 50, p50)) }
        if let p90 { out.append(("p90", 90, p90)) }
        if let p95 { out.append(("p95", 95, p95)) }
        if let p99 { out.append(("p99", 99, p99)) }
        if let p999 { out.append(("p99.9", 99.9, p999)) }
        return out
    }
}

/// A reason a value is wrong, before it is placed at a path and position.
public struct PlanProblem: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
