/// Values extracted from responses during one journey, as raw JSON tokens (`"abc"`, `42`, `{...}`), one slot per
/// extract name. Slots are reused from journey to journey, so after warm-up nothing is allocated.
public struct ExtractSlots: Sendable {
    public private(set) var values: [[UInt8]]
    public private(set) var isSet: [Bool]

    public init(count: Int) {
        values = Array(repeating: [], count: count)
        isSet = Array(repeating: false, count: count)
        for i in 0..<count { values[i].reserveCapacity(64) }
    }

    public var count: Int { values.count }

    public mutating func reset() {
        for i in 0..<isSet.count where isSet[i] {
            isSet[i] = false
            values[i].removeAll(keepingCapacity: true)
        }
    }

    public mutating func set(slot: Int, token: UnsafeRawBufferPointer) {
        values[slot].removeAll(keepingCapacity: true)
        values[slot].append(contentsOf: token)
        isSet[slot] = true
    }

    public mutating func set(slot: Int, token: [UInt8]) {
        token.withUnsafeBytes { set(slot: slot, token: $0) }
    }

    /// The extracted value as plain text: a JSON string without its quotes (unescaped), anything else as written.
    public func text(slot: Int) -> String? {
        guard slot < isSet.count, isSet[slot] else { return nil }
        var out: [UInt8] = []
        ExtractSlots.writeText(token: values[slot], into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// True when the value, written as header text, holds no control character (tab aside) and no line break: what
    /// a header value may carry on the wire (RFC 9110 field-value). False for a slot that is not set.
    public func isHeaderSafe(slot: Int) -> Bool {
        guard slot < isSet.count, isSet[slot] else { return false }
        let token = values[slot]
        if !token.contains(UInt8(ascii: "\\")) { return token.allSatisfy(ExtractSlots.isFieldByte) }
        var decoded: [UInt8] = []
        ExtractSlots.writeText(token: token, into: &decoded)
        return decoded.allSatisfy(ExtractSlots.isFieldByte)
    }

    /// A byte a header value may hold: visible ASCII, space, tab and bytes of UTF-8 sequences (obs-text).
    @inlinable
    public static func isFieldByte(_ b: UInt8) -> Bool { b == 0x09 || (b >= 0x20 && b != 0x7F) }

    static func writeText(token: [UInt8], into sink: inout some TemplateByteSink) {
        guard token.count >= 2, token.first == UInt8(ascii: "\""), token.last == UInt8(ascii: "\"") else {
            sink.appendBytes(token)
            return
        }
        let inner = token[1..<(token.count - 1)]
        if !inner.contains(UInt8(ascii: "\\")) {
            inner.withUnsafeBytes { sink.appendBytes($0) }
            return
        }
        // Rare: the string has escapes; decode it properly.
        if let node = try? JSONParser.parse(token), let s = node.stringValue {
            sink.appendBytes(Array(s.utf8))
        } else {
            inner.withUnsafeBytes { sink.appendBytes($0) }
        }
    }
}

extension Template {
    /// Renders the template for one order into `sink`.
    @inlinable
    public func render(
        order: SyntheticOrder,
        generator: OrderGenerator,
        extracts: ExtractSlots,
        into sink: inout some TemplateByteSink
    ) {
        for part in parts {
            switch part {
            case .literal(let bytes):
                sink.appendBytes(bytes)
            case .variable(let variable, let context):
                Template.renderVariable(
                    variable, context: context, order: order, generator: generator,
                    extracts: extracts, into: &sink)
            }
        }
    }

    @usableFromInline
    static func renderVariable(
        _ variable: TemplateVariable,
        context: TemplateContext,
        order: SyntheticOrder,
        generator: OrderGenerator,
        extracts: ExtractSlots,
        into sink: inout some TemplateByteSink
    ) {
        switch variable {
        case .order(let field):
            // Order fields are made only of URL- and JSON-safe characters, so no escaping is needed.
            generator.write(field, of: order, quoted: context == .jsonValue, into: &sink)
        case .extract(let slot, _):
            guard slot < extracts.count, extracts.isSet[slot] else {
                if context == .jsonValue { sink.appendBytes(OrderGenerator.nullBytes) }
                return
            }
            let token = extracts.values[slot]
            switch context {
            case .jsonValue:
                sink.appendBytes(token)
            case .jsonString:
                if token.first == UInt8(ascii: "\""), token.count >= 2 {
                    token[1..<(token.count - 1)].withUnsafeBytes { sink.appendBytes($0) }
                } else {
                    for b in token {
                        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { sink.appendByte(UInt8(ascii: "\\")) }
                        sink.appendByte(b)
                    }
                }
            case .text:
                ExtractSlots.writeText(token: token, into: &sink)
            case .path:
                let isString = token.count >= 2 && token.first == UInt8(ascii: "\"") && token.last == UInt8(ascii: "\"")
                if isString && token.contains(UInt8(ascii: "\\")) {
                    // Rare: an escaped string; decode it first.
                    var plain: [UInt8] = []
                    ExtractSlots.writeText(token: token, into: &plain)
                    Template.appendPathEncoded(plain[...], into: &sink)
                } else {
                    // The common case encodes straight from the token, without a temporary array.
                    Template.appendPathEncoded(isString ? token[1..<(token.count - 1)] : token[...], into: &sink)
                }
            }
        }
    }

    /// Appends bytes, percent-encoding those that are not path-safe.
    @usableFromInline
    static func appendPathEncoded(_ bytes: ArraySlice<UInt8>, into sink: inout some TemplateByteSink) {
        for b in bytes {
            if isPathSafe(b) {
                sink.appendByte(b)
            } else {
                sink.appendByte(UInt8(ascii: "%"))
                sink.appendHex(UInt64(b), digits: 2, uppercase: true)
            }
        }
    }

    /// RFC 3986 `pchar` minus the characters that would change the path's meaning here.
    public static func isPathSafe(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"),
            UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// Renders to a `String` (tests, dry runs and summaries).
    public func renderString(order: SyntheticOrder, generator: OrderGenerator, extracts: ExtractSlots) -> String {
        var bytes: [UInt8] = []
        render(order: order, generator: generator, extracts: extracts, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
