/// One fault of the drill as it really happened: planned and actual window (offsets from the drill start in
/// milliseconds, on the same monotonic clock as the timeline), whether the driver saw it take effect, and how it
/// was rolled back.
public struct FaultReport: Codable, Sendable, Equatable {
    /// What became of the fault.
    public enum Outcome: String, Codable, Sendable {
        /// Applied, and rolled back (or, for a kill never restarted, left to the end).
        case applied
        /// Applying it failed; its rollback still ran.
        case failed
        /// Never applied: the drill stopped before its start.
        case skipped
    }

    public var name: String
    /// The plan's fault type (`down`, `latency`, `http_error`, `kill`, `command`, ...).
    public var type: String
    /// What it acted on: the dependency's name, `target` for process faults, `command`.
    public var on: String
    public var plannedStartMs: Double
    /// Nil for a kill that is never restarted.
    public var plannedEndMs: Double?
    public var actualStartMs: Double?
    public var actualEndMs: Double?
    public var outcome: Outcome
    /// Whether the check after applying saw the fault in force; nil if it was not applied.
    public var verified: Bool?
    /// What the check saw (a refused connection, a measured delay, a process state, a command's exit).
    public var evidence: String?
    /// How the rollback went (`SIGCONT: pid 123 runs again`, `exit 0 in 4 ms`); nil if none was needed.
    public var rollback: String?
    /// Why applying or rolling back failed.
    public var error: String?
    /// Why a fault was never applied, when someone decided it (`skipped by the facilitator at 12.3 s`).
    public var skipReason: String?

    public init(
        name: String, type: String, on: String, plannedStartMs: Double, plannedEndMs: Double?,
        actualStartMs: Double? = nil, actualEndMs: Double? = nil, outcome: Outcome, verified: Bool? = nil,
        evidence: String? = nil, rollback: String? = nil, error: String? = nil
    ) {
        self.name = name
        self.type = type
        self.on = on
        self.plannedStartMs = plannedStartMs
        self.plannedEndMs = plannedEndMs
        self.actualStartMs = actualStartMs
        self.actualEndMs = actualEndMs
        self.outcome = outcome
        self.verified = verified
        self.evidence = evidence
        self.rollback = rollback
        self.error = error
    }
}

/// The abort condition that ended the drill.
public struct AbortReport: Codable, Sendable, Equatable {
    /// The condition as the plan spells it: `errorRate above 0.5 for 5s`.
    public var condition: String
    /// When it tripped, from the drill start.
    public var atMs: Double
    /// The values seen in the seconds that tripped it.
    public var observed: [Double]

    public init(condition: String, atMs: Double, observed: [Double]) {
        self.condition = condition
        self.atMs = atMs
        self.observed = observed
    }
}
