/// A JSON value as the control API receives it: loose enough to read what Toxiproxy's Go decoder accepts (`1` or
/// `1.0` for a number, `null` for "leave as it is"), strict enough to reject a string where a number belongs.
enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d):
            if d == d.rounded(), abs(d) < 9e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var isNull: Bool { self == .null }
}

/// Reads typed fields out of a JSON object, with Toxiproxy's rules: a missing or `null` field keeps the current
/// value; a value of the wrong type is a bad request.
struct JSONFields {
    let object: [String: JSONValue]

    init(_ object: [String: JSONValue]) { self.object = object }

    func int(_ key: String, _ current: Int) throws -> Int {
        switch object[key] {
        case nil, .null?: return current
        case .number(let d)?:
            // Checked before the conversion: Int(1e300) or Int(.nan) would trap.
            guard d.isFinite, d == d.rounded(), abs(d) <= 1e15 else {
                throw FaultProxyError.badRequestBody("\(key) must be a whole number from -10^15 to 10^15")
            }
            return Int(d)
        default: throw FaultProxyError.badRequestBody("\(key) must be a number")
        }
    }

    func double(_ key: String, _ current: Double) throws -> Double {
        switch object[key] {
        case nil, .null?: return current
        case .number(let d)?: return d
        default: throw FaultProxyError.badRequestBody("\(key) must be a number")
        }
    }

    func string(_ key: String, _ current: String?) throws -> String? {
        switch object[key] {
        case nil, .null?: return current
        case .string(let s)?: return s
        default: throw FaultProxyError.badRequestBody("\(key) must be a string")
        }
    }

    func bool(_ key: String, _ current: Bool) throws -> Bool {
        switch object[key] {
        case nil, .null?: return current
        case .bool(let b)?: return b
        default: throw FaultProxyError.badRequestBody("\(key) must be true or false")
        }
    }
}
