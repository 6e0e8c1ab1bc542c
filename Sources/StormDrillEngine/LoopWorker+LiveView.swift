import NIOCore

import struct Histogram.Histogram

extension LoopWorker {
    // MARK: - Live view

    /// Counters for the progress line; resets the live latency window.
    func snapshot() -> LiveSnapshot {
        let any = windowLatencies.totalCount > 0
        var s = LiveSnapshot(
            elapsedNanoseconds: offsetNow(), requestsSent: result.requestsSent, requestsOk: result.requestsOk,
            requestsFailed: result.requestsFailed, journeysStarted: result.journeysStarted,
            journeysOk: result.journeysOk, journeysFailed: result.journeysFailed, dropped: result.dropped,
            inFlight: inFlight, windowP99Microseconds: any ? windowLatencies.valueAtPercentile(99) : 0)
        if any {
            s.windowP50Microseconds = windowLatencies.valueAtPercentile(50)
            s.windowP90Microseconds = windowLatencies.valueAtPercentile(90)
            s.windowP95Microseconds = windowLatencies.valueAtPercentile(95)
        }
        windowLatencies.reset()
        return s
    }

    /// Running totals for the driver's metrics (read-only: the live window is left alone).
    func metricsSnapshot() -> MetricsSnapshot {
        var s = MetricsSnapshot(result: result, plan: compiled, inFlight: inFlight)
        s.elapsedNanoseconds = offsetNow()
        return s
    }
}
