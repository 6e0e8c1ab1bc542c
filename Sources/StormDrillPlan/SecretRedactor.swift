import Foundation

/// A value a plan marks as secret: what an `{{env.NAME}}` placeholder read from the environment, or the value of a
/// var listed in the plan's `secrets` (after `--var` overrides).
public struct Secret: Sendable, Hashable {
    public var value: String
    /// The placeholder the value came from (`{{env.TOKEN}}`, `{{vars.token}}`): written in its place where a later
    /// run must resolve it again (a rollback command in the fault journal).
    public var placeholder: String

    public init(value: String, placeholder: String) {
        self.value = value
        self.placeholder = placeholder
    }
}

/// Replaces a plan's secret values by `***` in text about to leave the driver (report files, the fault journal,
/// terminal output), together with the encoded forms a value takes on its way there: percent-encoded (a request
/// path), JSON-string-escaped (report.json, journals), HTML/XML-escaped (report.html, junit.xml) and
/// Markdown-escaped (summary.md).
///
/// Pure and cheap to keep: the forms are computed once. Empty values are ignored; the decoder refuses secrets
/// shorter than `minimumLength` characters, which could not be told apart from ordinary report text.
public struct SecretRedactor: Sendable, Equatable {
    /// What a secret is shown as.
    public static let mask = "***"
    /// Secrets shorter than this (in characters) are a plan error: redacting "ab" everywhere would wreck reports.
    public static let minimumLength = 4

    private struct Form: Sendable, Equatable {
        var bytes: [UInt8]
        var placeholder: [UInt8]
    }

    /// The secrets, in the order given, without empty values and duplicates.
    public let secrets: [Secret]
    /// Every form of every secret, longest first (so a form containing another wins).
    private let forms: [Form]
    /// Whether some form starts with this byte: most bytes of a report are skipped after one lookup.
    private let firstBytes: [Bool]

    public init(_ secrets: [Secret] = []) {
        var seen = Set<String>()
        self.secrets = secrets.filter { !$0.value.isEmpty && seen.insert($0.value).inserted }
        var forms: [Form] = []
        var seenForms = Set<[UInt8]>()
        for secret in self.secrets {
            for form in SecretRedactor.encodedForms(of: secret.value) where seenForms.insert(form).inserted {
                forms.append(Form(bytes: form, placeholder: Array(secret.placeholder.utf8)))
            }
        }
        self.forms = forms.sorted { $0.bytes.count > $1.bytes.count }
        var first = [Bool](repeating: false, count: 256)
        for f in forms { first[Int(f.bytes[0])] = true }
        self.firstBytes = first
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret (in every form) replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !isEmpty else { return text }
        return String(decoding: redact(Array(text.utf8)), as: UTF8.self)
    }

    /// `bytes` with every secret (in every form) replaced by `***`.
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        replace(bytes, placeholders: false)
    }

    /// `data` with every secret (in every form) replaced by `***`.
    public func redact(_ data: Data) -> Data {
        guard !isEmpty else { return data }
        return Data(replace([UInt8](data), placeholders: false))
    }

    /// `text` with every secret replaced by the placeholder it came from (`{{env.TOKEN}}`), for text that a later
    /// run resolves again (the fault journal's rollback commands).
    public func replacingWithPlaceholders(_ text: String) -> String {
        guard !isEmpty else { return text }
        return String(decoding: replace(Array(text.utf8), placeholders: true), as: UTF8.self)
    }

    /// Whether `text` holds a secret in any of its forms.
    public func reveals(_ text: String) -> Bool {
        guard !isEmpty else { return false }
        let bytes = Array(text.utf8)
        return replace(bytes, placeholders: false) != bytes
    }

    private func replace(_ bytes: [UInt8], placeholders: Bool) -> [UInt8] {
        guard !forms.isEmpty else { return bytes }
        let mask = Array(SecretRedactor.mask.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        var changed = false
        outer: while i < bytes.count {
            let b = bytes[i]
            if firstBytes[Int(b)] {
                for form in forms where form.bytes.count <= bytes.count - i {
                    var j = 0
                    while j < form.bytes.count && bytes[i + j] == form.bytes[j] { j += 1 }
                    if j == form.bytes.count {
                        out += placeholders ? form.placeholder : mask
                        i += j
                        changed = true
                        continue outer
                    }
                }
            }
            out.append(b)
            i += 1
        }
        return changed ? out : bytes
    }

    // MARK: - Encoded forms

    /// The value as it may appear in output: as is, percent-encoded, JSON-escaped, HTML/XML-escaped and
    /// Markdown-escaped (the forms that equal the value are left out by the caller's de-duplication).
    static func encodedForms(of value: String) -> [[UInt8]] {
        let raw = Array(value.utf8)
        let json = JSONNode.escapeJSONStringContent(value)
        return [
            raw,
            percentEncoded(raw, keeping: { Template.isPathSafe($0) || "/?&%".utf8.contains($0) }, uppercase: true),
            percentEncoded(raw, keeping: isUnreserved, uppercase: true),
            percentEncoded(raw, keeping: isUnreserved, uppercase: false),
            Array(json.utf8),
            // Foundation's JSONEncoder also escapes '/' unless told not to.
            Array(json.replacingOccurrences(of: "/", with: "\\/").utf8),
            Array(htmlEscaped(value).utf8),
            Array(markdownEscaped(value).utf8),
        ]
    }

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func percentEncoded(_ bytes: [UInt8], keeping: (UInt8) -> Bool, uppercase: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            if keeping(b) {
                out.append(b)
            } else {
                out.appendByte(UInt8(ascii: "%"))
                out.appendHex(UInt64(b), digits: 2, uppercase: uppercase)
            }
        }
        return out
    }

    /// The escaping of report.html and junit.xml.
    private static func htmlEscaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The escaping of summary.md's tables.
    private static func markdownEscaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "|", "*", "_", "`", "<", ">", "[", "]", "\\", "#": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }
}
