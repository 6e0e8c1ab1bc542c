/// One probe polled during the drill (for example the incident notice on `/status`) and what it saw.
public struct ProbeReport: Codable, Sendable, Equatable {
    public var name: String
    /// `GET /status`.
    public var request: String
    /// The condition as the plan spells it: `/incident != "none"`.
    public var condition: String
    public var everyMs: Double
    public var samples: Int
    /// Samples that got no usable answer (connection failure, timeout, unexpected status, not JSON).
    public var failedSamples: Int
    /// Every change of the condition's value, in time order; the first entry is the first sample. A failed sample
    /// does not change the value.
    public var changes: [ProbeChange]

    public init(
        name: String, request: String, condition: String, everyMs: Double, samples: Int, failedSamples: Int,
        changes: [ProbeChange]
    ) {
        self.name = name
        self.request = request
        self.condition = condition
        self.everyMs = everyMs
        self.samples = samples
        self.failedSamples = failedSamples
        self.changes = changes
    }

    /// Whether the condition held at `ms` (the value of the last change at or before it); nil before the first.
    public func holds(atMs ms: Double) -> Bool? {
        var value: Bool?
        for c in changes {
            if c.atMs > ms { break }
            value = c.holds
        }
        return value
    }
}

/// A probe sample at which the condition's value changed.
public struct ProbeChange: Codable, Sendable, Equatable {
    /// When the sample's answer arrived, from the drill start.
    public var atMs: Double
    public var holds: Bool

    public init(atMs: Double, holds: Bool) {
        self.atMs = atMs
        self.holds = holds
    }
}
