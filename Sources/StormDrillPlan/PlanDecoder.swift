import Foundation

/// Turns a parsed JSON document into a validated `Plan`, collecting every problem with its position and JSON path.
///
/// The decoder is the authority on what a valid plan is; `plans/schema.json` mirrors it for editors and other
/// tools (a test keeps the two in agreement on the shipped plans and the documented bad cases).
public struct PlanDecoder {
    private let file: String
    private var diagnostics: [PlanDiagnostic] = []
    private(set) var vars: [String: String] = [:]
    private var basePath = ""
    /// `--var NAME=VALUE` values that replace the plan's own.
    private var overrides: [String: String] = [:]

    /// Top-level keys, in the order the docs list them.
    static let rootKeys = [
        "$schema", "stormdrill", "name", "description", "seed", "vars", "target", "load",
        "journeys", "slo", "dependencies", "faults", "abortWhen", "thresholds", "audit", "probes", "forecast",
        "analysis", "gameDay",
    ]
    static let targetKeys = ["baseURL", "embedded", "profile", "headers", "timeout", "connections", "process"]
    /// Profiles of the embedded campus platform.
    static let campusProfiles = ["resilient", "fragile"]
    static let openKeys = ["model", "arrival", "stages", "shape", "maxInFlight"]
    static let closedKeys = ["model", "users", "thinkTime", "duration"]
    static let stageKeys = ["duration", "rate", "from", "to"]
    static let shapeKeys = ["name", "peakRate", "duration"]
    static let journeyKeys = ["name", "weight", "steps"]
    static let stepKeys = ["name", "method", "path", "headers", "body", "expect", "extract", "think"]
    static let sloKeys = ["p50", "p90", "p95", "p99", "p999", "errorRate"]
    static let embeddedTargets = ["campus"]
    /// Headers StormDrill writes itself; a plan may not set them.
    static let managedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    private init(file: String) {
        self.file = file
    }

    /// Decodes a plan from its bytes. `file` is only used in messages.
    public static func decode(
        _ bytes: [UInt8], file: String, overrides: [String: String] = [:]
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
        return decode(root, file: file, overrides: overrides)
    }

    /// Decodes a plan from a parsed document. `overrides` replace the values of vars the plan defines.
    public static func decode(
        _ root: JSONNode, file: String, overrides: [String: String] = [:]
    ) -> Result<Plan, PlanError> {
        var decoder = PlanDecoder(file: file)
        decoder.overrides = overrides
        let plan = decoder.decodeRoot(root)
        if let plan, decoder.diagnostics.isEmpty { return .success(plan) }
        var seen = Set<PlanDiagnostic>()
        let unique = decoder.diagnostics.filter { seen.insert($0).inserted }.sorted()
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
        guard v == v.rounded(), let i = Int(exactly: v) else {
            report(node, path, "must be a whole number (got \(PlanDecoder.format(v)))")
            return nil
        }
        guard i >= min else {
            report(
                node, path,
                i <= 0 && min == 1 ? "must be greater than 0 (got \(i))" : "must be at least \(min) (got \(i))")
            return nil
        }
        guard i <= max else {
            report(node, path, "must be at most \(max) (got \(i))")
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
        guard let d = PlanDuration(parsing: text) else {
            var message = "invalid duration \"\(text)\"; use a number with a unit: ms, s, m or h (\"250ms\", \"10s\")"
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
        if d > PlanDuration.seconds(7 * 24 * 3600) {
            report(node, path, "must be at most 168h (got \"\(text)\")")
            return nil
        }
        return d
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
        if let a = m["abortWhen"] { abortWhen = decodeAbortWhen(a) }

        var gameDay: GameDay?
        var phaseThresholds: [(phase: String, node: JSONNode, path: [PathComponent])] = []
        if let g = m["gameDay"] { (gameDay, phaseThresholds) = decodeGameDay(g, load: load) }

        let checks = decodeChecks(
            m, journeys: journeys, faults: faults, load: load, gameDay: gameDay, phaseThresholds: phaseThresholds)

        guard let name, let target, let load, let journeys else { return nil }
        return Plan(
            name: name, description: description, seed: seed, vars: vars, target: target, load: load,
            journeys: journeys, slo: slo, dependencies: dependencies, faults: faults, abortWhen: abortWhen,
            checks: checks, gameDay: gameDay)
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

    // MARK: - Target

    private mutating func decodeTarget(_ node: JSONNode) -> Target? {
        let path: [PathComponent] = [.key("target")]
        guard let m = object(node, path, allowed: PlanDecoder.targetKeys) else { return nil }
        var endpoint: Target.Endpoint?
        switch (m["baseURL"], m["embedded"]) {
        case (nil, nil):
            report(node, path, "needs \"baseURL\" (a running service) or \"embedded\": \"campus\"")
        case (.some(let u), .some):
            report(u, path + [.key("baseURL")], "use either \"baseURL\" or \"embedded\", not both")
        case (.some(let u), nil):
            if let text = string(u, path + [.key("baseURL")]) {
                switch TargetURL.parse(text) {
                case .success(let url):
                    endpoint = .url(url)
                    basePath = url.basePath
                case .failure(let problem):
                    report(u, path + [.key("baseURL")], problem.message)
                }
            }
        case (nil, .some(let e)):
            if let name = string(e, path + [.key("embedded")]) {
                if PlanDecoder.embeddedTargets.contains(name) {
                    endpoint = .embedded(name)
                } else {
                    var message = "unknown embedded target \"\(name)\""
                    if let s = Suggestion.closest(to: name, in: PlanDecoder.embeddedTargets) {
                        message += "; did you mean \"\(s)\"?"
                    } else {
                        message += " (available: campus)"
                    }
                    report(e, path + [.key("embedded")], message)
                }
            }
        }
        var headers: [Header] = []
        if let h = m["headers"] { headers = decodeHeaders(h, path + [.key("headers")], extracts: [:]) ?? [] }
        var timeout = Target.defaultTimeout
        if let t = m["timeout"] { timeout = duration(t, path + [.key("timeout")]) ?? timeout }
        var connections: Int?
        if let c = m["connections"] { connections = integer(c, path + [.key("connections")], min: 1, max: 100_000) }
        var profile: String?
        if let pn = m["profile"], let text = string(pn, path + [.key("profile")]) {
            if case .embedded = endpoint, let value = staticText(text, pn, path + [.key("profile")]) {
                if PlanDecoder.campusProfiles.contains(value) {
                    profile = value
                } else {
                    var message = "unknown campus profile \"\(value)\"; use \"resilient\" or \"fragile\""
                    if let s = Suggestion.closest(to: value, in: PlanDecoder.campusProfiles) {
                        message += "; did you mean \"\(s)\"?"
                    }
                    report(pn, path + [.key("profile")], message)
                }
            } else if endpoint != nil, case .url = endpoint {
                report(
                    pn, path + [.key("profile")],
                    "\"profile\" chooses how the embedded campus platform behaves; it needs \"embedded\": \"campus\"")
            }
        }
        var process: TargetProcess?
        if let p = m["process"] {
            process = decodeTargetProcess(p)
            if case .embedded = endpoint {
                report(p, path + [.key("process")], "a started process needs \"baseURL\", not \"embedded\"")
            }
        }
        guard let endpoint else { return nil }
        return Target(
            endpoint: endpoint, headers: headers, timeout: timeout, connections: connections, process: process,
            profile: profile)
    }

    mutating func decodeHeaders(
        _ node: JSONNode, _ path: [PathComponent], extracts: [String: Int], definedLater: Set<String> = []
    ) -> [Header]? {
        guard let members = node.members else {
            report(node, path, "must be an object of header names to string values (got \(node.typeName))")
            return nil
        }
        var out: [Header] = []
        var seen = Set<String>()
        for m in members {
            let p = path + [.key(m.key)]
            guard PlanDecoder.isHeaderToken(m.key) else {
                report(at: m.keyPosition, p, "\"\(m.key)\" is not a valid header name")
                continue
            }
            if PlanDecoder.managedHeaders.contains(m.key.lowercased()) {
                report(at: m.keyPosition, p, "\(m.key) is set by StormDrill and cannot be overridden")
                continue
            }
            if !seen.insert(m.key.lowercased()).inserted {
                report(at: m.keyPosition, p, "duplicate header \"\(m.key)\"")
                continue
            }
            guard let value = m.value.stringValue else {
                report(m.value, p, "must be a string (got \(m.value.typeName))")
                continue
            }
            // Scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
                report(m.value, p, "header values must not contain line breaks")
                continue
            }
            if let t = compileTemplate(
                value, node: m.value, p, context: .text, extracts: extracts,
                definedLater: definedLater)
            {
                out.append(Header(name: m.key, value: t))
            }
        }
        return out
    }

    static func isHeaderToken(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        let extra = Set("!#$%&'*+-.^_`|~".unicodeScalars)
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || extra.contains($0))
        }
    }

    // MARK: - Load

    private mutating func decodeLoad(_ node: JSONNode) -> Load? {
        let path: [PathComponent] = [.key("load")]
        guard let members = node.members else {
            report(node, path, "must be an object (got \(node.typeName))")
            return nil
        }
        let modelNode = members.first { $0.key == "model" }?.value
        var model = "open"
        if let modelNode {
            guard let s = string(modelNode, path + [.key("model")]) else { return nil }
            guard s == "open" || s == "closed" else {
                var message = "unknown load model \"\(s)\"; use \"open\" (arrival rate) or \"closed\" (virtual users)"
                if let c = Suggestion.closest(to: s, in: ["open", "closed"]) { message += "; did you mean \"\(c)\"?" }
                report(modelNode, path + [.key("model")], message)
                return nil
            }
            model = s
        } else {
            report(node, path, "missing required key \"model\" (\"open\" or \"closed\")")
            return nil
        }
        if model == "closed" {
            let hints = Dictionary(
                uniqueKeysWithValues: ["arrival", "stages", "shape", "maxInFlight"].map {
                    ($0, "\"\($0)\" is only for the open model")
                })
            guard
                let m = object(
                    node, path, allowed: PlanDecoder.closedKeys, required: ["users", "duration"],
                    elsewhere: hints)
            else { return nil }
            let users = m["users"].flatMap { integer($0, path + [.key("users")], min: 1, max: 100_000) }
            var think = PlanDuration.zero
            if let t = m["thinkTime"] { think = duration(t, path + [.key("thinkTime")], allowZero: true) ?? think }
            let d = m["duration"].flatMap { duration($0, path + [.key("duration")]) }
            guard let users, let d else { return nil }
            return .closed(ClosedLoad(users: users, thinkTime: think, duration: d))
        }
        let hints = Dictionary(
            uniqueKeysWithValues: ["users", "thinkTime"].map {
                ($0, "\"\($0)\" is only for the closed model")
            }
        ).merging([
            "rate": "\"rate\" belongs in a stage: \"stages\": [{\"duration\": \"30s\", \"rate\": 50}]",
            "duration": "an open load's duration comes from its stages or shape",
        ]) { a, _ in a }
        guard let m = object(node, path, allowed: PlanDecoder.openKeys, elsewhere: hints) else { return nil }
        var arrival = ArrivalProcess.uniform
        if let a = m["arrival"], let s = string(a, path + [.key("arrival")]) {
            if let p = ArrivalProcess(rawValue: s) {
                arrival = p
            } else {
                var message = "unknown arrival process \"\(s)\"; use \"uniform\" or \"poisson\""
                if let c = Suggestion.closest(to: s, in: ArrivalProcess.allCases.map(\.rawValue)) {
                    message += "; did you mean \"\(c)\"?"
                }
                report(a, path + [.key("arrival")], message)
            }
        }
        var maxInFlight = OpenLoad.defaultMaxInFlight
        if let n = m["maxInFlight"] {
            maxInFlight = integer(n, path + [.key("maxInFlight")], min: 1, max: 10_000_000) ?? maxInFlight
        }
        var stages: [Stage]?
        var shape: CampusShape?
        switch (m["stages"], m["shape"]) {
        case (nil, nil):
            report(node, path, "an open load needs \"stages\" or a campus \"shape\"")
        case (.some(let s), .some):
            report(s, path + [.key("stages")], "use either \"stages\" or \"shape\", not both")
        case (.some(let s), nil):
            stages = decodeStages(s, path + [.key("stages")])
        case (nil, .some(let s)):
            shape = decodeShape(s, path + [.key("shape")])
            stages = shape?.expand()
        }
        guard let stages else { return nil }
        let total = stages.reduce(PlanDuration.zero) { $0 + $1.duration }
        if total > PlanDuration.seconds(7 * 24 * 3600) {
            report(node, path, "the stages last \(total), more than the 168h limit")
        }
        return .open(OpenLoad(arrival: arrival, stages: stages, shape: shape, maxInFlight: maxInFlight))
    }

    private mutating func decodeStages(_ node: JSONNode, _ path: [PathComponent]) -> [Stage]? {
        guard let elements = node.elements else {
            report(node, path, "must be an array of stages (got \(node.typeName))")
            return nil
        }
        guard !elements.isEmpty else {
            report(node, path, "must have at least one stage")
            return nil
        }
        var stages: [Stage] = []
        var ok = true
        var previousRate = 0.0
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard let m = object(e, p, allowed: PlanDecoder.stageKeys, required: ["duration"]) else {
                ok = false
                continue
            }
            let d = m["duration"].flatMap { duration($0, p + [.key("duration")]) }
            var from: Double?
            var to: Double?
            if let r = m["rate"] {
                if m["from"] != nil || m["to"] != nil {
                    report(
                        r, p + [.key("rate")], "use either \"rate\" (constant) or \"from\"/\"to\" (a ramp), not both")
                    ok = false
                } else if let v = rate(r, p + [.key("rate")], allowZero: false) {
                    from = v
                    to = v
                }
            } else if let t = m["to"] {
                to = rate(t, p + [.key("to")], allowZero: true)
                if let f = m["from"] {
                    from = rate(f, p + [.key("from")], allowZero: true)
                } else {
                    from = previousRate
                }
                if let from, let to, from == 0, to == 0 {
                    report(e, p, "a ramp from 0 to 0 sends nothing; give \"to\" a rate above 0")
                    ok = false
                }
            } else if let f = m["from"] {
                report(f, p, "a ramp needs \"to\": {\"duration\": \"1m\", \"from\": 20, \"to\": 400}")
                ok = false
            } else {
                // A misspelt "rate" was already reported with a suggestion; otherwise say what a stage needs.
                let hasUnknownKey = e.members?.contains { !PlanDecoder.stageKeys.contains($0.key) } ?? false
                if !hasUnknownKey {
                    report(e, p, "a stage needs \"rate\" (constant) or \"from\" and \"to\" (a ramp)")
                }
                ok = false
            }
            if let d, let from, let to {
                stages.append(Stage(duration: d, from: from, to: to))
                previousRate = to
            } else {
                ok = false
            }
        }
        return ok ? stages : nil
    }

    private mutating func rate(_ node: JSONNode, _ path: [PathComponent], allowZero: Bool) -> Double? {
        guard let v = number(node, path) else { return nil }
        if v < 0 || (!allowZero && v == 0) {
            report(node, path, "must be greater than 0 (got \(PlanDecoder.format(v)))")
            return nil
        }
        if v > 1_000_000 {
            report(node, path, "must be at most 1000000 journeys per second (got \(PlanDecoder.format(v)))")
            return nil
        }
        return v
    }

    private mutating func decodeShape(_ node: JSONNode, _ path: [PathComponent]) -> CampusShape? {
        guard let m = object(node, path, allowed: PlanDecoder.shapeKeys, required: ["name", "peakRate", "duration"])
        else { return nil }
        var name: CampusShape.Name?
        if let n = m["name"], let s = string(n, path + [.key("name")]) {
            name = CampusShape.Name(rawValue: s)
            if name == nil {
                let all = CampusShape.Name.allCases.map(\.rawValue)
                var message = "unknown campus shape \"\(s)\""
                if let c = Suggestion.closest(to: s, in: all) {
                    message += "; did you mean \"\(c)\"?"
                } else {
                    message += " (available: \(all.joined(separator: ", ")))"
                }
                report(n, path + [.key("name")], message)
            }
        }
        let peak = m["peakRate"].flatMap { rate($0, path + [.key("peakRate")], allowZero: false) }
        let d = m["duration"].flatMap { duration($0, path + [.key("duration")]) }
        if let d, d < PlanDuration.seconds(1) {
            report(m["duration"]!, path + [.key("duration")], "a campus shape needs at least \"1s\"")
            return nil
        }
        guard let name, let peak, let d else { return nil }
        return CampusShape(name: name, peakRate: peak, duration: d)
    }

    // MARK: - Journeys

    private mutating func decodeJourneys(_ node: JSONNode) -> [Journey]? {
        let path: [PathComponent] = [.key("journeys")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of journeys (got \(node.typeName))")
            return nil
        }
        guard !elements.isEmpty else {
            report(node, path, "must have at least one journey")
            return nil
        }
        var journeys: [Journey] = []
        var names = Set<String>()
        var ok = true
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard let j = decodeJourney(e, p) else {
                ok = false
                continue
            }
            if !names.insert(j.name).inserted {
                report(e["name"] ?? e, p + [.key("name")], "duplicate journey name \"\(j.name)\"")
                ok = false
            }
            journeys.append(j)
        }
        guard ok else { return nil }
        let totalWeight = journeys.reduce(0) { $0 + $1.weight }
        if totalWeight <= 0 {
            report(node, path, "journey weights sum to 0; give at least one journey a weight above 0")
            return nil
        }
        return journeys
    }

    private mutating func decodeJourney(_ node: JSONNode, _ path: [PathComponent]) -> Journey? {
        guard
            let m = object(
                node, path, allowed: PlanDecoder.journeyKeys, required: ["name", "steps"],
                elsewhere: [
                    "method": "\"method\" belongs in a step inside \"steps\"",
                    "path": "\"path\" belongs in a step inside \"steps\"",
                ])
        else { return nil }
        let name = m["name"].flatMap { string($0, path + [.key("name")]) }
        var weight = 1.0
        if let w = m["weight"], let v = number(w, path + [.key("weight")]) {
            if v < 0 {
                report(w, path + [.key("weight")], "must not be negative (got \(PlanDecoder.format(v)))")
            } else {
                weight = v
            }
        }
        guard let stepsNode = m["steps"] else { return nil }
        let sp = path + [.key("steps")]
        guard let elements = stepsNode.elements else {
            report(stepsNode, sp, "must be an array of steps (got \(stepsNode.typeName))")
            return nil
        }
        guard !elements.isEmpty else {
            report(stepsNode, sp, "must have at least one step")
            return nil
        }
        // Names every step defines, so that a use before the definition can say where it is defined.
        var definedByStep: [Set<String>] = []
        for e in elements {
            var names = Set<String>()
            if let ex = e["extract"]?.members { for m in ex { names.insert(m.key) } }
            definedByStep.append(names)
        }
        var slots: [String: Int] = [:]
        var slotNames: [String] = []
        var steps: [Step] = []
        var stepNames = Set<String>()
        var ok = true
        for (i, e) in elements.enumerated() {
            let later = definedByStep[i...].reduce(into: Set<String>()) { $0.formUnion($1) }
            guard
                let step = decodeStep(
                    e, sp + [.index(i)], extracts: slots, definedLater: later,
                    slotNames: &slotNames)
            else {
                ok = false
                // Still register this step's extract names so later steps do not report them again.
                for n in definedByStep[i] where slots[n] == nil {
                    slots[n] = slotNames.count
                    slotNames.append(n)
                }
                continue
            }
            if !stepNames.insert(step.name).inserted {
                report(
                    e["name"] ?? e, sp + [.index(i), .key("name")],
                    "duplicate step name \"\(step.name)\" in this journey")
                ok = false
            }
            for x in step.extract { slots[x.name] = x.slot }
            steps.append(step)
        }
        guard ok, let name else { return nil }
        return Journey(name: name, weight: weight, steps: steps, extractNames: slotNames)
    }

    private mutating func decodeStep(
        _ node: JSONNode, _ path: [PathComponent], extracts: [String: Int], definedLater: Set<String>,
        slotNames: inout [String]
    ) -> Step? {
        guard
            let m = object(
                node, path, allowed: PlanDecoder.stepKeys, required: ["name", "path"],
                elsewhere: [
                    "url": "use \"path\"; the host comes from \"target.baseURL\"",
                    "status": "use \"expect\": [200, 201]",
                    "weight": "\"weight\" belongs to a journey, not a step",
                ])
        else { return nil }
        var ok = true
        let name = m["name"].flatMap { string($0, path + [.key("name")]) }
        var method = HTTPMethodName.GET
        if let n = m["method"], let s = string(n, path + [.key("method")]) {
            if let parsed = HTTPMethodName(rawValue: s.uppercased()) {
                method = parsed
            } else {
                report(
                    n, path + [.key("method")],
                    "unknown method \"\(s)\" (use \(HTTPMethodName.allCases.map(\.rawValue).joined(separator: ", ")))")
                ok = false
            }
        }
        var pathTemplate: Template?
        if let pn = m["path"], let text = string(pn, path + [.key("path")]) {
            if !text.hasPrefix("/") {
                let hint = text.lowercased().hasPrefix("http") ? "; put the host in \"target.baseURL\"" : ""
                report(pn, path + [.key("path")], "must start with \"/\" (got \"\(text)\")\(hint)")
            } else if text.unicodeScalars.contains(where: { $0 == " " || $0.value < 0x21 || $0.value == 0x7F }) {
                report(pn, path + [.key("path")], "must not contain spaces or control characters; percent-encode them")
            } else if let t = compileTemplate(
                basePath + text, node: pn, path + [.key("path")], context: .path,
                extracts: extracts, definedLater: definedLater,
                scalarShift: -basePath.unicodeScalars.count)
            {
                pathTemplate = t
            }
        }
        var headers: [Header] = []
        if let h = m["headers"] {
            if let parsed = decodeHeaders(h, path + [.key("headers")], extracts: extracts, definedLater: definedLater) {
                headers = parsed
            } else {
                ok = false
            }
        }
        var body: Template?
        if let b = m["body"] {
            body = compileBody(b, path + [.key("body")], extracts: extracts, definedLater: definedLater)
            if body == nil { ok = false }
        }
        var expect: Set<Int>?
        if let x = m["expect"] {
            let p = path + [.key("expect")]
            if let elements = x.elements, !elements.isEmpty {
                var set = Set<Int>()
                for (i, e) in elements.enumerated() {
                    if let code = integer(e, p + [.index(i)], min: 100, max: 599) {
                        set.insert(code)
                    } else {
                        ok = false
                    }
                }
                expect = set
            } else if case .number = x.value, let code = integer(x, p, min: 100, max: 599) {
                expect = [code]
            } else {
                report(x, p, "must be a non-empty array of status codes such as [200, 201] (got \(x.typeName))")
                ok = false
            }
        }
        var extractions: [Extraction] = []
        if let x = m["extract"] {
            let p = path + [.key("extract")]
            if let members = x.members {
                for member in members {
                    let mp = p + [.key(member.key)]
                    guard PlanDecoder.isIdentifier(member.key) else {
                        report(
                            at: member.keyPosition, mp,
                            "extract names may use letters, digits, '_' and '-' and start with a letter")
                        ok = false
                        continue
                    }
                    guard let text = member.value.stringValue else {
                        report(
                            member.value, mp,
                            "must be a JSON Pointer string such as \"/id\" (got \(member.value.typeName))")
                        ok = false
                        continue
                    }
                    guard let pointer = JSONPointer(text) else {
                        var message = "\"\(text)\" is not a JSON Pointer; pointers start with \"/\""
                        if !text.hasPrefix("/") && !text.isEmpty {
                            let fixed = "/" + text.replacingDots()
                            message += "; did you mean \"\(fixed)\"?"
                        }
                        report(member.value, mp, message)
                        ok = false
                        continue
                    }
                    let slot: Int
                    if let existing = extracts[member.key] ?? slotNames.firstIndex(of: member.key) {
                        slot = existing
                    } else {
                        slot = slotNames.count
                        slotNames.append(member.key)
                    }
                    extractions.append(Extraction(name: member.key, slot: slot, pointer: pointer))
                }
            } else {
                report(
                    x, p, "must be an object of names to JSON Pointers, e.g. {\"orderId\": \"/id\"} (got \(x.typeName))"
                )
                ok = false
            }
        }
        var think = PlanDuration.zero
        if let t = m["think"] {
            if let d = duration(t, path + [.key("think")], allowZero: true) { think = d } else { ok = false }
        }
        guard ok, let name, let pathTemplate else { return nil }
        return Step(
            name: name, method: method, path: pathTemplate, headers: headers, body: body, expect: expect,
            extract: extractions, think: think)
    }

    // MARK: - Templates

    /// Compiles one template string. `scalarShift` corrects placeholder columns when text was prepended.
    mutating func compileTemplate(
        _ text: String, node: JSONNode, _ path: [PathComponent], context: TemplateContext,
        extracts: [String: Int], definedLater: Set<String>, scalarShift: Int = 0
    ) -> Template? {
        switch TemplateScanner.scan(text) {
        case .failure(let e):
            report(at: shifted(node.position, by: e.scalarOffset + scalarShift + 1), path, e.message)
            return nil
        case .success(let pieces):
            var parts: [TemplatePart] = []
            var ok = true
            for piece in pieces {
                switch piece {
                case .text(let t):
                    parts.append(.literal(Array(t.utf8)))
                case .placeholder(let ph):
                    let position = shifted(node.position, by: ph.scalarOffset + scalarShift + 1)
                    switch resolve(ph.name, extracts: extracts, definedLater: definedLater) {
                    case .failure(let problem):
                        report(at: position, path, problem.message)
                        ok = false
                    case .success(.literal(let value)):
                        switch context {
                        case .text where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }):
                            report(
                                at: position, path, "{{\(ph.name)}} contains a line break, which a header cannot carry")
                            ok = false
                        case .path:
                            // Vars are plain text: percent-encode what a path cannot carry as is.
                            var encoded: [UInt8] = []
                            for b in value.utf8 {
                                if Template.isPathSafe(b) || b == UInt8(ascii: "/") || b == UInt8(ascii: "?")
                                    || b == UInt8(ascii: "&") || b == UInt8(ascii: "%")
                                {
                                    encoded.append(b)
                                } else {
                                    encoded.appendByte(UInt8(ascii: "%"))
                                    encoded.appendHex(UInt64(b), digits: 2, uppercase: true)
                                }
                            }
                            parts.append(.literal(encoded))
                        default:
                            parts.append(.literal(Array(value.utf8)))
                        }
                    case .success(.variable(let v)):
                        if case .order(.items) = v, context != .text {
                            report(
                                at: position, path,
                                "{{order.items}} is a JSON array;"
                                    + " use it as a whole body value: \"items\": \"{{order.items}}\""
                            )
                            ok = false
                        }
                        parts.append(.variable(v, context))
                    }
                }
            }
            return ok ? Template(parts: parts) : nil
        }
    }

    private func shifted(_ p: SourcePosition, by scalars: Int) -> SourcePosition {
        SourcePosition(line: p.line, column: p.column + max(0, scalars), offset: p.offset + max(0, scalars))
    }

    private enum Resolved {
        case literal(String)
        case variable(TemplateVariable)
    }

    private func resolve(
        _ name: String, extracts: [String: Int], definedLater: Set<String>
    ) -> Result<Resolved, PlanProblem> {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        let known =
            OrderField.allCases.map { "order.\($0.rawValue)" } + vars.keys.sorted().map { "vars.\($0)" }
            + extracts.keys.sorted().map { "extract.\($0)" }
        func unknown(_ extra: String = "") -> Result<Resolved, PlanProblem> {
            var message = "unknown template variable {{\(name)}}\(extra)"
            if let s = Suggestion.closest(to: name, in: known) {
                message += "; did you mean {{\(s)}}?"
            } else {
                message += " (use order.FIELD, vars.NAME or extract.NAME)"
            }
            return .failure(PlanProblem(message))
        }
        guard parts.count == 2, !parts[1].isEmpty else { return unknown() }
        switch parts[0] {
        case "order":
            if let f = OrderField(rawValue: parts[1]) { return .success(.variable(.order(f))) }
            let fields = OrderField.allCases.map(\.rawValue)
            if let s = Suggestion.closest(to: parts[1], in: fields, allowPrefix: false) {
                return .failure(PlanProblem("unknown template variable {{\(name)}}; did you mean {{order.\(s)}}?"))
            }
            return .failure(
                PlanProblem(
                    "unknown template variable {{\(name)}} (order fields: \(fields.joined(separator: ", ")))"))
        case "vars":
            if let v = vars[parts[1]] { return .success(.literal(v)) }
            if vars.isEmpty { return .failure(PlanProblem("{{\(name)}} uses a var but the plan defines no \"vars\"")) }
            return unknown(" (no var named \"\(parts[1])\" in \"vars\")")
        case "extract":
            if let slot = extracts[parts[1]] { return .success(.variable(.extract(slot: slot, name: parts[1]))) }
            if definedLater.contains(parts[1]) {
                return .failure(
                    PlanProblem(
                        "{{\(name)}} is used before it is defined: a later step (or this one) extracts"
                            + " \"\(parts[1])\"; only values extracted by earlier steps of the journey can be used"
                    ))
            }
            return .failure(
                PlanProblem(
                    "{{\(name)}} is not extracted by any earlier step of this journey"
                        + (Suggestion.closest(to: parts[1], in: Array(extracts.keys)).map {
                            "; did you mean {{extract.\($0)}}?"
                        } ?? "")))
        default:
            return unknown()
        }
    }

    /// Compiles a JSON body into a template: strings may hold placeholders; a string that is exactly one
    /// placeholder renders as a JSON value (so `"items": "{{order.items}}"` becomes an array).
    private mutating func compileBody(
        _ node: JSONNode, _ path: [PathComponent], extracts: [String: Int], definedLater: Set<String>
    ) -> Template? {
        var parts: [TemplatePart] = []
        var ok = true
        func literal(_ s: String) { parts.append(.literal(Array(s.utf8))) }
        func walk(_ n: JSONNode, _ p: [PathComponent]) {
            switch n.value {
            case .null, .bool, .number:
                literal(n.compactJSON())
            case .string(let s):
                guard s.contains("{{") else {
                    literal(n.compactJSON())
                    return
                }
                // Exactly one placeholder and nothing else: a JSON value.
                if case .success(let pieces) = TemplateScanner.scan(s), pieces.count == 1,
                    case .placeholder(let ph) = pieces[0]
                {
                    switch resolve(ph.name, extracts: extracts, definedLater: definedLater) {
                    case .failure(let problem):
                        report(at: shifted(n.position, by: ph.scalarOffset + 1), p, problem.message)
                        ok = false
                    case .success(.literal(let v)):
                        var quoted = ""
                        JSONNode.writeQuoted(v, into: &quoted)
                        literal(quoted)
                    case .success(.variable(let v)):
                        parts.append(.variable(v, .jsonValue))
                    }
                    return
                }
                // Mixed text: render inside the quotes, escaping literal text now.
                literal("\"")
                if let t = compileTemplate(
                    s, node: n, p, context: .jsonString, extracts: extracts,
                    definedLater: definedLater)
                {
                    for part in t.parts {
                        if case .literal(let bytes) = part {
                            literal(JSONNode.escapeJSONStringContent(String(decoding: bytes, as: UTF8.self)))
                        } else {
                            parts.append(part)
                        }
                    }
                } else {
                    ok = false
                }
                literal("\"")
            case .array(let elements):
                literal("[")
                for (i, e) in elements.enumerated() {
                    if i > 0 { literal(",") }
                    walk(e, p + [.index(i)])
                }
                literal("]")
            case .object(let members):
                literal("{")
                for (i, m) in members.enumerated() {
                    if i > 0 { literal(",") }
                    var key = ""
                    JSONNode.writeQuoted(m.key, into: &key)
                    literal(key + ":")
                    walk(m.value, p + [.key(m.key)])
                }
                literal("}")
            }
        }
        walk(node, path)
        return ok ? Template(parts: parts) : nil
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
        return slo
    }
}

extension String {
    /// `data.id` → `data/id`, for JSON Pointer suggestions.
    func replacingDots() -> String {
        String(unicodeScalars.map { $0 == "." ? "/" : Character($0) })
    }
}
