/// The capacity found by a ramping drill: the highest arrival rate the target carried within its SLO.
/// Defined in docs/report-format.md ("Capacity").
public struct CapacityReport: Codable, Sendable, Equatable {
    /// How long every second had to meet the SLO for a rate to count.
    public var windowMs: Double
    /// The highest planned arrival rate (journeys/s) at the end of a window in which every second met the SLO;
    /// nil when no window did.
    public var capacity: Double?
    /// Achieved journeys/s in the second the capacity was reached.
    public var throughputAtCapacity: Double?
    /// False when the SLO never broke: the capacity is then at least the highest rate offered.
    public var limitReached: Bool
    /// The first second (after the capacity) that broke the SLO, its planned rate and what broke.
    public var brokeAtMs: Double?
    public var brokeAtRate: Double?
    /// `errors`, `latency`, `dropped`.
    public var brokenBy: [String]
    /// Highest achieved journeys/s in any second.
    public var peakThroughput: Double
    /// What throughput did past the knee: `plateau` (stays within 10 % of its peak), `collapse` (ends more than
    /// 25 % below its peak), `declining`, or `rising` (the SLO never broke).
    public var pastKnee: String
    /// One point per second: what was offered and what came back.
    public var points: [CapacityPoint]
    public var forecast: ForecastReport?

    public init(
        windowMs: Double, capacity: Double?, throughputAtCapacity: Double?, limitReached: Bool, brokeAtMs: Double?,
        brokeAtRate: Double?, brokenBy: [String], peakThroughput: Double, pastKnee: String, points: [CapacityPoint],
        forecast: ForecastReport?
    ) {
        self.windowMs = windowMs
        self.capacity = capacity
        self.throughputAtCapacity = throughputAtCapacity
        self.limitReached = limitReached
        self.brokeAtMs = brokeAtMs
        self.brokeAtRate = brokeAtRate
        self.brokenBy = brokenBy
        self.peakThroughput = peakThroughput
        self.pastKnee = pastKnee
        self.points = points
        self.forecast = forecast
    }
}

/// One second of a capacity ramp.
public struct CapacityPoint: Codable, Sendable, Equatable {
    /// Start of the second, from the drill start.
    public var t: Int
    /// Planned arrival rate in the middle of the second (journeys/s).
    public var offered: Double
    /// Journeys that ended successfully in the second.
    public var achieved: Double
    /// Failed and dropped journeys over those that ended or were dropped.
    public var errorRate: Double
    public var p99Ms: Double
    public var dropped: Int
    /// Whether this second met the SLO.
    public var withinSLO: Bool

    public init(
        t: Int, offered: Double, achieved: Double, errorRate: Double, p99Ms: Double, dropped: Int, withinSLO: Bool
    ) {
        self.t = t
        self.offered = offered
        self.achieved = achieved
        self.errorRate = errorRate
        self.p99Ms = p99Ms
        self.dropped = dropped
        self.withinSLO = withinSLO
    }
}

/// The new term's demand forecast against the capacity found.
public struct ForecastReport: Codable, Sendable, Equatable {
    public var peakRate: Double
    public var headroom: Double
    /// peakRate × headroom.
    public var required: Double
    /// Whether the capacity found covers `required`.
    public var covered: Bool
    /// capacity / required − 1 (negative when short); nil when no capacity was found.
    public var margin: Double?

    public init(peakRate: Double, headroom: Double, required: Double, covered: Bool, margin: Double?) {
        self.peakRate = peakRate
        self.headroom = headroom
        self.required = required
        self.covered = covered
        self.margin = margin
    }
}
