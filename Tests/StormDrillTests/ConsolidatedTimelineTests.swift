import Testing

import struct Histogram.Histogram

@testable import StormDrillEngine

extension StormDrillTests {
    @Suite("The timeline merged across event loops while the drill runs")
    struct ConsolidatedTimelineTests {
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
            var t = ConsolidatedTimeline()
            // Loop 0 hands over slices 0-2, loop 1 slices 0-1, then loop 1 slices 2-4 before loop 0's 3-4.
            t.merge([Self.slice(sent: 1), Self.slice(sent: 2), Self.slice(sent: 3)], at: 0)
            t.merge([Self.slice(sent: 10), Self.slice(sent: 20, latencies: [100, 200])], at: 0)
            t.merge([Self.slice(sent: 30), Self.slice(sent: 40), Self.slice(sent: 50, latencies: [7])], at: 2)
            t.merge([], at: 9)
            t.merge([Self.slice(sent: 4, latencies: [300]), Self.slice(sent: 5)], at: 3)
            #expect(t.slices.map(\.sent) == [11, 22, 33, 44, 55])
            #expect(t.slices[1].latencies.totalCount == 2)
            #expect(t.slices[3].latencies.totalCount == 1)
            #expect(t.slices[4].latencies.totalCount == 1)
            // A part that starts past the end leaves empty slices between.
            t.merge([Self.slice(sent: 6)], at: 7)
            #expect(t.slices.map(\.sent) == [11, 22, 33, 44, 55, 0, 0, 6])
        }
    }
}
