import Foundation

/// A JSON value for the live view's events and state, where a missing value is written as `null` (the pages and
/// other clients read every documented key, present or not).
public enum LiveValue: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral
{
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([LiveValue])
    case object([String: LiveValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: LiveValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }

    public init(dictionaryLiteral elements: (String, LiveValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public init(_ s: String?) { self = s.map(LiveValue.string) ?? .null }
    public init(_ n: Double?) { self = n.map { .number($0.isFinite ? $0 : 0) } ?? .null }
    public init(_ n: Int?) { self = n.map { .number(Double($0)) } ?? .null }
    public init(_ b: Bool) { self = .bool(b) }
    public init(_ strings: [String]) { self = .array(strings.map(LiveValue.string)) }

    /// A time in ms, rounded to 0.1 ms; null when absent.
    public static func ms(_ v: Double?) -> LiveValue { LiveValue(v.map(LiveJSON.ms)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value as compact JSON (keys sorted).
    public var json: String { LiveJSON.encode(self) }

    subscript(key: String) -> LiveValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// Compact JSON for events and answers.
enum LiveJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// ms with one decimal, so the JSON stays short.
    static func ms(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}
