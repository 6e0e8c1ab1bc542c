import StormDrillEngine
import Testing

import struct Histogram.Histogram

extension StormDrillTests {
    @Suite("Packed per-slice latencies of the timeline")
    struct SparseLatenciesTests {
        @Test("a packed snapshot gives back every value and count of the histogram it was made from")
        func roundTrip() {
            var h = LatencyHistogram.makeCompact()
            // Values across the whole range (1 µs to the one-hour clamp) and counts that need several varint bytes.
            let samples: [(UInt64, UInt32)] = [
                (1, 1), (57, 300), (130, 70_000), (999, 2), (12_345, 1), (2_500_000, 5),
                (LatencyHistogram.highestMicroseconds, 3),
            ]
            for (value, count) in samples { _ = h.record(value, count: count) }
            let packed = SparseLatencies(h)

            var back = LatencyHistogram.makeCompact()
            packed.add(to: &back)
            #expect(packed.totalCount == h.totalCount)
            #expect(back.totalCount == h.totalCount)
            let original: [[UInt64]] = h.recordedValues().map { [$0.value, UInt64($0.count)] }
            let restored: [[UInt64]] = back.recordedValues().map { [$0.value, UInt64($0.count)] }
            #expect(restored == original)
            for p in [50.0, 90.0, 99.0, 99.9] {
                #expect(back.valueAtPercentile(p) == h.valueAtPercentile(p))
            }
            // The maximum comes back as the top of its 2-digit bucket, as every value read out of this histogram.
            let max = Double(h.valueAtPercentile(100))
            #expect(abs(Double(back.valueAtPercentile(100)) - max) <= max * 0.01)
            var full = LatencyHistogram.make()
            packed.add(to: &full)
            #expect(full.totalCount == h.totalCount)
        }

        @Test("a slice of nginx-like latencies packs into a few bytes per distinct value, exactly sized")
        func compactness() {
            var h = LatencyHistogram.makeCompact()
            var seed: UInt64 = 42
            for _ in 0..<500 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                _ = h.record(40 + (seed >> 33) % 3_000)
            }
            let packed = SparseLatencies(h)
            let distinct = h.recordedValues().reduce(0) { n, _ in n + 1 }
            #expect(distinct > 50)
            // Eight bytes per entry was the unpacked form; deltas and small counts take one or two bytes each.
            #expect(packed.bytes.count <= distinct * 4)
            // No doubling: only what malloc's size classes round up.
            #expect(packed.bytes.capacity <= packed.bytes.count + 48)
            #expect(packed.totalCount == 500)
            #expect(SparseLatencies().isEmpty && SparseLatencies().totalCount == 0)
        }
    }
}
