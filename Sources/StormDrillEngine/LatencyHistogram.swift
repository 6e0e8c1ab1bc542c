import struct Histogram.Histogram
import enum Histogram.SignificantDigits

/// Factory and helpers for the engine's HDR histograms. All latencies are recorded in microseconds.
public enum LatencyHistogram {
    /// Highest trackable latency: one hour. Longer values are clamped (and still counted).
    public static let highestMicroseconds: UInt64 = 3_600_000_000

    /// A full-precision histogram (3 significant digits, ≈ 190 KB) for whole-run statistics.
    public static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds,
            numberOfSignificantValueDigits: .three)
    }

    /// A compact histogram (2 significant digits, ≈ 1 % error, ≈ 13 KB) for time buckets and live windows.
    public static func makeCompact() -> Histogram<UInt32> {
        Histogram<UInt32>(
            lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds,
            numberOfSignificantValueDigits: .two)
    }

    @inlinable
    public static func microseconds(nanoseconds: Int64) -> UInt64 {
        let us = nanoseconds <= 0 ? 0 : UInt64(nanoseconds / 1000)
        return us > highestMicroseconds ? highestMicroseconds : us
    }
}

/// A sparse snapshot of a compact histogram: each entry packs a value (µs, upper 32 bits) and its count (lower 32
/// bits). A 100 ms bucket usually needs a few dozen entries instead of thousands of counters.
public struct SparseLatencies: Sendable, Hashable {
    public var entries: [UInt64]

    public init(entries: [UInt64] = []) { self.entries = entries }

    public init(_ histogram: Histogram<UInt32>) {
        var out: [UInt64] = []
        if histogram.totalCount > 0 {
            for v in histogram.recordedValues() {
                let value = min(v.value, UInt64(UInt32.max))
                out.append(value << 32 | UInt64(v.count))
            }
        }
        entries = out
    }

    public var isEmpty: Bool { entries.isEmpty }

    public var totalCount: UInt64 { entries.reduce(0) { $0 + ($1 & 0xFFFF_FFFF) } }

    /// Adds these values to a histogram (to merge buckets into a second, or loops into one run).
    public func add(to histogram: inout Histogram<UInt32>) {
        for e in entries {
            _ = histogram.record(e >> 32, count: UInt32(truncatingIfNeeded: e & 0xFFFF_FFFF))
        }
    }

    public func add(to histogram: inout Histogram<UInt64>) {
        for e in entries {
            _ = histogram.record(e >> 32, count: e & 0xFFFF_FFFF)
        }
    }
}
