import Foundation

/// A value a template placeholder stands for.
public enum TemplateVariable: Sendable, Hashable {
    /// `{{order.FIELD}}`: a field of the journey's synthetic order.
    case order(OrderField)
    /// `{{extract.NAME}}`: a value an earlier step of the same journey extracted; `slot` indexes the journey's
    /// extract slots.
    case extract(slot: Int, name: String)
}

/// Where a placeholder is rendered, which decides quoting and escaping.
public enum TemplateContext: Sendable, Hashable {
    /// Header values: the plain value.
    case text
    /// The request path: the plain value with bytes outside RFC 3986 path characters percent-encoded.
    case path
    /// Inside a JSON string in a body: the value escaped for a JSON string.
    case jsonString
    /// A body string that is exactly one placeholder: the value as JSON (quoted string, array, number or null).
    case jsonValue
}

/// One piece of a compiled template.
public enum TemplatePart: Sendable, Hashable {
    case literal([UInt8])
    case variable(TemplateVariable, TemplateContext)
}

/// A compiled template: literal bytes and placeholders, ready to render into a byte sink without parsing.
public struct Template: Sendable, Hashable {
    public var parts: [TemplatePart]

    public init(parts: [TemplatePart]) {
        self.parts = Template.coalesced(parts)
    }

    public static func literal(_ text: String) -> Template { Template(parts: [.literal(Array(text.utf8))]) }

    /// True when the template has no placeholder: it can be pre-encoded once.
    public var isStatic: Bool { parts.allSatisfy { if case .literal = $0 { true } else { false } } }

    /// The literal bytes of a static template.
    public var staticBytes: [UInt8]? {
        guard isStatic else { return nil }
        return parts.reduce(into: []) { acc, part in
            if case .literal(let b) = part { acc += b }
        }
    }

    /// Extract slots this template reads.
    public var extractSlots: [Int] {
        parts.compactMap {
            if case .variable(.extract(let slot, _), _) = $0 { return slot }
            return nil
        }
    }

    static func coalesced(_ parts: [TemplatePart]) -> [TemplatePart] {
        var out: [TemplatePart] = []
        for p in parts {
            if case .literal(let b) = p {
                if b.isEmpty { continue }
                if case .literal(let prev)? = out.last {
                    out[out.count - 1] = .literal(prev + b)
                    continue
                }
            }
            out.append(p)
        }
        return out
    }
}

/// A placeholder found in a template string, before its name is resolved.
struct TemplatePlaceholder {
    /// The trimmed text between `{{` and `}}`.
    var name: String
    /// Offset of `{{` in the string, in Unicode scalars (for column arithmetic).
    var scalarOffset: Int
}

/// Splits a template string into literal text and placeholders.
enum TemplateScanner {
    enum Piece {
        case text(String)
        case placeholder(TemplatePlaceholder)
    }

    struct ScanError: Error {
        var message: String
        var scalarOffset: Int
    }

    static func scan(_ string: String) -> Result<[Piece], ScanError> {
        var pieces: [Piece] = []
        let scalars = Array(string.unicodeScalars)
        var text = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                let start = i
                var j = i + 2
                var found = false
                while j + 1 < scalars.count {
                    if scalars[j] == "}" && scalars[j + 1] == "}" {
                        found = true
                        break
                    }
                    if scalars[j] == "{" && scalars[j + 1] == "{" { break }
                    j += 1
                }
                guard found else {
                    return .failure(ScanError(message: "unclosed placeholder: '{{' without '}}'", scalarOffset: start))
                }
                if !text.isEmpty {
                    pieces.append(.text(String(text)))
                    text = String.UnicodeScalarView()
                }
                var inner = String.UnicodeScalarView()
                inner.append(contentsOf: scalars[(i + 2)..<j])
                pieces.append(
                    .placeholder(
                        TemplatePlaceholder(
                            name: String(inner).trimmingCharacters(in: .whitespacesAndNewlines),
                            scalarOffset: start)))
                i = j + 2
            } else {
                text.append(scalars[i])
                i += 1
            }
        }
        if !text.isEmpty { pieces.append(.text(String(text))) }
        return .success(pieces)
    }
}
