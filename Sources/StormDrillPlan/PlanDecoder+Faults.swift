import Foundation

/// Decoding of `dependencies`, `faults`, `abortWhen` and `target.process`.
extension PlanDecoder {
    static let dependencyKeys = ["name", "listen", "upstream", "protocol"]
    static let processKeys = ["argv", "env", "ready", "readyTimeout"]
    static let abortKeys = ["metric", "above", "for"]
    static let faultCommonKeys = ["name", "type", "at", "duration"]
    static let proxyFaultKeys = ["dependency"]
    static let faultTypes = ["down"] + ToxicType.allCases.map(\.rawValue) + ["kill", "pause", "command"]

    /// The attributes each fault type takes beyond the common keys.
    static func faultKeys(for type: String) -> [String] {
        switch type {
        case "down": proxyFaultKeys
        case "latency": proxyFaultKeys + ["latency", "jitter", "stream", "toxicity"]
        case "bandwidth": proxyFaultKeys + ["rate", "stream", "toxicity"]
        case "slow_close": proxyFaultKeys + ["delay", "stream", "toxicity"]
        case "timeout", "reset_peer": proxyFaultKeys + ["timeout", "stream", "toxicity"]
        case "slicer": proxyFaultKeys + ["average_size", "size_variation", "delay", "stream", "toxicity"]
        case "limit_data": proxyFaultKeys + ["bytes", "stream", "toxicity"]
        case "http_error": proxyFaultKeys + ["status", "rate", "body"]
        case "http_delay": proxyFaultKeys + ["delay", "jitter", "rate"]
        case "fail_first": proxyFaultKeys + ["count", "status"]
        case "blackhole": proxyFaultKeys + ["rate"]
        case "kill": ["signal", "restartAfter"]
        case "pause": []
        case "command": ["start", "rollback"]
        default: []
        }
    }

    // MARK: - Dependencies

    mutating func decodeDependencies(_ node: JSONNode) -> [Dependency] {
        let path: [PathComponent] = [.key("dependencies")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of dependencies (got \(node.typeName))")
            return []
        }
        var out: [Dependency] = []
        var names: [String: Int] = [:]
        var listens: [HostPort: Int] = [:]
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard
                let m = object(
                    e, p, allowed: PlanDecoder.dependencyKeys, required: ["name", "listen", "upstream"],
                    elsewhere: ["type": "a dependency's kind is \"protocol\": \"tcp\" or \"http\""])
            else { continue }
            var name = m["name"].flatMap { string($0, p + [.key("name")]) }
            if let n = name, !PlanDecoder.isIdentifier(n) {
                report(m["name"]!, p + [.key("name")], "names may use letters, digits, '_' and '-'")
                name = nil
            }
            if let n = name, let first = names[n] {
                report(
                    m["name"]!, p + [.key("name")], "duplicate dependency name \"\(n)\" (also dependencies[\(first)])")
                name = nil
            } else if let n = name {
                names[n] = i
            }
            let listen = m["listen"].flatMap { hostPort($0, p + [.key("listen")]) }
            let upstream = m["upstream"].flatMap { hostPort($0, p + [.key("upstream")]) }
            if let listen, let first = listens[listen] {
                report(
                    m["listen"]!, p + [.key("listen")],
                    "\(listen) is already the listen address of dependencies[\(first)]")
            }
            if let listen, let upstream, listen == upstream {
                report(
                    m["upstream"]!, p + [.key("upstream")], "must differ from \"listen\" (the proxy would call itself)")
            }
            var proto = DependencyProtocol.tcp
            if let pn = m["protocol"], let s = string(pn, p + [.key("protocol")]) {
                if let v = DependencyProtocol(rawValue: s) {
                    proto = v
                } else {
                    report(
                        pn, p + [.key("protocol")],
                        "unknown protocol \"\(s)\"; use \"tcp\" or \"http\""
                            + hint(s, DependencyProtocol.allCases.map(\.rawValue)))
                }
            }
            if let listen, listens[listen] == nil { listens[listen] = i }
            guard let name, let listen, let upstream else { continue }
            out.append(Dependency(name: name, listen: listen, upstream: upstream, proto: proto))
        }
        return out
    }

    /// The dependencies the embedded campus platform has: a plan dependency with another name would proxy nothing.
    static let campusDependencies = ["payment", "dispatch", "notification"]

    /// For `"embedded": "campus"`: each dependency must be one of the platform's own, and its upstream on loopback
    /// (the platform starts it there, on that port).
    mutating func checkEmbeddedDependencies(_ dependencies: [Dependency], _ node: JSONNode) {
        let elements = node.elements ?? []
        for (i, d) in dependencies.enumerated() {
            let element = elements.first { $0.members?.first { $0.key == "name" }?.value.stringValue == d.name }
            let index = elements.firstIndex { $0.members?.first { $0.key == "name" }?.value.stringValue == d.name } ?? i
            let path: [PathComponent] = [.key("dependencies"), .index(index)]
            if !PlanDecoder.campusDependencies.contains(d.name) {
                var message =
                    "the embedded campus platform has no dependency \"\(d.name)\" (it has payment, dispatch and"
                    + " notification)"
                if let s = Suggestion.closest(to: d.name, in: PlanDecoder.campusDependencies) {
                    message += "; did you mean \"\(s)\"?"
                }
                report(element?.members?.first { $0.key == "name" }?.value ?? node, path + [.key("name")], message)
            } else if !["127.0.0.1", "localhost", "::1"].contains(d.upstream.host) {
                report(
                    element?.members?.first { $0.key == "upstream" }?.value ?? node, path + [.key("upstream")],
                    "the embedded platform starts \(d.name) on loopback: use 127.0.0.1:PORT")
            }
        }
    }

    private mutating func hostPort(_ node: JSONNode, _ path: [PathComponent]) -> HostPort? {
        guard let s = string(node, path) else { return nil }
        switch HostPort.parse(s) {
        case .success(let hp): return hp
        case .failure(let problem):
            report(node, path, problem.message)
            return nil
        }
    }

    /// `; did you mean "X"?` for the closest candidate, or nothing.
    func hint(_ word: String, _ candidates: [String]) -> String {
        Suggestion.closest(to: word, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    // MARK: - Target process

    mutating func decodeTargetProcess(_ node: JSONNode) -> TargetProcess? {
        let path: [PathComponent] = [.key("target"), .key("process")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.processKeys, required: ["argv", "ready"],
                elsewhere: ["command": "the program and its arguments are \"argv\"", "args": "write \"argv\""])
        else { return nil }
        let argv = m["argv"].flatMap { argvList($0, path + [.key("argv")]) }
        var env: [String: String] = [:]
        if let e = m["env"] {
            if let members = e.members {
                for member in members {
                    let p = path + [.key("env"), .key(member.key)]
                    if member.key.isEmpty || member.key.contains("=") {
                        report(at: member.keyPosition, p, "must be a variable name without '='")
                    } else if let v = member.value.stringValue {
                        if let s = staticText(v, member.value, p, allowRun: true) { env[member.key] = s }
                    } else {
                        report(member.value, p, "must be a string (got \(member.value.typeName))")
                    }
                }
            } else {
                report(e, path + [.key("env")], "must be an object of strings (got \(e.typeName))")
            }
        }
        var ready: TargetURL?
        if let r = m["ready"], let text = string(r, path + [.key("ready")]) {
            switch TargetURL.parse(text) {
            case .success(let url):
                if url.isTLS {
                    report(r, path + [.key("ready")], "must be an http:// URL (readiness is polled without TLS)")
                } else {
                    ready = url
                }
            case .failure(let problem):
                report(r, path + [.key("ready")], problem.message.replacingOccurrences(of: "baseURL", with: "ready"))
            }
        }
        var readyTimeout = TargetProcess.defaultReadyTimeout
        if let t = m["readyTimeout"] { readyTimeout = duration(t, path + [.key("readyTimeout")]) ?? readyTimeout }
        guard let argv, let ready else { return nil }
        return TargetProcess(argv: argv, env: env, ready: ready, readyTimeout: readyTimeout)
    }

    /// A non-empty array of non-empty strings.
    private mutating func argvList(_ node: JSONNode, _ path: [PathComponent]) -> [String]? {
        guard let elements = node.elements else {
            var message = "must be an array of strings, program first (got \(node.typeName))"
            if node.stringValue != nil { message += "; write [\"program\", \"arg\", ...]" }
            report(node, path, message)
            return nil
        }
        guard !elements.isEmpty else {
            report(node, path, "must name a program")
            return nil
        }
        var out: [String] = []
        for (i, e) in elements.enumerated() {
            guard let s = e.stringValue else {
                report(e, path + [.index(i)], "must be a string (got \(e.typeName))")
                return nil
            }
            if i == 0 && s.isEmpty {
                report(e, path + [.index(i)], "the program must not be empty")
                return nil
            }
            guard let text = staticText(s, e, path + [.index(i)], allowRun: true) else { return nil }
            out.append(text)
        }
        return out
    }

    /// Replaces `{{vars.NAME}}` in a string that is fixed for the whole drill (argv, env, profile). With
    /// `allowRun`, `{{run.dir}}` (the run's report folder) is kept for the driver to fill in at run time.
    mutating func staticText(
        _ text: String, _ node: JSONNode, _ path: [PathComponent], allowRun: Bool = false
    ) -> String? {
        guard text.contains("{{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                report(node, path, "has an unclosed {{")
                return nil
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("vars."), let v = vars[String(name.dropFirst(5))] {
                out += v
            } else if name.hasPrefix("env.") {
                switch environmentValue(String(name.dropFirst(4))) {
                case .success(let v): out += v
                case .failure(let problem):
                    report(node, path, problem.message)
                    return nil
                }
            } else if allowRun && name == "run.dir" {
                out += "{{run.dir}}"
            } else {
                var message = "unknown placeholder {{\(name)}} here; use {{vars.NAME}}"
                message +=
                    allowRun ? ", {{env.NAME}} or {{run.dir}} (the run's report folder)" : " or {{env.NAME}}"
                if name.hasPrefix("vars."),
                    let s = Suggestion.closest(
                        to: String(name.dropFirst(5)), in: vars.keys.sorted())
                {
                    message += "; did you mean {{vars.\(s)}}?"
                }
                report(node, path, message)
                return nil
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    // MARK: - Faults

    mutating func decodeFaults(
        _ node: JSONNode, dependencies: [Dependency], hasProcess: Bool, loadDuration: PlanDuration?
    ) -> [Fault] {
        let path: [PathComponent] = [.key("faults")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of faults (got \(node.typeName))")
            return []
        }
        var out: [(fault: Fault, index: Int, node: JSONNode)] = []
        var names: [String: Int] = [:]
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard
                let fault = decodeFault(
                    e, p, dependencies: dependencies, hasProcess: hasProcess, loadDuration: loadDuration)
            else { continue }
            if let first = names[fault.name] {
                report(e, p + [.key("name")], "duplicate fault name \"\(fault.name)\" (also faults[\(first)])")
                continue
            }
            names[fault.name] = i
            out.append((fault, i, e))
        }
        // Conflicting windows: two faults that cannot both be in force at once.
        for j in out.indices {
            for i in out.indices where i < j {
                let first = out[i]
                let second = out[j]
                guard FaultSchedule.windowsOverlap(first.fault, second.fault),
                    let why = PlanDecoder.conflict(first.fault, second.fault)
                else { continue }
                let position = second.node.members?.first { $0.key == "at" }?.value ?? second.node
                report(
                    position, path + [.index(second.index), .key("at")],
                    "overlaps fault \"\(first.fault.name)\" (\(FaultSchedule.windowText(first.fault))): \(why);"
                        + " move one window or use a different dependency")
            }
        }
        return out.map(\.fault)
    }

    /// Why two overlapping faults conflict, or nil if they may be in force together.
    static func conflict(_ a: Fault, _ b: Fault) -> String? {
        if a.action.actsOnTargetProcess && b.action.actsOnTargetProcess {
            return "both act on the target process"
        }
        guard let da = a.action.dependency, let db = b.action.dependency, da == db else { return nil }
        if case .down = a.action { return "\"\(da)\" would be down and faulted at once" }
        if case .down = b.action { return "\"\(da)\" would be down and faulted at once" }
        if case .toxic(_, let ta) = a.action, case .toxic(_, let tb) = b.action, ta.type == tb.type,
            ta.type.isHTTP || ta.stream == tb.stream
        {
            return "two \(ta.type.rawValue) faults on \"\(da)\" at once"
        }
        return nil
    }

    private mutating func decodeFault(
        _ node: JSONNode, _ path: [PathComponent], dependencies: [Dependency], hasProcess: Bool,
        loadDuration: PlanDuration?
    ) -> Fault? {
        guard let members = node.members else {
            report(node, path, "must be an object (got \(node.typeName))")
            return nil
        }
        guard let typeNode = members.first(where: { $0.key == "type" })?.value else {
            report(
                node, path, "missing required key \"type\" (one of: \(PlanDecoder.faultTypes.joined(separator: ", ")))")
            return nil
        }
        guard let type = string(typeNode, path + [.key("type")]) else { return nil }
        guard PlanDecoder.faultTypes.contains(type) else {
            let message =
                "unknown fault type \"\(type)\"" + hint(type, PlanDecoder.faultTypes)
                + " (types: \(PlanDecoder.faultTypes.joined(separator: ", ")))"
            report(typeNode, path + [.key("type")], message)
            return nil
        }
        var required = ["name", "at"]
        if type != "kill" { required.append("duration") }
        if type == "command" { required += ["start", "rollback"] }
        if PlanDecoder.faultKeys(for: type).contains("dependency") { required.append("dependency") }
        var elsewhere: [String: String] = [:]
        if type == "kill" {
            elsewhere["duration"] = "a kill's window is \"restartAfter\" (leave it out to never restart)"
        }
        if type == "command" { elsewhere["argv"] = "a command fault has \"start\" and \"rollback\" argv lists" }
        guard
            let m = object(
                node, path, allowed: PlanDecoder.faultCommonKeys + PlanDecoder.faultKeys(for: type), required: required,
                elsewhere: elsewhere)
        else { return nil }
        var name = m["name"].flatMap { string($0, path + [.key("name")]) }
        if let n = name, !PlanDecoder.isIdentifier(n) {
            report(
                m["name"]!, path + [.key("name")], "names may use letters, digits, '_' and '-' and start with a letter")
            name = nil
        }
        let at = m["at"].flatMap { duration($0, path + [.key("at")], allowZero: true) }
        var window = m["duration"].flatMap { duration($0, path + [.key("duration")]) }

        // The dependency, for proxy faults.
        var dependency: Dependency?
        if let d = m["dependency"], let dn = string(d, path + [.key("dependency")]) {
            dependency = dependencies.first { $0.name == dn }
            if dependency == nil {
                var message = "no dependency named \"\(dn)\""
                let known = dependencies.map(\.name)
                if let s = Suggestion.closest(to: dn, in: known) {
                    message += "; did you mean \"\(s)\"?"
                } else if known.isEmpty {
                    message += "; declare it in \"dependencies\" first"
                } else {
                    message += " (declared: \(known.joined(separator: ", ")))"
                }
                report(d, path + [.key("dependency")], message)
            }
        }

        var action: FaultAction?
        switch type {
        case "down":
            if let dependency { action = .down(dependency: dependency.name) }
        case "kill":
            var signal = ProcessSignal.KILL
            if let s = m["signal"], let text = string(s, path + [.key("signal")]) {
                let bare =
                    text.uppercased().hasPrefix("SIG") ? String(text.uppercased().dropFirst(3)) : text.uppercased()
                if let v = ProcessSignal(rawValue: bare) {
                    signal = v
                } else {
                    report(
                        s, path + [.key("signal")],
                        "unknown signal \"\(text)\"; use one of \(ProcessSignal.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            }
            let restart = m["restartAfter"].flatMap { duration($0, path + [.key("restartAfter")]) }
            window = restart
            action = .kill(signal: signal, restartAfter: restart)
        case "pause":
            action = .pause
        case "command":
            let start = m["start"].flatMap { argvList($0, path + [.key("start")]) }
            let rollback = m["rollback"].flatMap { argvList($0, path + [.key("rollback")]) }
            if let start, let rollback { action = .command(start: start, rollback: rollback) }
        default:
            guard let toxicType = ToxicType(rawValue: type) else { return nil }
            if let spec = decodeToxic(toxicType, m, path), let dependency {
                if toxicType.isHTTP && dependency.proto != .http {
                    report(
                        m["dependency"]!, path + [.key("dependency")],
                        "\(type) is decided per HTTP request; dependency \"\(dependency.name)\" needs"
                            + " \"protocol\": \"http\"")
                } else {
                    action = .toxic(dependency: dependency.name, spec)
                }
            }
        }
        if let action, action.actsOnTargetProcess, !hasProcess {
            report(
                typeNode, path + [.key("type")],
                "\(type) acts on a target process the driver started: add \"target.process\" (argv, ready)")
            return nil
        }
        guard let name, let at, let action else { return nil }
        if type != "kill" && window == nil { return nil }
        let fault = Fault(name: name, at: at, duration: window, action: action)
        if let loadDuration {
            if at >= loadDuration {
                report(
                    m["at"]!, path + [.key("at")],
                    "starts at \(at), at or after the end of the load (\(loadDuration)); faults must start while"
                        + " load runs")
                return nil
            }
            if let end = fault.end, end > loadDuration {
                let key = type == "kill" ? "restartAfter" : "duration"
                report(
                    m[key] ?? node, path + [.key(key)],
                    "ends at \(end), after the load ends at \(loadDuration); shorten \"\(key)\" to at most"
                        + " \(PlanDuration(nanoseconds: loadDuration.nanoseconds - at.nanoseconds))")
                return nil
            }
        }
        return fault
    }

    private mutating func decodeToxic(_ type: ToxicType, _ m: [String: JSONNode], _ path: [PathComponent]) -> ToxicSpec?
    {
        var spec = ToxicSpec(type: type)
        var ok = true
        if let s = m["stream"], let text = string(s, path + [.key("stream")]) {
            if let v = ToxicStream(rawValue: text) {
                spec.stream = v
            } else {
                report(
                    s, path + [.key("stream")],
                    "must be \"upstream\" or \"downstream\"" + hint(text, ["upstream", "downstream"]))
                ok = false
            }
        }
        if let t = m["toxicity"] {
            if let v = share(t, path + [.key("toxicity")]) { spec.toxicity = v } else { ok = false }
        }
        /// A duration attribute in the proxy's unit (ms, or µs for the slicer).
        func time(_ key: String, required: Bool, allowZero: Bool, microseconds: Bool = false) {
            guard let n = m[key] else {
                if required {
                    report(Self.placeholder(m), path, "\(type.rawValue) needs \"\(key)\", a duration such as \"100ms\"")
                    ok = false
                }
                return
            }
            guard let d = duration(n, path + [.key(key)], allowZero: allowZero) else {
                ok = false
                return
            }
            spec.attributes[key] = microseconds ? Double(d.nanoseconds) / 1000 : d.milliseconds
        }
        func whole(_ key: String, required: Bool, min: Int, max: Int) {
            guard let n = m[key] else {
                if required {
                    report(Self.placeholder(m), path, "\(type.rawValue) needs \"\(key)\", a whole number")
                    ok = false
                }
                return
            }
            if let v = integer(n, path + [.key(key)], min: min, max: max) {
                spec.attributes[key] = Double(v)
            } else {
                ok = false
            }
        }
        func rate() {
            if let r = m["rate"] {
                if let v = share(r, path + [.key("rate")]) { spec.attributes["rate"] = v } else { ok = false }
            }
        }
        switch type {
        case .latency:
            time("latency", required: true, allowZero: false)
            time("jitter", required: false, allowZero: true)
        case .bandwidth:
            if let r = m["rate"] {
                if let v = number(r, path + [.key("rate")]), v >= 0, v <= 1e9 {
                    spec.attributes["rate"] = v
                } else {
                    if case .number(let v, _) = r.value {
                        report(
                            r, path + [.key("rate")],
                            v > 1e9 ? "is too large: at most 1000000000 KB/s" : "must be KB/s, 0 or more")
                    }
                    ok = false
                }
            } else {
                report(Self.placeholder(m), path, "bandwidth needs \"rate\" in KB/s")
                ok = false
            }
        case .slowClose:
            time("delay", required: true, allowZero: false)
        case .timeout, .resetPeer:
            time("timeout", required: false, allowZero: true)
        case .slicer:
            whole("average_size", required: true, min: 1, max: 1 << 30)
            whole("size_variation", required: false, min: 0, max: 1 << 30)
            time("delay", required: false, allowZero: true, microseconds: true)
            if let a = spec.attributes["average_size"], let v = spec.attributes["size_variation"], v >= a {
                report(m["size_variation"]!, path + [.key("size_variation")], "must be smaller than average_size")
                ok = false
            }
        case .limitData:
            whole("bytes", required: true, min: 0, max: Int(Int32.max))
        case .httpError:
            whole("status", required: true, min: 100, max: 599)
            rate()
            if let b = m["body"] {
                if let s = string(b, path + [.key("body")], nonEmpty: false) { spec.body = s } else { ok = false }
            }
        case .httpDelay:
            time("delay", required: true, allowZero: false)
            time("jitter", required: false, allowZero: true)
            rate()
        case .failFirst:
            whole("count", required: true, min: 1, max: 1_000_000_000)
            whole("status", required: false, min: 100, max: 599)
            if spec.attributes["status"] == nil { spec.attributes["status"] = 503 }
        case .blackhole:
            rate()
        }
        if type.isHTTP, let s = m["stream"] {
            report(s, path + [.key("stream")], "HTTP faults act on requests; \"stream\" does not apply")
            ok = false
        }
        return ok ? spec : nil
    }

    /// Any node of the fault object, to place a "needs key" message at.
    private static func placeholder(_ m: [String: JSONNode]) -> JSONNode {
        m["type"] ?? m.values.first!
    }

    /// A number from 0 to 1.
    private mutating func share(_ node: JSONNode, _ path: [PathComponent]) -> Double? {
        guard let v = number(node, path) else { return nil }
        guard (0...1).contains(v) else {
            report(node, path, "must be a share between 0 and 1 (got \(PlanDecoder.format(v)); 30 % is 0.3)")
            return nil
        }
        return v
    }

    // MARK: - abortWhen

    /// The conditions on the load's own figures, and those on a PromQL query (which need `monitoring`).
    mutating func decodeAbortWhen(_ node: JSONNode) -> (metrics: [AbortCondition], promQL: [PromQLAbortCondition]) {
        let path: [PathComponent] = [.key("abortWhen")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of conditions (got \(node.typeName))")
            return ([], [])
        }
        var out: [AbortCondition] = []
        var promQL: [PromQLAbortCondition] = []
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            if e.members?.contains(where: { $0.key == "query" }) == true {
                if let c = decodePromQLAbort(e, p) { promQL.append(c) }
                continue
            }
            guard
                let m = object(
                    e, p, allowed: PlanDecoder.abortKeys, required: ["metric", "above"],
                    elsewhere: ["below": "abort conditions trip when a metric goes \"above\" a limit"])
            else { continue }
            var metric: AbortMetric?
            if let mn = m["metric"], let s = string(mn, p + [.key("metric")]) {
                metric = AbortMetric(rawValue: s)
                if metric == nil {
                    report(
                        mn, p + [.key("metric")],
                        "unknown metric \"\(s)\"" + hint(s, AbortMetric.allCases.map(\.rawValue))
                            + " (metrics: \(AbortMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            var above: Double?
            if let metric, let a = m["above"] {
                if metric.isLatency {
                    above = duration(a, p + [.key("above")]).map { Double($0.nanoseconds) / 1000 }
                } else {
                    above = share(a, p + [.key("above")])
                }
            }
            var seconds = 1
            if let f = m["for"], let d = duration(f, p + [.key("for")]) {
                seconds = max(1, Int((d.seconds).rounded(.up)))
                if d.seconds != d.seconds.rounded() {
                    report(f, p + [.key("for")], "is checked once a second: use whole seconds (\"\(seconds)s\")")
                }
            }
            if let metric, let above { out.append(AbortCondition(metric: metric, above: above, forSeconds: seconds)) }
        }
        return (out, promQL)
    }

    static let promQLAbortKeys = ["query", "for"] + SampleCondition.Comparison.allCases.map(\.rawValue)

    private mutating func decodePromQLAbort(_ node: JSONNode, _ p: [PathComponent]) -> PromQLAbortCondition? {
        guard
            let m = object(
                node, p, allowed: PlanDecoder.promQLAbortKeys, required: ["query"],
                elsewhere: ["metric": "a condition has either a \"metric\" or a PromQL \"query\", not both"])
        else { return nil }
        let query = m["query"].flatMap { promQL($0, p + [.key("query")]) }
        let condition = sampleCondition(m, node, p)
        var seconds = 1
        if let f = m["for"], let d = duration(f, p + [.key("for")]) {
            seconds = max(1, Int((d.seconds).rounded(.up)))
            if d.seconds != d.seconds.rounded() {
                report(f, p + [.key("for")], "is checked once a second: use whole seconds (\"\(seconds)s\")")
            }
        }
        guard let query, let condition else { return nil }
        return PromQLAbortCondition(query: query, condition: condition, forSeconds: seconds)
    }

    /// A PromQL query: non-empty, at most 2,000 characters, vars allowed, no control characters.
    mutating func promQL(_ node: JSONNode, _ path: [PathComponent]) -> String? {
        guard let text = string(node, path), let q = staticText(text, node, path) else { return nil }
        if q.count > 2000 {
            report(node, path, "must be at most 2000 characters (got \(q.count))")
            return nil
        }
        if q.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }) {
            report(node, path, "must not contain control characters")
            return nil
        }
        return q
    }

    /// Exactly one of `above`, `below`, `equals`, a number.
    mutating func sampleCondition(_ m: [String: JSONNode], _ node: JSONNode, _ p: [PathComponent]) -> SampleCondition? {
        let given = SampleCondition.Comparison.allCases.filter { m[$0.rawValue] != nil }
        guard given.count == 1, let c = given.first, let v = m[c.rawValue] else {
            report(
                node, p,
                given.isEmpty
                    ? "needs a limit on the first sample's value: \"above\", \"below\" or \"equals\""
                    : "give one of \"above\", \"below\" and \"equals\", not \(given.count)")
            return nil
        }
        guard let value = number(v, p + [.key(c.rawValue)]) else { return nil }
        return SampleCondition(c, value)
    }
}
