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

/// A sparse snapshot of a compact histogram, packed for the drill's timeline: one entry per recorded value, in
/// ascending order, each as two LEB128 varints, the value's distance from the previous value (µs) and its count.
/// A 100 ms bucket usually needs a few dozen entries of 2–4 bytes each instead of thousands of counters; the
/// timeline keeps one per slice per event loop for the whole drill, so its size is what makes a long drill's memory
/// grow (docs/benchmarks.md, the soak).
public struct SparseLatencies: Sendable, Hashable {
    /// The packed entries (see the type's description).
    public private(set) var bytes: [UInt8]

    public init() { bytes = [] }

    public init(_ histogram: Histogram<UInt32>) {
        var out: [UInt8] = []
        if histogram.totalCount > 0 {
            out.reserveCapacity(64)
            var previous: UInt64 = 0
            for v in histogram.recordedValues() {
                let value = min(v.value, UInt64(UInt32.max))
                Self.appendVarint(value &- previous, to: &out)
                Self.appendVarint(UInt64(v.count), to: &out)
                previous = value
            }
        }
        // Exact-size storage: the timeline keeps thousands of these, spare capacity would be most of their size.
        bytes = [UInt8](unsafeUninitializedCapacity: out.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: out)
        }
    }

    public var isEmpty: Bool { bytes.isEmpty }

    public var totalCount: UInt64 {
        var total: UInt64 = 0
        forEach { _, count in total += count }
        return total
    }

    /// Calls `body` with each recorded value (µs, ascending) and its count.
    public func forEach(_ body: (_ value: UInt64, _ count: UInt64) -> Void) {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            var value: UInt64 = 0
            while index < buffer.count {
                value &+= Self.readVarint(buffer, &index)
                let count = Self.readVarint(buffer, &index)
                body(value, count)
            }
        }
    }

    /// Adds these values to a histogram (to merge buckets into a second, or loops into one run).
    public func add(to histogram: inout Histogram<UInt32>) {
        forEach { value, count in _ = histogram.record(value, count: UInt32(truncatingIfNeeded: count)) }
    }

    public func add(to histogram: inout Histogram<UInt64>) {
        forEach { value, count in _ = histogram.record(value, count: count) }
    }

    @inline(__always)
    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    private static func readVarint(_ buffer: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < buffer.count {
            let byte = buffer[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return result
    }
}
