import Foundation

/// A non-negative length of time written in a plan as a string: `"250ms"`, `"10s"`, `"2m"`, `"1h"`, `"1m30s"`.
///
/// Stored as whole nanoseconds so that schedule arithmetic is exact.
public struct PlanDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Saturates at ±`Int64.max` nanoseconds (about 292 years) instead of trapping.
    public static func milliseconds(_ ms: Int64) -> PlanDuration {
        let (product, overflow) = ms.multipliedReportingOverflow(by: 1_000_000)
        return PlanDuration(nanoseconds: overflow ? (ms < 0 ? Int64.min : Int64.max) : product)
    }
    /// Saturates as `milliseconds(_:)` does; NaN is zero.
    public static func seconds(_ s: Double) -> PlanDuration {
        PlanDuration(nanoseconds: PlanDuration.saturating(s * 1e9))
    }
    public static let zero = PlanDuration(nanoseconds: 0)

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    public static func < (lhs: PlanDuration, rhs: PlanDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    /// Saturating: a sum of plan-supplied durations can never trap (15,251 stages of 168h do not overflow).
    public static func + (lhs: PlanDuration, rhs: PlanDuration) -> PlanDuration {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.nanoseconds)
        return PlanDuration(nanoseconds: overflow ? (rhs.nanoseconds < 0 ? Int64.min : Int64.max) : sum)
    }

    /// Rounds `nanoseconds` to an Int64, saturating beyond its range; NaN becomes 0.
    public static func saturating(_ nanoseconds: Double) -> Int64 {
        guard !nanoseconds.isNaN else { return 0 }
        if nanoseconds >= 9.2e18 { return Int64.max }
        if nanoseconds <= -9.2e18 { return Int64.min }
        return Int64(nanoseconds.rounded())
    }

    /// The longest duration a plan may write: 168 hours.
    public static let planLimit = PlanDuration(nanoseconds: 7 * 24 * 3600 * 1_000_000_000)

    /// Why a duration string was not read.
    public enum ParseProblem: Error, Sendable, Hashable {
        /// Not a number with a unit.
        case malformed
        /// Well formed, but longer than any clock here can hold (at least 10^18 ns, about 31 years).
        case tooLong
    }

    /// Parses a duration string, saying why it was not read.
    public static func parse(_ text: String) -> Result<PlanDuration, ParseProblem> {
        switch PlanDuration.scan(text) {
        case nil: .failure(.malformed)
        case .some(let total) where !total.isFinite || total >= 1e18: .failure(.tooLong)
        case .some(let total): .success(PlanDuration(nanoseconds: Int64(total.rounded())))
        }
    }

    /// Units accepted in plans, longest suffix first so that `ms` is not read as `m`.
    static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("h", 3600e9), ("m", 60e9), ("s", 1e9),
    ]

    /// Parses a duration string; returns nil with no explanation (callers phrase the error, see `parse(_:)`).
    public init?(parsing text: String) {
        guard case .success(let d) = PlanDuration.parse(text) else { return nil }
        self = d
    }

    /// The total in nanoseconds of a well-formed duration string (possibly infinite), nil if malformed.
    private static func scan(_ text: String) -> Double? {
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
        guard sawComponent else { return nil }
        return total
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
