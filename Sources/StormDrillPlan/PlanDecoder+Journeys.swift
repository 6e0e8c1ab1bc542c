import Foundation

/// Decoding of `journeys` and their steps: methods, paths, headers, bodies, expectations, extracts, think times.
extension PlanDecoder {
    // MARK: - Journeys

    mutating func decodeJourneys(_ node: JSONNode) -> [Journey]? {
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

    mutating func decodeJourney(_ node: JSONNode, _ path: [PathComponent]) -> Journey? {
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
            } else if v > PlanDecoder.maximumWeight {
                // Weights are relative: a sum of two 1e308 weights is infinite and sends every journey to one.
                report(
                    w, path + [.key("weight")],
                    "is too large: at most \(PlanDecoder.format(PlanDecoder.maximumWeight)) (got \(PlanDecoder.format(v)));"
                        + " weights are relative, so 1 and 3 split as 1,000 and 3,000 do")
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

    mutating func decodeStep(
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
}
