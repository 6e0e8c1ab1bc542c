/// An RFC 6901 JSON Pointer (`/items/0/sku`), with a scanner that finds the pointed-to value in raw JSON bytes
/// without building a tree: the engine uses it on response bodies.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public let tokens: [[UInt8]]
    public let text: String

    /// Parses a pointer; "" is the whole document, otherwise it must start with "/".
    public init?(_ text: String) {
        self.text = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        var out: [[UInt8]] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token: [UInt8] = []
            var bytes = Array(raw.utf8)[...]
            while let b = bytes.popFirst() {
                if b == UInt8(ascii: "~") {
                    guard let next = bytes.popFirst() else { return nil }
                    switch next {
                    case UInt8(ascii: "0"): token.append(UInt8(ascii: "~"))
                    case UInt8(ascii: "1"): token.append(UInt8(ascii: "/"))
                    default: return nil
                    }
                } else {
                    token.append(b)
                }
            }
            out.append(token)
        }
        tokens = out
    }

    public var description: String { text }

    /// The byte range of the raw JSON token (string with quotes, number, literal, object or array) this pointer
    /// designates in `json`, or nil if the document is not JSON or has no such value.
    public func locate(in json: UnsafeRawBufferPointer) -> Range<Int>? {
        var scanner = JSONByteScanner(bytes: json)
        scanner.skipWhitespace()
        for token in tokens {
            guard scanner.index < json.count else { return nil }
            switch json[scanner.index] {
            case UInt8(ascii: "{"):
                guard scanner.enterObjectMember(named: token) else { return nil }
            case UInt8(ascii: "["):
                guard let n = JSONPointer.arrayIndex(token), scanner.enterArrayElement(n) else { return nil }
            default:
                return nil
            }
        }
        let start = scanner.index
        guard scanner.skipValue() else { return nil }
        return start..<scanner.index
    }

    /// Convenience for tests and tools.
    public func locate(in json: [UInt8]) -> [UInt8]? {
        json.withUnsafeBytes { raw in
            locate(in: raw).map { Array(raw[$0]) }
        }
    }

    static func arrayIndex(_ token: [UInt8]) -> Int? {
        guard !token.isEmpty, token.count <= 9 else { return nil }
        if token.count > 1 && token[0] == UInt8(ascii: "0") { return nil }
        var n = 0
        for b in token {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }
}

/// A forward-only scanner over JSON bytes that can skip whole values. Depth is bounded.
struct JSONByteScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// At `{`: moves to the value of the member whose (unescaped) key equals `name`.
    mutating func enterObjectMember(named name: [UInt8]) -> Bool {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return false }
        while index < bytes.count {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
            let keyStart = index
            guard skipString() else { return false }
            let matches = keyEquals(keyStart + 1..<index - 1, name)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            if matches { return true }
            guard skipValue() else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            return false
        }
        return false
    }

    /// At `[`: moves to element `n`.
    mutating func enterArrayElement(_ n: Int) -> Bool {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return false }
        var i = 0
        while index < bytes.count {
            skipWhitespace()
            if i == n { return true }
            guard skipValue() else { return false }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return false }
            index += 1
            i += 1
        }
        return false
    }

    private func keyEquals(_ range: Range<Int>, _ name: [UInt8]) -> Bool {
        // Fast path: no escapes in the key.
        var hasEscape = false
        for i in range where bytes[i] == UInt8(ascii: "\\") {
            hasEscape = true
            break
        }
        if !hasEscape {
            guard range.count == name.count else { return false }
            var j = 0
            for i in range {
                if bytes[i] != name[j] { return false }
                j += 1
            }
            return true
        }
        let quoted = Array(bytes[(range.lowerBound - 1)..<(range.upperBound + 1)])
        guard let node = try? JSONParser.parse(quoted), let key = node.stringValue else { return false }
        return Array(key.utf8) == name
    }

    mutating func skipString() -> Bool {
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            index += 1
            if b == UInt8(ascii: "\"") { return true }
        }
        return false
    }

    /// Skips one value; containers are skipped by bracket counting outside strings.
    mutating func skipValue() -> Bool {
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                let b = bytes[index]
                switch b {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default:
                    break
                }
                index += 1
            }
            return false
        default:
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    return index > start
                default:
                    index += 1
                }
            }
            return index > start
        }
    }
}
