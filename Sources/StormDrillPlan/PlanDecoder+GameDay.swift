import Foundation

/// Decoding of `gameDay`: the facilitated rehearsal's title, app, phases and limits.
extension PlanDecoder {
    static let gameDayKeys = ["title", "appURL", "phases", "maxParticipants", "pollWindow"]
    static let gameDayPhaseKeys = ["name", "at", "gate", "brief", "expect", "hypothesis", "thresholds", "poll"]
    /// Longest brief, expectation, hypothesis or poll question: what fits on a phone without scrolling away.
    static let gameDayTextLimit = 500

    /// The game day and, for the checks decoder, each phase's `thresholds` node (decoded with the plan's others).
    mutating func decodeGameDay(
        _ node: JSONNode, load: Load?
    ) -> (GameDay?, [(phase: String, node: JSONNode, path: [PathComponent])]) {
        let path: [PathComponent] = [.key("gameDay")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.gameDayKeys, required: ["title", "phases"],
                elsewhere: [
                    "name": "the game day's name is its \"title\"", "app": "write \"appURL\"",
                    "url": "the ordering app's address is \"appURL\"",
                    "participants": "the limit is \"maxParticipants\"",
                ])
        else { return (nil, []) }
        let title = m["title"].flatMap { string($0, path + [.key("title")]) }
        if let title, title.count > 200 {
            report(m["title"]!, path + [.key("title")], "must be at most 200 characters")
        }
        var appURL: String?
        if let a = m["appURL"], let text = string(a, path + [.key("appURL")]),
            let resolved = staticText(text, a, path + [.key("appURL")])
        {
            let lower = resolved.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
                appURL = resolved
            } else {
                report(a, path + [.key("appURL")], "must be an http:// or https:// address (got \"\(resolved)\")")
            }
        }
        var maxParticipants = GameDay.defaultMaxParticipants
        if let n = m["maxParticipants"], let v = integer(n, path + [.key("maxParticipants")], min: 1, max: 10_000) {
            maxParticipants = v
        }
        var pollWindow = GameDay.defaultPollWindow
        if let w = m["pollWindow"], let d = duration(w, path + [.key("pollWindow")], allowZero: true) {
            if d > .seconds(600) {
                report(w, path + [.key("pollWindow")], "must be at most 10m (got \"\(w.stringValue ?? "")\")")
            } else {
                pollWindow = d
            }
        }
        var phases: [GameDayPhase] = []
        var thresholds: [(String, JSONNode, [PathComponent])] = []
        if let p = m["phases"] {
            if let elements = p.elements {
                if elements.isEmpty { report(p, path + [.key("phases")], "must list at least one phase") }
                if elements.count > 100 { report(p, path + [.key("phases")], "must list at most 100 phases") }
                var names = Set<String>()
                for (i, e) in elements.prefix(100).enumerated() {
                    let pp = path + [.key("phases"), .index(i)]
                    guard let (phase, t) = decodePhase(e, pp, load: load) else { continue }
                    if !names.insert(phase.name).inserted {
                        report(e, pp + [.key("name")], "duplicate phase name \"\(phase.name)\"")
                    }
                    if let previous = phases.last, phase.at <= previous.at {
                        report(
                            e.members?.first { $0.key == "at" }?.value ?? e, pp + [.key("at")],
                            "must come after the previous phase's \"at\" (\(previous.at)); phases are listed in time"
                                + " order")
                    }
                    phases.append(phase)
                    if let t { thresholds.append((phase.name, t, pp + [.key("thresholds")])) }
                }
            } else {
                report(p, path + [.key("phases")], "must be an array of phases (got \(p.typeName))")
            }
        }
        guard let title else { return (nil, []) }
        return (
            GameDay(
                title: title, appURL: appURL, phases: phases, maxParticipants: maxParticipants,
                pollWindow: pollWindow),
            thresholds
        )
    }

    private mutating func decodePhase(
        _ node: JSONNode, _ path: [PathComponent], load: Load?
    ) -> (GameDayPhase, JSONNode?)? {
        guard
            let m = object(
                node, path, allowed: PlanDecoder.gameDayPhaseKeys, required: ["name", "at"],
                elsewhere: [
                    "start": "a phase begins at \"at\"",
                    "hold": "a phase that waits for the facilitator has"
                        + " \"gate\": true", "question": "a phase's question is its \"poll\"",
                    "description": "tell participants what to do in \"brief\"",
                    "expected": "write \"expect\"", "duration": "a phase lasts until the next one begins",
                ])
        else { return nil }
        var name: String?
        if let n = m["name"], let s = string(n, path + [.key("name")]) {
            if PlanDecoder.isIdentifier(s) && s.count <= 60 {
                name = s
            } else {
                report(
                    n, path + [.key("name")],
                    "phase names may use letters, digits, '_' and '-', start with a letter and be at most 60 long")
            }
        }
        var at: PlanDuration?
        if let a = m["at"], let d = duration(a, path + [.key("at")], allowZero: true) {
            at = d
            if let load, d >= load.duration {
                report(
                    a, path + [.key("at")],
                    "must be before the end of the load (\(load.duration)); a phase after it would never begin")
            }
        }
        var gate = false
        if let g = m["gate"] {
            if case .bool(let b) = g.value {
                gate = b
            } else {
                report(g, path + [.key("gate")], "must be true or false (got \(g.typeName))")
            }
        }
        func text(_ key: String) -> String? {
            guard let n = m[key], let s = string(n, path + [.key(key)]) else { return nil }
            if s.count > PlanDecoder.gameDayTextLimit {
                report(n, path + [.key(key)], "must be at most \(PlanDecoder.gameDayTextLimit) characters")
                return nil
            }
            return s
        }
        let brief = text("brief") ?? ""
        let expect = text("expect") ?? ""
        let hypothesis = text("hypothesis")
        let poll = text("poll")
        guard let name, let at else { return nil }
        return (
            GameDayPhase(
                name: name, at: at, gate: gate, brief: brief, expect: expect, hypothesis: hypothesis, poll: poll),
            m["thresholds"]
        )
    }
}
