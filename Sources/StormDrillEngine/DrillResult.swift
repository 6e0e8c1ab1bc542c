import struct Histogram.Histogram

/// Counts for one 100 ms slice of the drill clock. Requests are counted when sent (`sent`) and when they complete
/// (`ok`, `errors`); `latencies` holds the intended-time latency of the requests completed in the slice.
public struct TimelineBucket: Sendable, Hashable {
    public var sent: Int = 0
    public var ok: Int = 0
    public var errors: Int = 0
    public var dropped: Int = 0
    public var journeysStarted: Int = 0
    public var journeysOk: Int = 0
    public var journeysFailed: Int = 0
    /// The most journeys in flight at any moment of the slice (summed over event loops).
    public var inFlightMax: Int = 0
    public var latencies = SparseLatencies()

    public init() {}

    public mutating func merge(_ other: TimelineBucket) {
        sent += other.sent
        ok += other.ok
        errors += other.errors
        dropped += other.dropped
        journeysStarted += other.journeysStarted
        journeysOk += other.journeysOk
        journeysFailed += other.journeysFailed
        inFlightMax += other.inFlightMax
        if latencies.isEmpty {
            latencies = other.latencies
        } else if !other.latencies.isEmpty {
            var h = LatencyHistogram.makeCompact()
            latencies.add(to: &h)
            other.latencies.add(to: &h)
            latencies = SparseLatencies(h)
        }
    }
}

extension [TimelineBucket] {
    /// Adds `part`, whose first slice is slice `base` of the drill clock, to these slices (the engine merges each
    /// loop's finished slices this way as the drill runs, `DrillResult.merge` whole timelines at 0).
    public mutating func merge(_ part: [TimelineBucket], at base: Int) {
        guard !part.isEmpty else { return }
        if count < base + part.count {
            append(contentsOf: repeatElement(TimelineBucket(), count: base + part.count - count))
        }
        for (i, slice) in part.enumerated() { self[base + i].merge(slice) }
    }
}

/// Latency statistics of one step or journey.
public struct LatencyStats: Sendable {
    public var count = 0
    public var ok = 0
    public var errors = ErrorCounts()
    /// From the intended send time (coordinated-omission correct).
    public var latency = LatencyHistogram.make()
    /// From the first byte sent to the last byte received.
    public var service = LatencyHistogram.make()

    public init() {}

    public mutating func merge(_ other: LatencyStats) {
        count += other.count
        ok += other.ok
        errors.merge(other.errors)
        latency.add(other.latency)
        service.add(other.service)
    }
}

/// How well the generator kept its schedule.
public struct GeneratorStats: Sendable {
    /// Scheduling lag: actual start minus intended start of each arrival or user iteration (µs).
    public var lag = LatencyHistogram.make()
    /// Highest share of one event loop's thread busy on CPU over any one-second window (0…1).
    public var cpuBusyMax = 0.0
    /// Longest run of consecutive seconds in which some event loop was at least 95 % busy.
    public var saturatedSecondsRun = 0
    public var eventLoops = 0
    public var connectionsOpened = 0

    public init() {}

    public mutating func merge(_ other: GeneratorStats) {
        lag.add(other.lag)
        cpuBusyMax = max(cpuBusyMax, other.cpuBusyMax)
        saturatedSecondsRun = max(saturatedSecondsRun, other.saturatedSecondsRun)
        eventLoops += other.eventLoops
        connectionsOpened += other.connectionsOpened
    }
}

/// An order the target acknowledged during the drill: the id its answer carried, the idempotency key it was placed
/// with, and when the acknowledgement arrived (ns from the drill start). Kept only when the plan has an audit.
public struct AcknowledgedOrder: Sendable, Hashable {
    public var id: String
    public var key: String?
    public var atNanoseconds: Int64

    public init(id: String, key: String?, atNanoseconds: Int64) {
        self.id = id
        self.key = key
        self.atNanoseconds = atNanoseconds
    }
}

/// Everything the engine measured in one drill, merged over event loops. Analysis turns it into a report.
public struct DrillResult: Sendable {
    /// Resolution of `timeline`.
    public static let bucketNanoseconds: Int64 = 100_000_000

    public var plannedLoadNanoseconds: Int64 = 0
    /// From the drill start until the last journey finished or was abandoned.
    public var elapsedNanoseconds: Int64 = 0
    /// When arrivals stopped: the planned end, or earlier if the run was stopped.
    public var loadEndedNanoseconds: Int64 = 0
    public var stoppedEarly = false

    public var journeysStarted = 0
    /// Journeys still in flight when the run was stopped and the grace period ended.
    public var journeysAbandoned = 0
    public var requestsSent = 0
    public var dropped = 0
    /// Arrivals the schedule planned up to the end of the load (open model).
    public var arrivalsScheduled = 0

    /// Failed journeys by the class of the error that ended them, plus `dropped`.
    public var errors = ErrorCounts()
    /// Short samples of `other` error messages (at most a few, each bounded).
    public var errorSamples: [String] = []

    /// All requests.
    public var requests = LatencyStats()
    /// Per step, indexed like `Plan.journeys[j].steps[s]` flattened in order.
    public var steps: [LatencyStats] = []
    /// Per journey.
    public var journeys: [LatencyStats] = []
    public var timeline: [TimelineBucket] = []
    public var generator = GeneratorStats()
    /// Orders acknowledged by the steps the plan's audit names (empty without an audit).
    public var acknowledged: [AcknowledgedOrder] = []
    /// Acknowledged orders beyond `maximumAcknowledgedPerLoop` on some event loop: counted, not kept (bounded memory).
    public var acknowledgedNotKept = 0

    /// About 100 bytes each: at most ~50 MB per event loop however long the drill.
    public static let maximumAcknowledgedPerLoop = 500_000

    public init() {}

    /// Requests that completed with an accepted response (derived from `requests`, not counted twice).
    public var requestsOk: Int { requests.ok }
    /// Requests that failed, with or without a response.
    public var requestsFailed: Int { requests.count - requests.ok }
    /// Journeys whose every step succeeded (derived from the per-journey statistics).
    public var journeysOk: Int { journeys.reduce(0) { $0 + $1.ok } }
    /// Journeys ended by a failed step.
    public var journeysFailed: Int { journeys.reduce(0) { $0 + $1.count - $1.ok } }

    /// Merges another event loop's result into this one.
    public mutating func merge(_ other: DrillResult) {
        plannedLoadNanoseconds = max(plannedLoadNanoseconds, other.plannedLoadNanoseconds)
        elapsedNanoseconds = max(elapsedNanoseconds, other.elapsedNanoseconds)
        loadEndedNanoseconds = max(loadEndedNanoseconds, other.loadEndedNanoseconds)
        stoppedEarly = stoppedEarly || other.stoppedEarly
        journeysStarted += other.journeysStarted
        journeysAbandoned += other.journeysAbandoned
        requestsSent += other.requestsSent
        dropped += other.dropped
        arrivalsScheduled += other.arrivalsScheduled
        errors.merge(other.errors)
        for s in other.errorSamples
        where errorSamples.count < DrillResult.maximumErrorSamples && !errorSamples.contains(s) {
            errorSamples.append(s)
        }
        requests.merge(other.requests)
        if steps.isEmpty {
            steps = other.steps
        } else {
            for i in other.steps.indices { steps[i].merge(other.steps[i]) }
        }
        if journeys.isEmpty {
            journeys = other.journeys
        } else {
            for i in other.journeys.indices { journeys[i].merge(other.journeys[i]) }
        }
        timeline.merge(other.timeline, at: 0)
        generator.merge(other.generator)
        acknowledgedNotKept += other.acknowledgedNotKept
        if !other.acknowledged.isEmpty {
            // Loops interleave in time: keep the acknowledgements in the order they arrived.
            acknowledged += other.acknowledged
            acknowledged.sort { $0.atNanoseconds < $1.atNanoseconds }
        }
    }

    public static let maximumErrorSamples = 5
    public static let maximumErrorSampleLength = 160
}
