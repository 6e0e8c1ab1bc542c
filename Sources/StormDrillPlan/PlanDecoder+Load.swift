import Foundation

/// Decoding of `load`: the open model's stages and campus shapes, the closed model.
extension PlanDecoder {
    // MARK: - Load

    mutating func decodeLoad(_ node: JSONNode) -> Load? {
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
        // Saturating sum: thousands of 168h stages must be an error, not an overflow.
        let total = stages.reduce(PlanDuration.zero) { $0 + $1.duration }
        if total > PlanDuration.planLimit {
            let shownTotal = total.nanoseconds == Int64.max ? "over 292 years" : "\(total)"
            report(node, path, "the stages last \(shownTotal), more than the 168h limit")
        }
        return .open(OpenLoad(arrival: arrival, stages: stages, shape: shape, maxInFlight: maxInFlight))
    }

    mutating func decodeStages(_ node: JSONNode, _ path: [PathComponent]) -> [Stage]? {
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

    mutating func rate(_ node: JSONNode, _ path: [PathComponent], allowZero: Bool) -> Double? {
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

    mutating func decodeShape(_ node: JSONNode, _ path: [PathComponent]) -> CampusShape? {
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
}
