import Foundation

/// Turns a parsed JSON document into a validated `Plan`, collecting every problem with its position and JSON path.
///
/// The decoder is the authority on what a valid plan is; `plans/schema.json` mirrors it for editors and other
/// tools (a test keeps the two in agreement on the shipped plans and the documented bad cases).
public struct PlanDecoder {
    /// The plan's path as given: for messages, and the folder relative file paths in the plan start from.
    let file: String
    private var diagnostics: [PlanDiagnostic] = []
    private(set) var vars: [String: String] = [:]
    var basePath = ""
    /// `--var NAME=VALUE` values that replace the plan's own.
    private var overrides: [String: String] = [:]
    /// Where `{{env.NAME}}` values come from.
    var environment: PlanEnvironment = .process
    /// Secret values met so far: `{{env.NAME}}` values and the vars listed in `secrets`.
    var secrets: [Secret] = []
    /// The `probes` of kind `prometheus`, decoded with the others and handed to `monitoring`.
    var promQLProbes: [PromQLProbe] = []

    /// Top-level keys, in the order the docs list them.
    static let rootKeys = [
        "$schema", "stormdrill", "name", "description", "seed", "vars", "secrets", "target", "load",
        "journeys", "slo", "dependencies", "faults", "abortWhen", "thresholds", "audit", "probes", "forecast",
        "analysis", "gameDay", "monitoring",
    ]
    static let targetKeys = [
        "baseURL", "embedded", "profile", "headers", "timeout", "connections", "process", "allowPublic", "tls",
    ]
    /// Profiles of the embedded campus platform.
    static let campusProfiles = ["resilient", "fragile"]
    static let openKeys = ["model", "arrival", "stages", "shape", "maxInFlight"]
    static let closedKeys = ["model", "users", "thinkTime", "duration"]
    static let stageKeys = ["duration", "rate", "from", "to"]
    static let shapeKeys = ["name", "peakRate", "duration"]
    static let journeyKeys = ["name", "weight", "steps"]
    static let stepKeys = ["name", "method", "path", "headers", "body", "expect", "extract", "think"]
    static let sloKeys = ["p50", "p90", "p95", "p99", "p999", "errorRate", "availability", "window"]
    static let embeddedTargets = ["campus"]
    /// Headers StormDrill writes itself; a plan may not set them.
    static let managedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    private init(file: String) {
        self.file = file
    }

    /// Decodes a plan from its bytes. `file` is only used in messages; `environment` gives `{{env.NAME}}` values.
    public static func decode(
        _ bytes: [UInt8], file: String, overrides: [String: String] = [:], environment: PlanEnvironment = .process
    ) -> Result<Plan, PlanError> {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            return .failure(
                PlanError(diagnostics: [
                    PlanDiagnostic(
                        file: file, position: error.position, path: error.path,
                        message: "invalid JSON: \(error.message)")
                ]))
        }
        return decode(root, file: file, overrides: overrides, environment: environment)
    }

    /// Decodes a plan from a parsed document. `overrides` replace the values of vars the plan defines.
    public static func decode(
        _ root: JSONNode, file: String, overrides: [String: String] = [:], environment: PlanEnvironment = .process
    ) -> Result<Plan, PlanError> {
        var decoder = PlanDecoder(file: file)
        decoder.overrides = overrides
        decoder.environment = environment
        let plan = decoder.decodeRoot(root)
        if let plan, decoder.diagnostics.isEmpty { return .success(plan) }
        var seen = Set<PlanDiagnostic>()
        // A message may quote a value a secret was substituted into.
        let redactor = SecretRedactor(decoder.secrets)
        let unique = decoder.diagnostics.map {
            var d = $0
            d.message = redactor.redact(d.message)
            return d
        }.filter { seen.insert($0).inserted }.sorted()
        return .failure(PlanError(diagnostics: unique))
    }

    // MARK: - Reporting

    mutating func report(_ node: JSONNode, _ path: [PathComponent], _ message: String) {
        report(at: node.position, path, message)
    }

    mutating func report(at position: SourcePosition, _ path: [PathComponent], _ message: String) {
        diagnostics.append(
            PlanDiagnostic(
                file: file, position: position, path: PathComponent.render(path),
                message: message))
    }

    // MARK: - Generic helpers

    /// Checks that `node` is an object with only `allowed` keys and all `required` keys; returns its members.
    mutating func object(
        _ node: JSONNode, _ path: [PathComponent], allowed: [String], required: [String] = [],
        elsewhere: [String: String] = [:]
    ) -> [String: JSONNode]? {
        guard let members = node.members else {
            report(node, path, "must be an object (got \(node.typeName))")
            return nil
        }
        var out: [String: JSONNode] = [:]
        for m in members {
            if out[m.key] != nil {
                report(at: m.keyPosition, path + [.key(m.key)], "duplicate key \"\(m.key)\"")
                continue
            }
            if !allowed.contains(m.key) {
                var message = "unknown key \"\(m.key)\""
                if let hint = elsewhere[m.key] {
                    message += "; \(hint)"
                } else if let s = Suggestion.closest(to: m.key, in: allowed) {
                    message += "; did you mean \"\(s)\"?"
                } else {
                    message += " (allowed here: \(allowed.filter { $0 != "$schema" }.joined(separator: ", ")))"
                }
                report(at: m.keyPosition, path + [.key(m.key)], message)
                continue
            }
            out[m.key] = m.value
        }
        for key in required where out[key] == nil {
            // A misspelt required key was already reported with a suggestion; do not also call it missing.
            let misspelt = members.contains {
                !allowed.contains($0.key) && Suggestion.closest(to: $0.key, in: [key]) != nil
            }
            if !misspelt { report(node, path, "missing required key \"\(key)\"") }
        }
        return out
    }

    mutating func string(_ node: JSONNode, _ path: [PathComponent], nonEmpty: Bool = true) -> String? {
        guard let s = node.stringValue else {
            report(node, path, "must be a string (got \(node.typeName))")
            return nil
        }
        if nonEmpty && s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            report(node, path, "must not be empty")
            return nil
        }
        return s
    }

    mutating func number(_ node: JSONNode, _ path: [PathComponent]) -> Double? {
        guard case .number(let v, _) = node.value else {
            var message = "must be a number (got \(node.typeName))"
            if let s = node.stringValue, Double(s) != nil { message += "; write it without quotes" }
            report(node, path, message)
            return nil
        }
        return v
    }

    mutating func integer(_ node: JSONNode, _ path: [PathComponent], min: Int, max: Int) -> Int? {
        guard let v = number(node, path) else { return nil }
        guard v == v.rounded() else {
            report(node, path, "must be a whole number (got \(PlanDecoder.format(v)))")
            return nil
        }
        // 1e23 is a whole number, just not one an Int holds: say it is too large (or small), with the limit.
        guard v >= Double(min) else {
            report(
                node, path,
                v <= 0 && min == 1
                    ? "must be greater than 0 (got \(PlanDecoder.format(v)))"
                    : "must be at least \(min) (got \(PlanDecoder.format(v)))")
            return nil
        }
        guard v <= Double(max), let i = Int(exactly: v), i <= max else {
            report(node, path, "is too large: at most \(max) (got \(PlanDecoder.format(v)))")
            return nil
        }
        return i
    }

    mutating func duration(_ node: JSONNode, _ path: [PathComponent], allowZero: Bool = false) -> PlanDuration? {
        guard let text = node.stringValue else {
            var message =
                "must be a duration string such as \"250ms\", \"10s\", \"2m\" or \"1h\" (got \(node.typeName))"
            if case .number(let v, _) = node.value { message += "; did you mean \"\(PlanDecoder.format(v))s\"?" }
            report(node, path, message)
            return nil
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("-") {
            report(node, path, "must not be negative (got \"\(text)\")")
            return nil
        }
        let parsed = PlanDuration.parse(text)
        if case .failure(.tooLong) = parsed {
            report(node, path, "is too long: at most 168h (got \"\(PlanDecoder.shown(text))\")")
            return nil
        }
        guard case .success(let d) = parsed else {
            var message =
                "invalid duration \"\(PlanDecoder.shown(text))\"; use a number with a unit: ms, s, m or h"
                + " (\"250ms\", \"10s\")"
            if Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) != nil {
                message += "; did you mean \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))s\"?"
            }
            report(node, path, message)
            return nil
        }
        if !allowZero && d.nanoseconds <= 0 {
            report(node, path, "must be greater than 0 (got \"\(text)\")")
            return nil
        }
        if d > PlanDuration.planLimit {
            report(node, path, "is too long: at most 168h (got \"\(PlanDecoder.shown(text))\")")
            return nil
        }
        return d
    }

    /// The largest journey weight (weights are relative; this keeps their sum finite and exact enough).
    static let maximumWeight = 1_000_000.0

    /// User text echoed in a message: at most 40 characters (then `…`), control characters escaped.
    static func shown(_ text: String) -> String {
        let cut = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return TerminalText.escaped(cut)
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }

    // MARK: - Root

    private mutating func decodeRoot(_ root: JSONNode) -> Plan? {
        let path: [PathComponent] = []
        guard
            let m = object(
                root, path, allowed: PlanDecoder.rootKeys,
                required: ["stormdrill", "name", "target", "load", "journeys"],
                elsewhere: PlanDecoder.misplacedRootHints)
        else { return nil }

        if let v = m["stormdrill"] {
            if case .number(let n, _) = v.value, n == Double(Plan.formatVersion) {
                // ok
            } else if case .number(let n, _) = v.value {
                report(
                    v, [.key("stormdrill")],
                    "unsupported plan format version \(PlanDecoder.format(n));"
                        + " this build reads version \(Plan.formatVersion)"
                )
            } else {
                report(v, [.key("stormdrill")], "must be the format version number 1 (got \(v.typeName))")
            }
        }
        if let s = m["$schema"], s.stringValue == nil {
            report(s, [.key("$schema")], "must be a string")
        }
        let name = m["name"].flatMap { string($0, [.key("name")]) }
        if let name, name.count > 100 { report(m["name"]!, [.key("name")], "must be at most 100 characters") }
        var description = ""
        if let d = m["description"] { description = string(d, [.key("description")], nonEmpty: false) ?? "" }
        var seed: UInt64 = 1
        if let s = m["seed"] {
            if case .number(_, let text) = s.value, let v = UInt64(text) {
                seed = v
            } else {
                report(
                    s, [.key("seed")],
                    "must be a non-negative whole number"
                        + " (got \(s.typeName == "a number" ? (s.compactJSON()) : s.typeName))"
                )
            }
        }
        if let v = m["vars"] { decodeVars(v) }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if vars[name] != nil {
                vars[name] = value
            } else {
                var message = "--var \(name): the plan defines no var \"\(name)\""
                if let s = Suggestion.closest(to: name, in: vars.keys.sorted()) {
                    message += "; did you mean \"\(s)\"?"
                }
                report(m["vars"] ?? root, [.key("vars")], message)
            }
        }
        if let s = m["secrets"] { decodeSecretVars(s) }

        let target = m["target"].flatMap { decodeTarget($0) }
        let load = m["load"].flatMap { decodeLoad($0) }
        let journeys = m["journeys"].flatMap { decodeJourneys($0) }
        var slo = ServiceLevelObjective()
        if let s = m["slo"] { slo = decodeSLO(s) ?? slo }
        var dependencies: [Dependency] = []
        if let d = m["dependencies"] {
            dependencies = decodeDependencies(d)
            if case .embedded = target?.endpoint { checkEmbeddedDependencies(dependencies, d) }
        }
        var faults: [Fault] = []
        if let f = m["faults"] {
            faults = decodeFaults(
                f, dependencies: dependencies, hasProcess: target?.process != nil, loadDuration: load?.duration)
        }
        var abortWhen: [AbortCondition] = []
        var promQLAborts: [PromQLAbortCondition] = []
        if let a = m["abortWhen"] { (abortWhen, promQLAborts) = decodeAbortWhen(a) }
        var monitoring: MonitoringPlan?
        if let mo = m["monitoring"] { monitoring = decodeMonitoring(mo, faults: faults) }
        if !promQLAborts.isEmpty {
            if monitoring != nil {
                monitoring?.abortWhen = promQLAborts
            } else if m["monitoring"] == nil, let a = m["abortWhen"] {
                report(a, [.key("abortWhen")], "a PromQL \"query\" condition needs \"monitoring.prometheus\"")
            }
        }

        var gameDay: GameDay?
        var phaseThresholds: [(phase: String, node: JSONNode, path: [PathComponent])] = []
        if let g = m["gameDay"] { (gameDay, phaseThresholds) = decodeGameDay(g, load: load) }

        let checks = decodeChecks(
            m, journeys: journeys, faults: faults, load: load, gameDay: gameDay, phaseThresholds: phaseThresholds)
        if !promQLProbes.isEmpty {
            if monitoring != nil {
                monitoring?.probes = promQLProbes
            } else if m["monitoring"] == nil, let p = m["probes"] {
                report(p, [.key("probes")], "a probe of kind \"prometheus\" needs \"monitoring.prometheus\"")
            }
        }

        guard let name, let target, let load, let journeys else { return nil }
        return Plan(
            name: name, description: description, seed: seed, vars: vars, target: target, load: load,
            journeys: journeys, slo: slo, dependencies: dependencies, faults: faults, abortWhen: abortWhen,
            checks: checks, gameDay: gameDay, monitoring: monitoring, redactor: SecretRedactor(secrets))
    }

    static let misplacedRootHints: [String: String] = [
        "stages": "\"stages\" belongs inside \"load\"",
        "rate": "\"rate\" belongs in a stage inside \"load.stages\"",
        "users": "\"users\" belongs inside \"load\" (closed model)",
        "steps": "\"steps\" belongs inside a journey in \"journeys\"",
        "baseURL": "\"baseURL\" belongs inside \"target\"",
        "timeout": "\"timeout\" belongs inside \"target\"",
        "headers": "\"headers\" belongs inside \"target\" or a step",
        "p99": "\"p99\" belongs inside \"slo\"",
        "errorRate": "\"errorRate\" belongs inside \"slo\"",
        "fault": "a list of faults is \"faults\"",
        "dependency": "a list of dependencies is \"dependencies\"",
        "abort": "stop conditions are \"abortWhen\"",
        "phases": "\"phases\" belong inside \"gameDay\"",
        "gameday": "write \"gameDay\"",
        "prometheus": "\"prometheus\" belongs inside \"monitoring\"",
        "expectAlerts": "\"expectAlerts\" belongs inside \"monitoring\"",
    ]

    private mutating func decodeVars(_ node: JSONNode) {
        let path: [PathComponent] = [.key("vars")]
        guard let members = node.members else {
            report(node, path, "must be an object of string values (got \(node.typeName))")
            return
        }
        for m in members {
            let p = path + [.key(m.key)]
            guard PlanDecoder.isIdentifier(m.key) else {
                report(at: m.keyPosition, p, "var names may use letters, digits, '_' and '-' and start with a letter")
                continue
            }
            guard let s = m.value.stringValue else {
                report(m.value, p, "must be a string (got \(m.value.typeName)); vars are strings")
                continue
            }
            if vars[m.key] != nil { report(at: m.keyPosition, p, "duplicate key \"\(m.key)\"") }
            vars[m.key] = s
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_" else {
            return false
        }
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }

    // MARK: - SLO

    private mutating func decodeSLO(_ node: JSONNode) -> ServiceLevelObjective? {
        let path: [PathComponent] = [.key("slo")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.sloKeys,
                elsewhere: ["p99.9": "write \"p999\" for the 99.9th percentile"])
        else { return nil }
        var slo = ServiceLevelObjective(errorRate: nil)
        slo.p50 = m["p50"].flatMap { duration($0, path + [.key("p50")]) }
        slo.p90 = m["p90"].flatMap { duration($0, path + [.key("p90")]) }
        slo.p95 = m["p95"].flatMap { duration($0, path + [.key("p95")]) }
        slo.p99 = m["p99"].flatMap { duration($0, path + [.key("p99")]) }
        slo.p999 = m["p999"].flatMap { duration($0, path + [.key("p999")]) }
        if let e = m["errorRate"], let v = number(e, path + [.key("errorRate")]) {
            if v < 0 || v > 1 {
                report(
                    e, path + [.key("errorRate")],
                    "must be a share between 0 and 1 (got \(PlanDecoder.format(v)); 1 % is 0.01)")
            } else {
                slo.errorRate = v
            }
        }
        if let a = m["availability"], let v = number(a, path + [.key("availability")]) {
            if v <= 0 || v >= 1 {
                report(
                    a, path + [.key("availability")],
                    "must be a share between 0 and 1, exclusive (got \(PlanDecoder.format(v)); 99.9 % is 0.999)")
            } else {
                slo.availability = v
            }
        }
        if let w = m["window"] {
            if let text = string(w, path + [.key("window")]) {
                switch PlanDecoder.budgetWindow(text) {
                case .success(let seconds): slo.windowSeconds = seconds
                case .failure(let problem): report(w, path + [.key("window")], problem.message)
                }
            }
            if m["availability"] == nil {
                report(w, path + [.key("window")], "the window is the error budget's: it needs \"availability\"")
            }
        }
        return slo
    }

    /// An error-budget window: whole days (`30d`) or a duration (`720h`), from 1 hour to 366 days.
    static func budgetWindow(_ text: String) -> Result<Double, PlanProblem> {
        var seconds: Double?
        if text.hasSuffix("d"), let days = Int(text.dropLast()), days > 0, days <= 366 {
            seconds = Double(days) * 86_400
        } else if text.hasSuffix("d") {
            return .failure(
                PlanProblem("must be whole days from 1d to 366d, or a duration such as 720h (got \"\(shown(text))\")"))
        } else if let d = PlanDuration(parsing: text) {
            seconds = d.seconds
        }
        guard let seconds else {
            return .failure(
                PlanProblem("must be whole days (\"30d\") or a duration (\"720h\") (got \"\(shown(text))\")"))
        }
        guard seconds >= 3600, seconds <= 366 * 86_400 else {
            return .failure(PlanProblem("must be from 1h to 366d (got \"\(shown(text))\")"))
        }
        return .success(seconds)
    }
}

extension String {
    /// `data.id` → `data/id`, for JSON Pointer suggestions.
    func replacingDots() -> String {
        String(unicodeScalars.map { $0 == "." ? "/" : Character($0) })
    }
}
