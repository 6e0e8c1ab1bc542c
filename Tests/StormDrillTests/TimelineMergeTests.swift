import StormDrillEngine
import Testing

import struct Histogram.Histogram

extension StormDrillTests {
    @Suite("The timeline merged across event loops while the drill runs")
    struct TimelineMergeTests {
        static func slice(sent: Int, latencies: [UInt64] = []) -> TimelineBucket {
            var b = TimelineBucket()
            b.sent = sent
            if !latencies.isEmpty {
                var h = LatencyHistogram.makeCompact()
                for v in latencies { _ = h.record(v) }
                b.latencies = SparseLatencies(h)
            }
            return b
        }

        @Test("parts handed over out of order and by several loops land at their drill-clock slice, summed")
        func placement() {
            var t: [TimelineBucket] = []
            // Loop 0 hands over slices 0-2, loop 1 slices 0-1, then loop 1 slices 2-4 before loop 0's 3-4.
            t.merge([Self.slice(sent: 1), Self.slice(sent: 2), Self.slice(sent: 3)], at: 0)
            t.merge([Self.slice(sent: 10), Self.slice(sent: 20, latencies: [100, 200])], at: 0)
            t.merge([Self.slice(sent: 30), Self.slice(sent: 40), Self.slice(sent: 50, latencies: [7])], at: 2)
            t.merge([], at: 9)
            t.merge([Self.slice(sent: 4, latencies: [300]), Self.slice(sent: 5)], at: 3)
            #expect(t.map(\.sent) == [11, 22, 33, 44, 55])
            #expect(t[1].latencies.totalCount == 2)
            #expect(t[3].latencies.totalCount == 1)
            #expect(t[4].latencies.totalCount == 1)
            // A part that starts past the end leaves empty slices between.
            t.merge([Self.slice(sent: 6)], at: 7)
            #expect(t.map(\.sent) == [11, 22, 33, 44, 55, 0, 0, 6])
        }
    }
}
