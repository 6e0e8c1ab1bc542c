/// Live counters of one loop (summed by the engine) for the progress line.
public struct LiveSnapshot: Sendable, Hashable {
    public var elapsedNanoseconds: Int64 = 0
    public var requestsSent = 0
    public var requestsOk = 0
    public var requestsFailed = 0
    public var journeysStarted = 0
    public var journeysOk = 0
    public var journeysFailed = 0
    public var dropped = 0
    public var inFlight = 0
    /// p99 of request latency since the previous snapshot (the highest over event loops).
    public var windowP99Microseconds: UInt64 = 0
    /// p50, p90 and p95 of request latency since the previous snapshot (each the highest over event loops).
    public var windowP50Microseconds: UInt64 = 0
    public var windowP90Microseconds: UInt64 = 0
    public var windowP95Microseconds: UInt64 = 0

    public init() {}

    init(
        elapsedNanoseconds: Int64, requestsSent: Int, requestsOk: Int, requestsFailed: Int, journeysStarted: Int,
        journeysOk: Int, journeysFailed: Int, dropped: Int, inFlight: Int, windowP99Microseconds: UInt64
    ) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.requestsSent = requestsSent
        self.requestsOk = requestsOk
        self.requestsFailed = requestsFailed
        self.journeysStarted = journeysStarted
        self.journeysOk = journeysOk
        self.journeysFailed = journeysFailed
        self.dropped = dropped
        self.inFlight = inFlight
        self.windowP99Microseconds = windowP99Microseconds
    }

    public mutating func add(_ o: LiveSnapshot) {
        elapsedNanoseconds = max(elapsedNanoseconds, o.elapsedNanoseconds)
        requestsSent += o.requestsSent
        requestsOk += o.requestsOk
        requestsFailed += o.requestsFailed
        journeysStarted += o.journeysStarted
        journeysOk += o.journeysOk
        journeysFailed += o.journeysFailed
        dropped += o.dropped
        inFlight += o.inFlight
        windowP99Microseconds = max(windowP99Microseconds, o.windowP99Microseconds)
        windowP50Microseconds = max(windowP50Microseconds, o.windowP50Microseconds)
        windowP90Microseconds = max(windowP90Microseconds, o.windowP90Microseconds)
        windowP95Microseconds = max(windowP95Microseconds, o.windowP95Microseconds)
    }
}
