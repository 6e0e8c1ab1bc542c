import Foundation

/// A non-negative length of time written in a plan as a string: `"250ms"`, `"10s"`, `"2m"`, `"1h"`, `"1m30s"`.
///
/// Stored as whole nanoseconds so that schedule arithmetic is exact.
public struct PlanDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func milliseconds(_ ms: Int64) -> PlanDuration { PlanDuration(nanoseconds: ms * 1_000_000) }
    public static func seconds(_ s: Double) -> PlanDuration { PlanDuration(nanoseconds: Int64((s * 1e9).rounded())) }
    public static let zero = PlanDuration(nanoseconds: 0)

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    public static func < (lhs: PlanDuration, rhs: PlanDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: PlanDuration, rhs: PlanDuration) -> PlanDuration {
        PlanDuration(nanoseconds: lhs.nanoseconds + rhs.nanoseconds)
    }

    /// Units accepted in plans, longest suffix first so that `ms` is not read as `m`.
    static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("h", 3600e9), ("m", 60e9), ("s", 1e9),
    ]

    /// Parses a duration string; returns nil with no explanation (callers phrase the error).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var rest = Substring(trimmed)
        var total = 0.0
        var sawComponent = false
        while !rest.isEmpty {
            var numberEnd = rest.startIndex
            var sawDigit = false
            var sawDot = false
            while numberEnd < rest.endIndex {
                let c = rest[numberEnd]
                if c.isASCII, c.isNumber {
                    sawDigit = true
                } else if c == ".", !sawDot {
                    sawDot = true
                } else {
                    break
                }
                numberEnd = rest.index(after: numberEnd)
            }
            guard sawDigit, let number = Double(rest[rest.startIndex..<numberEnd]) else { return nil }
            rest = rest[numberEnd...]
            guard let unit = PlanDuration.units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            total += number * unit.nanoseconds
            sawComponent = true
        }
        guard sawComponent, total.isFinite, total < 1e18 else { return nil }
        self.nanoseconds = Int64(total.rounded())
    }

    /// The shortest exact plan spelling: `"1m30s"`, `"250ms"`, `"0s"`.
    public var description: String {
        var n = nanoseconds
        if n == 0 { return "0s" }
        var out = ""
        if n < 0 {
            out = "-"
            n = -n
        }
        if n % 1_000_000 != 0 {
            if n % 1000 == 0 { return out + "\(n / 1000)us" }
            return out + "\(n)ns"
        }
        let ms = n / 1_000_000
        if ms % 1000 != 0 {
            if ms >= 1000 { return out + PlanDuration.formatSeconds(Double(ms) / 1000) }
            return out + "\(ms)ms"
        }
        var s = ms / 1000
        let h = s / 3600
        s -= h * 3600
        let m = s / 60
        s -= m * 60
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 { out += "\(s)s" }
        return out
    }

    private static func formatSeconds(_ s: Double) -> String {
        var text = String(s)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let d = PlanDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid duration \(text)")
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
