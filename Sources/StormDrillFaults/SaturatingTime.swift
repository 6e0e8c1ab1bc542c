import NIOCore

/// Time arithmetic on values that come from the control API, held at the largest (or smallest) representable
/// amount instead of trapping on overflow: `TimeAmount + TimeAmount` traps, and one trap takes down every proxy in
/// the process. (`ToxicKind.validate` bounds each attribute too; this is what keeps sums and products of many of
/// them safe.) NIO's `.milliseconds(_:)` and `NIODeadline + TimeAmount` already saturate.
enum SaturatingTime {
    /// `a + b`, saturated.
    static func sum(_ a: TimeAmount, _ b: TimeAmount) -> TimeAmount {
        let (total, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        guard overflow else { return .nanoseconds(total) }
        return .nanoseconds(b.nanoseconds > 0 ? .max : .min)
    }

    /// `milliseconds` ± a random `jitter` (uniform in -jitter..<jitter), never below zero.
    static func jittered(milliseconds: Int64, jitter: Int64) -> TimeAmount {
        var ms = max(0, milliseconds)
        if jitter > 0 {
            let (moved, overflow) = ms.addingReportingOverflow(Int64.random(in: -jitter..<jitter))
            ms = overflow ? .max : moved
        }
        return .milliseconds(max(0, ms))
    }

    /// How long `bytes` take at `rate` KB/s (bytes per millisecond), saturated; zero for a rate of 0 or less.
    static func transmission(bytes: Int, kilobytesPerSecond rate: Int) -> TimeAmount {
        guard rate > 0, bytes > 0 else { return .zero }
        let (scaled, overflow) = Int64(bytes).multipliedReportingOverflow(by: 1_000_000)
        return .nanoseconds(overflow ? .max / Int64(rate) : scaled / Int64(rate))
    }

    /// `a * b` for sizes, saturated at `Int.max`.
    static func product(_ a: Int, _ b: Int) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : value
    }
}
