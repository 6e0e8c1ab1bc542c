/// What the lost-order audit saw, order by order, before it is summarised against the fault windows.
public struct AuditOutcome: Sendable {
    /// How one lookup ended.
    public enum Finding: Sendable, Hashable {
        /// Answered with an accepted status and the condition held.
        case found
        /// Answered, but with another status or without the condition: the order is gone.
        case lost
        /// No usable answer (connection failure, timeout): neither found nor lost.
        case unverified
        /// Not looked up (the audit was cut short).
        case unchecked
    }

    public struct Order: Sendable, Hashable {
        public var id: String
        public var key: String?
        /// When the acknowledgement arrived, ms from the drill start.
        public var atMs: Double
        public var finding: Finding
        /// The compensation condition on the found order's answer; nil when not found or no condition.
        public var compensated: Bool?

        public init(id: String, key: String?, atMs: Double, finding: Finding, compensated: Bool? = nil) {
            self.id = id
            self.key = key
            self.atMs = atMs
            self.finding = finding
            self.compensated = compensated
        }
    }

    public var orders: [Order]
    public var durationMs: Double
    public var incomplete: Bool
    /// Acknowledged orders the engine counted but did not keep (its memory bound): never looked up.
    public var notKept: Int

    public init(orders: [Order], durationMs: Double, incomplete: Bool, notKept: Int = 0) {
        self.orders = orders
        self.durationMs = durationMs
        self.incomplete = incomplete
        self.notKept = notKept
    }
}
