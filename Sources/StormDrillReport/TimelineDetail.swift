/// The drill's timeline at fine resolution (100 ms slices of the drill clock), stored column by column so that a
/// ten-minute drill stays a few hundred kilobytes of JSON. Slice `i` covers `[i·resolutionMs, (i+1)·resolutionMs)`.
/// Recovery analysis reads it; the HTML report draws from it.
public struct TimelineDetail: Codable, Sendable, Equatable {
    public var resolutionMs: Double
    /// Requests sent in the slice.
    public var sent: [Int]
    /// Requests that completed successfully in the slice.
    public var ok: [Int]
    /// Requests that failed in the slice (error status, expectation, timeout, connection failure).
    public var errors: [Int]
    /// Arrivals dropped in the slice (`maxInFlight` reached).
    public var dropped: [Int]
    /// Journeys that ended successfully / failed in the slice.
    public var journeysOk: [Int]
    public var journeysFailed: [Int]
    /// Intended-time latency percentiles (ms) of the requests completed in the slice; 0 when none completed.
    public var p50: [Double]
    public var p99: [Double]

    public init(
        resolutionMs: Double, sent: [Int] = [], ok: [Int] = [], errors: [Int] = [], dropped: [Int] = [],
        journeysOk: [Int] = [], journeysFailed: [Int] = [], p50: [Double] = [], p99: [Double] = []
    ) {
        self.resolutionMs = resolutionMs
        self.sent = sent
        self.ok = ok
        self.errors = errors
        self.dropped = dropped
        self.journeysOk = journeysOk
        self.journeysFailed = journeysFailed
        self.p50 = p50
        self.p99 = p99
    }

    /// Number of slices.
    public var count: Int { ok.count }

    /// Appends one slice.
    public mutating func append(
        sent: Int, ok: Int, errors: Int, dropped: Int, journeysOk: Int, journeysFailed: Int, p50: Double, p99: Double
    ) {
        self.sent.append(sent)
        self.ok.append(ok)
        self.errors.append(errors)
        self.dropped.append(dropped)
        self.journeysOk.append(journeysOk)
        self.journeysFailed.append(journeysFailed)
        self.p50.append(p50)
        self.p99.append(p99)
    }
}
