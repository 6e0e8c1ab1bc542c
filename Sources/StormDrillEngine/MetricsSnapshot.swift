import StormDrillPlan

import struct Histogram.Histogram

/// The drill's running totals as the driver's Prometheus metrics publish them: per step and per journey counts, error
/// classes and latency in fixed histogram buckets, in flight, dropped and the generator's lag.
///
/// Made off the hot path from a loop's ``DrillResult`` (once a second, beside the live snapshot) and summed over loops
/// by the engine; the last one is made from the merged result, so its totals are report.json's.
public struct MetricsSnapshot: Sendable, Equatable {
    /// Upper bounds (seconds) of the latency histograms' buckets, as Prometheus `le` labels; `+Inf` is implied.
    public static let bucketBounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// A latency distribution in the fixed buckets.
    public struct Buckets: Sendable, Equatable {
        /// Cumulative counts: `cumulative[i]` values at or below `bucketBounds[i]`.
        public var cumulative: [UInt64]
        /// All values recorded (the `+Inf` bucket).
        public var count: UInt64
        /// Sum of the values in seconds (from the HDR histogram's mean: 3 significant digits).
        public var sumSeconds: Double

        public init() {
            cumulative = Array(repeating: 0, count: MetricsSnapshot.bucketBounds.count)
            count = 0
            sumSeconds = 0
        }

        /// The buckets of a histogram of microseconds.
        init(_ histogram: Histogram<UInt64>) {
            self.init()
            count = histogram.totalCount
            guard count > 0 else { return }
            var running: UInt64 = 0
            var lower: UInt64 = 0
            for (i, bound) in MetricsSnapshot.bucketBounds.enumerated() {
                let upper = UInt64((bound * 1_000_000).rounded())
                // Each range once: the scan stops at the highest bound, not at the histogram's one-hour end.
                running += histogram.count(within: lower...upper)
                cumulative[i] = min(running, count)
                lower = upper + 1
            }
            sumSeconds = histogram.mean * Double(count) / 1_000_000
        }

        public mutating func add(_ o: Buckets) {
            for i in cumulative.indices { cumulative[i] += o.cumulative[i] }
            count += o.count
            sumSeconds += o.sumSeconds
        }
    }

    /// One step of one journey.
    public struct Step: Sendable, Equatable {
        public var journey: String
        public var step: String
        /// Requests completed or failed.
        public var count = 0
        public var ok = 0
        public var errors = ErrorCounts()
        /// From the intended send time (coordinated-omission correct), of the requests that got a response.
        public var latency = Buckets()
        /// From the first byte sent to the last byte received.
        public var service = Buckets()

        public init(journey: String, step: String) {
            self.journey = journey
            self.step = step
        }
    }

    /// One journey.
    public struct Journey: Sendable, Equatable {
        public var name: String
        /// Journeys that ended.
        public var count = 0
        public var ok = 0
        public var errors = ErrorCounts()

        public init(name: String, count: Int = 0, ok: Int = 0, errors: ErrorCounts = ErrorCounts()) {
            self.name = name
            self.count = count
            self.ok = ok
            self.errors = errors
        }
    }

    public var steps: [Step] = []
    public var journeys: [Journey] = []
    public var requestsSent = 0
    public var journeysStarted = 0
    public var dropped = 0
    public var inFlight = 0
    /// The scheduling lag's p99 and highest value so far (seconds): how late the generator started arrivals.
    public var lagP99Seconds = 0.0
    public var lagMaxSeconds = 0.0
    /// Nanoseconds since the drill start.
    public var elapsedNanoseconds: Int64 = 0

    public init() {}

    /// The totals of `result`, with the step and journey names of `plan`.
    public init(result: DrillResult, plan: CompiledPlan, inFlight: Int) {
        let names = plan.stepNames
        steps = result.steps.indices.map { i in
            let s = result.steps[i]
            var step = Step(
                journey: i < names.count ? names[i].journey : "?", step: i < names.count ? names[i].step : "?")
            step.count = s.count
            step.ok = s.ok
            step.errors = s.errors
            step.latency = Buckets(s.latency)
            step.service = Buckets(s.service)
            return step
        }
        journeys = result.journeys.indices.map { j in
            let stats = result.journeys[j]
            let name = j < plan.plan.journeys.count ? plan.plan.journeys[j].name : "?"
            return Journey(name: name, count: stats.count, ok: stats.ok, errors: stats.errors)
        }
        requestsSent = result.requestsSent
        journeysStarted = result.journeysStarted
        dropped = result.dropped
        self.inFlight = inFlight
        let lag = result.generator.lag
        if lag.totalCount > 0 {
            lagP99Seconds = Double(lag.valueAtPercentile(99)) / 1_000_000
            lagMaxSeconds = Double(lag.max) / 1_000_000
        }
        elapsedNanoseconds = result.elapsedNanoseconds
    }

    /// Adds another loop's snapshot (the same plan, so the same steps in the same order).
    public mutating func add(_ o: MetricsSnapshot) {
        if steps.isEmpty {
            steps = o.steps
        } else {
            for i in o.steps.indices where i < steps.count {
                steps[i].count += o.steps[i].count
                steps[i].ok += o.steps[i].ok
                steps[i].errors.merge(o.steps[i].errors)
                steps[i].latency.add(o.steps[i].latency)
                steps[i].service.add(o.steps[i].service)
            }
        }
        if journeys.isEmpty {
            journeys = o.journeys
        } else {
            for j in o.journeys.indices where j < journeys.count {
                journeys[j].count += o.journeys[j].count
                journeys[j].ok += o.journeys[j].ok
                journeys[j].errors.merge(o.journeys[j].errors)
            }
        }
        requestsSent += o.requestsSent
        journeysStarted += o.journeysStarted
        dropped += o.dropped
        inFlight += o.inFlight
        // Lag is per arrival: across loops the worst loop's figure is the honest one.
        lagP99Seconds = max(lagP99Seconds, o.lagP99Seconds)
        lagMaxSeconds = max(lagMaxSeconds, o.lagMaxSeconds)
        elapsedNanoseconds = max(elapsedNanoseconds, o.elapsedNanoseconds)
    }
}
