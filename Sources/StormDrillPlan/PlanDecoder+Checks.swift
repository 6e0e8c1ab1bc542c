import Foundation

/// Decoding of `thresholds`, `audit`, `probes`, `forecast` and `analysis`.
extension PlanDecoder {
    static let thresholdKeys = ["metric", "during"] + Threshold.Comparison.allCases.map(\.rawValue)
    static let auditKeys = ["method", "path", "headers", "expect", "found", "compensation", "concurrency", "timeout"]
    static let probeKeys = ["name", "kind", "method", "path", "every", "timeout", "expect", "condition"]
    static let promQLProbeKeys = ["name", "kind", "query", "every", "timeout", "condition"]
    static let conditionKeys = ["pointer", "exists", "equals", "notEquals", "oneOf"]
    static let forecastKeys = ["peakRate", "headroom"]
    static let analysisKeys = [
        "errorTolerance", "latencyFactor", "latencyFloor", "throughputFloor", "stableFor", "minIncident",
        "capacityWindow",
    ]

    mutating func decodeChecks(
        _ m: [String: JSONNode], journeys: [Journey]?, faults: [Fault], load: Load?, gameDay: GameDay? = nil,
        phaseThresholds: [(phase: String, node: JSONNode, path: [PathComponent])] = []
    ) -> DrillChecks {
        var checks = DrillChecks()
        if let f = m["forecast"] {
            checks.forecast = decodeForecast(f)
            if case .closed = load {
                report(f, [.key("forecast")], "a forecast is checked against the capacity an open-model ramp finds")
            }
        }
        if let a = m["analysis"] { checks.analysis = decodeAnalysis(a) }
        if let p = m["probes"] { checks.probes = decodeProbes(p) }
        if let a = m["audit"], let journeys { checks.audit = decodeAudit(a, journeys: journeys) }
        let context = ThresholdContext(
            faults: faults, phases: gameDay?.phases.map(\.name) ?? [], hasAudit: m["audit"] != nil,
            hasCompensation: m["audit"]?.members?.contains { $0.key == "compensation" } == true,
            hasProbes: m["probes"] != nil, hasForecast: m["forecast"] != nil, load: load,
            hasExpectedAlerts: m["monitoring"]?.members?.contains { $0.key == "expectAlerts" } == true,
            hasMonitoring: m["monitoring"] != nil,
            hasAvailability: m["slo"]?.members?.contains { $0.key == "availability" } == true)
        if let t = m["thresholds"] {
            checks.thresholds = decodeThresholds(t, [.key("thresholds")], context)
        }
        // A game-day phase's thresholds are ordinary thresholds scoped to the phase.
        for (phase, node, path) in phaseThresholds {
            checks.thresholds += decodeThresholds(node, path, context, fixedPhase: phase)
        }
        return checks
    }

    // MARK: - Thresholds

    /// What a threshold may refer to.
    struct ThresholdContext {
        var faults: [Fault]
        var phases: [String]
        var hasAudit: Bool
        var hasCompensation: Bool
        var hasProbes: Bool
        var hasForecast: Bool
        var load: Load?
        var hasExpectedAlerts = false
        var hasMonitoring = false
        var hasAvailability = false
    }

    /// `fixedPhase`: the thresholds of a game-day phase, scoped to it (they take no `during`).
    private mutating func decodeThresholds(
        _ node: JSONNode, _ path: [PathComponent], _ context: ThresholdContext, fixedPhase: String? = nil
    ) -> [Threshold] {
        let faults = context.faults
        let hasAudit = context.hasAudit
        let hasCompensation = context.hasCompensation
        let hasProbes = context.hasProbes
        let hasForecast = context.hasForecast
        let load = context.load
        guard let elements = node.elements else {
            report(node, path, "must be an array of thresholds (got \(node.typeName))")
            return []
        }
        let metrics = ThresholdMetric.allCases.map(\.rawValue)
        var out: [Threshold] = []
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard
                let m = object(
                    e, p, allowed: PlanDecoder.thresholdKeys, required: ["metric"],
                    elsewhere: [
                        "phase": "the phase is \"during\"", "lessThan": "write \"below\"", "max": "write \"atMost\"",
                        "min": "write \"atLeast\"",
                        "threshold": "write the limit as \"below\", \"above\", \"atMost\","
                            + " \"atLeast\" or \"equals\"",
                    ])
            else { continue }
            var metric: ThresholdMetric?
            if let mn = m["metric"], let s = string(mn, p + [.key("metric")]) {
                metric = ThresholdMetric(rawValue: s) ?? (s == "p999" ? .p999 : nil)
                if metric == nil {
                    report(
                        mn, p + [.key("metric")],
                        "unknown metric \"\(s)\"" + hint(s, metrics)
                            + " (metrics: \(metrics.joined(separator: ", ")))"
                    )
                }
            }
            let given = Threshold.Comparison.allCases.filter { m[$0.rawValue] != nil }
            if given.isEmpty {
                report(e, p, "needs a limit: one of \"below\", \"above\", \"atMost\", \"atLeast\" or \"equals\"")
            } else if given.count > 1 {
                report(e, p, "give one limit, not \(given.map { "\"\($0.rawValue)\"" }.joined(separator: " and "))")
            }
            var during = fixedPhase.map { DrillPhase.phase($0) } ?? .whole
            if fixedPhase != nil, let d = m["during"] {
                report(
                    d, p + [.key("during")], "a phase's thresholds are measured over the phase: leave \"during\" out")
            } else if let d = m["during"], let s = string(d, p + [.key("during")]) {
                if let phase = phase(s, faults: faults, phases: context.phases) {
                    during = phase
                } else {
                    let names =
                        ["whole", "baseline", "recovery"] + faults.map { "fault:\($0.name)" }
                        + context.phases.map { "phase:\($0)" }
                    report(
                        d, p + [.key("during")],
                        "unknown phase \"\(s)\"" + hint(s, names) + " (phases: \(names.joined(separator: ", ")))")
                }
            }
            // Where a scope problem is pointed at: the "during" given, or the metric of a phase's threshold.
            if let metric, during != .whole, let d = m["during"] ?? m["metric"] {
                let dp = p + [.key(m["during"] != nil ? "during" : "metric")]
                switch metric.phaseScoped {
                case .anyPhase: break
                case .faults:
                    if case .fault = during {
                    } else {
                        report(
                            d, dp,
                            "\(metric.rawValue) is measured per fault: use \"fault:NAME\" or leave \"during\" out"
                                + " (the worst over all faults)")
                    }
                case .wholeOnly:
                    report(d, dp, "\(metric.rawValue) is measured over the whole drill only")
                }
                if faults.isEmpty && (during == .baseline || during == .recovery) {
                    report(d, dp, "the plan has no faults, so there is no \"\(during)\" phase")
                }
            }
            guard let metric, given.count == 1, let comparison = given.first, let limitNode = m[comparison.rawValue]
            else { continue }
            let lp = p + [.key(comparison.rawValue)]
            switch metric {
            case .lostOrders, .duplicateOrders:
                if !hasAudit { report(m["metric"]!, p + [.key("metric")], "\(metric.rawValue) needs an \"audit\"") }
            case .compensationRate:
                if !hasCompensation {
                    report(
                        m["metric"]!, p + [.key("metric")],
                        "compensationRate needs an \"audit\" with a \"compensation\" condition")
                }
            case .timeToAnnounce:
                if context.phases.isEmpty {
                    report(
                        m["metric"]!, p + [.key("metric")],
                        "timeToAnnounce needs a \"gameDay\" (announcements are made there)")
                }
            case .timeToDetect:
                if !context.hasExpectedAlerts {
                    report(
                        m["metric"]!, p + [.key("metric")],
                        "timeToDetect needs \"monitoring.expectAlerts\" (the alerts the faults must raise)")
                }
            case .errorBudget:
                if !context.hasAvailability {
                    report(
                        m["metric"]!, p + [.key("metric")],
                        "errorBudget needs \"slo.availability\" (the target the budget is counted from)")
                }
            case .falseAlarms:
                if !context.hasMonitoring {
                    report(
                        m["metric"]!, p + [.key("metric")],
                        "falseAlarms needs a \"monitoring\" section (the Prometheus whose alerts are watched)")
                }
            case .timeToNotice, .timeToClear:
                if !hasProbes { report(m["metric"]!, p + [.key("metric")], "\(metric.rawValue) needs \"probes\"") }
            case .timeToImpact, .impactDuration, .timeToRecover:
                if faults.isEmpty { report(m["metric"]!, p + [.key("metric")], "\(metric.rawValue) needs \"faults\"") }
            case .capacity:
                if case .open = load {
                } else if load != nil {
                    report(m["metric"]!, p + [.key("metric")], "capacity is found by an open-model ramp")
                }
            default: break
            }
            var limit: Double?
            var text = ""
            switch metric.unit {
            case .duration:
                if let d = duration(limitNode, lp, allowZero: true) {
                    limit = d.milliseconds
                    text = limitNode.stringValue ?? d.description
                }
            case .share:
                if let v = number(limitNode, lp) {
                    if (0...1).contains(v) {
                        limit = v
                        text = PlanDecoder.format(v)
                    } else {
                        report(
                            limitNode, lp, "must be a share between 0 and 1 (got \(PlanDecoder.format(v)); 5 % is 0.05)"
                        )
                    }
                }
            case .count:
                if let v = integer(limitNode, lp, min: 0, max: Int.max) {
                    limit = Double(v)
                    text = String(v)
                }
            case .rate:
                if metric == .capacity, limitNode.stringValue == "forecast" {
                    text = "forecast"
                    if !hasForecast { report(limitNode, lp, "\"forecast\" needs the plan's \"forecast\"") }
                } else if let v = number(limitNode, lp) {
                    if v >= 0 {
                        limit = v
                        text = "\(PlanDecoder.format(v))/s"
                    } else {
                        report(limitNode, lp, "must not be negative")
                    }
                }
            }
            guard !text.isEmpty else { continue }
            out.append(
                Threshold(metric: metric, comparison: comparison, limit: limit, limitText: text, during: during))
        }
        return out
    }

    private func phase(_ s: String, faults: [Fault], phases: [String]) -> DrillPhase? {
        switch s {
        case "whole": return .whole
        case "baseline": return .baseline
        case "recovery": return .recovery
        default:
            if s.hasPrefix("phase:") {
                let name = String(s.dropFirst(6))
                return phases.contains(name) ? .phase(name) : nil
            }
            guard s.hasPrefix("fault:") else { return nil }
            let name = String(s.dropFirst(6))
            return faults.contains { $0.name == name } ? .fault(name) : nil
        }
    }

    // MARK: - Conditions

    mutating func decodeCondition(_ node: JSONNode, _ path: [PathComponent]) -> JSONCondition? {
        guard
            let m = object(
                node, path, allowed: PlanDecoder.conditionKeys, required: ["pointer"],
                elsewhere: [
                    "path": "the value's location is a JSON Pointer: \"pointer\"", "in": "write \"oneOf\"",
                    "is": "write \"equals\"", "not": "write \"notEquals\"",
                ])
        else { return nil }
        var pointer: JSONPointer?
        if let pn = m["pointer"], let text = string(pn, path + [.key("pointer")], nonEmpty: false) {
            pointer = JSONPointer(text)
            if pointer == nil {
                report(pn, path + [.key("pointer")], "\"\(text)\" is not a JSON Pointer; pointers start with \"/\"")
            }
        }
        let tests = ["exists", "equals", "notEquals", "oneOf"].filter { m[$0] != nil }
        guard tests.count == 1 else {
            report(
                node, path,
                tests.isEmpty
                    ? "needs a test: \"exists\": true, \"equals\", \"notEquals\" or \"oneOf\""
                    : "give one test, not \(tests.map { "\"\($0)\"" }.joined(separator: " and "))")
            return nil
        }
        let t = m[tests[0]]!
        var test: JSONCondition.Test?
        switch tests[0] {
        case "exists":
            if case .bool(true) = t.value {
                test = .exists
            } else {
                report(t, path + [.key("exists")], "must be true (to require absence, use \"notEquals\" with a value)")
            }
        case "equals": test = scalar(t, path + [.key("equals")]).map { .equals($0) }
        case "notEquals": test = scalar(t, path + [.key("notEquals")]).map { .notEquals($0) }
        default:
            if let elements = t.elements, !elements.isEmpty {
                var values: [JSONNode.Value] = []
                for (i, e) in elements.enumerated() {
                    if let v = scalar(e, path + [.key("oneOf"), .index(i)]) { values.append(v) }
                }
                if values.count == elements.count { test = .oneOf(values) }
            } else {
                report(t, path + [.key("oneOf")], "must be a non-empty array of values")
            }
        }
        guard let pointer, let test else { return nil }
        return JSONCondition(pointer: pointer, test: test)
    }

    private mutating func scalar(_ node: JSONNode, _ path: [PathComponent]) -> JSONNode.Value? {
        switch node.value {
        case .array, .object:
            report(node, path, "must be a string, number, boolean or null (got \(node.typeName))")
            return nil
        default:
            return node.value
        }
    }

    private mutating func statuses(_ node: JSONNode, _ path: [PathComponent]) -> Set<Int>? {
        if let elements = node.elements, !elements.isEmpty {
            var set = Set<Int>()
            for (i, e) in elements.enumerated() {
                guard let code = integer(e, path + [.index(i)], min: 100, max: 599) else { return nil }
                set.insert(code)
            }
            return set
        }
        if case .number = node.value, let code = integer(node, path, min: 100, max: 599) { return [code] }
        report(node, path, "must be a status code or a non-empty array of status codes")
        return nil
    }

    private mutating func method(_ node: JSONNode, _ path: [PathComponent]) -> HTTPMethodName? {
        guard let s = string(node, path) else { return nil }
        if let m = HTTPMethodName(rawValue: s.uppercased()) { return m }
        report(
            node, path, "unknown method \"\(s)\"" + hint(s.uppercased(), HTTPMethodName.allCases.map(\.rawValue)))
        return nil
    }

    // MARK: - Audit

    private mutating func decodeAudit(_ node: JSONNode, journeys: [Journey]) -> OrderAudit? {
        let path: [PathComponent] = [.key("audit")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.auditKeys, required: ["path"],
                elsewhere: [
                    "condition": "what a found order must satisfy is \"found\"", "url": "the lookup is \"path\"",
                ])
        else { return nil }
        guard let pn = m["path"], let text = string(pn, path + [.key("path")]) else { return nil }
        guard text.hasPrefix("/") else {
            report(pn, path + [.key("path")], "must start with \"/\"")
            return nil
        }
        // The one extract the lookup names: the acknowledged order's id.
        let used = Set(
            text.components(separatedBy: "{{extract.").dropFirst().compactMap { $0.components(separatedBy: "}}").first }
        )
        guard used.count == 1, let name = used.first else {
            report(
                pn, path + [.key("path")],
                used.isEmpty
                    ? "must name the acknowledged order with {{extract.NAME}} (the id a step extracts, e.g."
                        + " /orders/{{extract.orderId}})"
                    : "may use one extract, the order's id (got \(used.sorted().joined(separator: ", ")))")
            return nil
        }
        var steps: [(step: Int, slot: Int)] = []
        var keyHeaders: [Int: Template] = [:]
        var index = 0
        for j in journeys {
            for s in j.steps {
                if let x = s.extract.first(where: { $0.name == name }) {
                    steps.append((index, x.slot))
                    if let key = s.headers.first(where: { $0.name.lowercased() == "idempotency-key" }) {
                        keyHeaders[index] = key.value
                    }
                }
                index += 1
            }
        }
        if steps.isEmpty {
            let all = Array(Set(journeys.flatMap(\.extractNames))).sorted()
            report(
                pn, path + [.key("path")],
                "no step extracts \"\(name)\", so no order is acknowledged"
                    + (Suggestion.closest(to: name, in: all).map { "; did you mean {{extract.\($0)}}?" } ?? ""))
            return nil
        }
        guard
            let template = compileTemplate(
                text, node: pn, path + [.key("path")], context: .path, extracts: [name: 0], definedLater: [])
        else { return nil }
        if template.parts.contains(where: { if case .variable(.order, _) = $0 { true } else { false } }) {
            report(pn, path + [.key("path")], "the audit runs after the load: it can use vars and the order's extract")
            return nil
        }
        var method = HTTPMethodName.GET
        if let mn = m["method"], let v = self.method(mn, path + [.key("method")]) { method = v }
        var headers: [Header] = []
        if let h = m["headers"] {
            headers = decodeHeaders(h, path + [.key("headers")], extracts: [:]) ?? []
            if headers.contains(where: { !$0.value.isStatic }) {
                report(h, path + [.key("headers")], "audit headers can use vars only")
            }
        }
        let expect = m["expect"].flatMap { statuses($0, path + [.key("expect")]) }
        let found = m["found"].flatMap { decodeCondition($0, path + [.key("found")]) }
        let compensation = m["compensation"].flatMap { decodeCondition($0, path + [.key("compensation")]) }
        var concurrency = 16
        if let c = m["concurrency"], let v = integer(c, path + [.key("concurrency")], min: 1, max: 1024) {
            concurrency = v
        }
        var timeout = PlanDuration.seconds(5)
        if let t = m["timeout"], let d = duration(t, path + [.key("timeout")]) { timeout = d }
        return OrderAudit(
            extractName: name, acknowledgingSteps: steps, keyHeaders: keyHeaders, method: method, path: template,
            headers: headers, expect: expect, found: found, compensation: compensation, concurrency: concurrency,
            timeout: timeout, requestText: "\(method.rawValue) \(text)")
    }

    // MARK: - Probes

    private mutating func decodeProbes(_ node: JSONNode) -> [Probe] {
        let path: [PathComponent] = [.key("probes")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of probes (got \(node.typeName))")
            return []
        }
        var out: [Probe] = []
        var names = Set<String>()
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            if let kind = e.members?.first(where: { $0.key == "kind" })?.value {
                switch kind.stringValue {
                case "prometheus":
                    if let probe = decodePromQLProbe(e, p) {
                        if names.insert(probe.name).inserted {
                            promQLProbes.append(probe)
                        } else {
                            report(e, p + [.key("name")], "duplicate probe name \"\(probe.name)\"")
                        }
                    }
                    continue
                case "http":
                    break
                default:
                    report(kind, p + [.key("kind")], "must be \"http\" (the default) or \"prometheus\"")
                    continue
                }
            }
            guard
                let m = object(
                    e, p, allowed: PlanDecoder.probeKeys, required: ["name", "path", "condition"],
                    elsewhere: ["interval": "the polling interval is \"every\"", "found": "write \"condition\""])
            else { continue }
            var name = m["name"].flatMap { string($0, p + [.key("name")]) }
            if let n = name, !names.insert(n).inserted {
                report(m["name"]!, p + [.key("name")], "duplicate probe name \"\(n)\"")
                name = nil
            }
            var probePath: String?
            if let pn = m["path"], let text = string(pn, p + [.key("path")]) {
                if !text.hasPrefix("/") {
                    report(pn, p + [.key("path")], "must start with \"/\"")
                } else if let t = compileTemplate(
                    text, node: pn, p + [.key("path")], context: .path, extracts: [:], definedLater: []),
                    let bytes = t.staticBytes
                {
                    probePath = String(decoding: bytes, as: UTF8.self)
                } else {
                    report(pn, p + [.key("path")], "probe paths can use vars only")
                }
            }
            var method = HTTPMethodName.GET
            if let mn = m["method"], let v = self.method(mn, p + [.key("method")]) { method = v }
            var every = PlanDuration.seconds(1)
            if let en = m["every"], let d = duration(en, p + [.key("every")]) {
                if d.milliseconds < 50 {
                    report(en, p + [.key("every")], "must be at least 50ms (a probe is not load)")
                } else {
                    every = d
                }
            }
            var timeout = min(every, PlanDuration.seconds(2))
            if let tn = m["timeout"], let d = duration(tn, p + [.key("timeout")]) { timeout = d }
            let expect = m["expect"].flatMap { statuses($0, p + [.key("expect")]) }
            let condition = m["condition"].flatMap { decodeCondition($0, p + [.key("condition")]) }
            guard let name, let probePath, let condition else { continue }
            out.append(
                Probe(
                    name: name, method: method, path: probePath, every: every, timeout: timeout, expect: expect,
                    condition: condition))
        }
        return out
    }

    /// `{"name": …, "kind": "prometheus", "query": "…", "condition": {"above": 0}}`.
    private mutating func decodePromQLProbe(_ node: JSONNode, _ p: [PathComponent]) -> PromQLProbe? {
        guard
            let m = object(
                node, p, allowed: PlanDecoder.promQLProbeKeys, required: ["name", "query", "condition"],
                elsewhere: [
                    "path": "a probe of kind \"prometheus\" asks a PromQL \"query\", not a path",
                    "interval": "the polling interval is \"every\"",
                ])
        else { return nil }
        let name = m["name"].flatMap { string($0, p + [.key("name")]) }
        let query = m["query"].flatMap { promQL($0, p + [.key("query")]) }
        var every = PlanDuration.seconds(1)
        if let en = m["every"], let d = duration(en, p + [.key("every")]) {
            if d.milliseconds < 100 {
                report(en, p + [.key("every")], "must be at least 100ms for a Prometheus probe")
            } else {
                every = d
            }
        }
        var timeout = min(every, PlanDuration.seconds(2))
        if let tn = m["timeout"], let d = duration(tn, p + [.key("timeout")]) { timeout = d }
        var condition: SampleCondition?
        if let c = m["condition"] {
            let cp = p + [.key("condition")]
            if let cm = object(
                c, cp, allowed: SampleCondition.Comparison.allCases.map(\.rawValue),
                elsewhere: [
                    "pointer": "a Prometheus probe tests the first sample's value: \"above\", \"below\" or \"equals\""
                ])
            {
                condition = sampleCondition(cm, c, cp)
            }
        }
        guard let name, let query, let condition else { return nil }
        return PromQLProbe(name: name, query: query, every: every, timeout: timeout, condition: condition)
    }

    // MARK: - Forecast and analysis

    private mutating func decodeForecast(_ node: JSONNode) -> Forecast? {
        let path: [PathComponent] = [.key("forecast")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.forecastKeys, required: ["peakRate"],
                elsewhere: [
                    "rate": "write \"peakRate\"", "margin": "the safety factor is \"headroom\" (1.5 = 50 % more)",
                ])
        else { return nil }
        var peak: Double?
        if let p = m["peakRate"], let v = number(p, path + [.key("peakRate")]) {
            if v > 1_000_000 {
                report(
                    p, path + [.key("peakRate")],
                    "is too large: at most 1000000 journeys/s (got \(PlanDecoder.format(v)))")
            } else if v > 0 {
                peak = v
            } else {
                report(p, path + [.key("peakRate")], "must be above 0 journeys/s")
            }
        }
        var headroom = 1.0
        if let h = m["headroom"], let v = number(h, path + [.key("headroom")]) {
            if v > 100 {
                report(h, path + [.key("headroom")], "is too large: at most 100 (got \(PlanDecoder.format(v)))")
            } else if v >= 1 {
                headroom = v
            } else {
                report(h, path + [.key("headroom")], "must be at least 1 (1.5 means 50 % above the forecast peak)")
            }
        }
        return peak.map { Forecast(peakRate: $0, headroom: headroom) }
    }

    private mutating func decodeAnalysis(_ node: JSONNode) -> AnalysisSettings {
        let path: [PathComponent] = [.key("analysis")]
        var s = AnalysisSettings()
        guard let m = object(node, path, allowed: PlanDecoder.analysisKeys) else { return s }
        func positive(_ key: String, _ apply: (Double) -> Void, max: Double = .infinity) {
            guard let n = m[key], let v = number(n, path + [.key(key)]) else { return }
            if v > 0 && v <= max {
                apply(v)
            } else {
                report(
                    n, path + [.key(key)],
                    "must be above 0" + (max < .infinity ? " and at most \(PlanDecoder.format(max))" : ""))
            }
        }
        positive("errorTolerance", { s.errorTolerance = $0 }, max: 1)
        positive("latencyFactor", { s.latencyFactor = $0 }, max: 1000)
        positive("throughputFloor", { s.throughputFloor = $0 }, max: 1)
        if let n = m["latencyFloor"], let d = duration(n, path + [.key("latencyFloor")], allowZero: true) {
            s.latencyFloor = d
        }
        if let n = m["stableFor"], let d = duration(n, path + [.key("stableFor")]) { s.stableFor = d }
        if let n = m["minIncident"], let d = duration(n, path + [.key("minIncident")]) { s.minIncident = d }
        if let n = m["capacityWindow"], let d = duration(n, path + [.key("capacityWindow")]) {
            if d.seconds >= 1 {
                s.capacityWindow = d
            } else {
                report(n, path + [.key("capacityWindow")], "must be at least 1s (capacity is judged second by second)")
            }
        }
        return s
    }
}
