import Foundation

/// Compiling templates (`{{order.*}}`, `{{vars.*}}`, `{{extract.*}}`) with their positions for messages.
extension PlanDecoder {
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
                        case .text where !value.unicodeScalars.allSatisfy(PlanDecoder.isFieldScalar):
                            report(
                                at: position, path,
                                "{{\(ph.name)}} contains a line break or control character, which a header cannot"
                                    + " carry")
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

    func shifted(_ p: SourcePosition, by scalars: Int) -> SourcePosition {
        SourcePosition(line: p.line, column: p.column + max(0, scalars), offset: p.offset + max(0, scalars))
    }

    enum Resolved {
        case literal(String)
        case variable(TemplateVariable)
    }

    mutating func resolve(
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
                message += " (use order.FIELD, vars.NAME, env.NAME or extract.NAME)"
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
        case "env":
            return environmentValue(parts[1]).map { .literal($0) }
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
    mutating func compileBody(
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
}
