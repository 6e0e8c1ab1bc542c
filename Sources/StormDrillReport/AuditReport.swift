/// The audits run after the load: every acknowledged order looked up again.
public struct AuditReport: Codable, Sendable, Equatable {
    /// The lookup as the plan spells it: `GET /orders/{{extract.orderId}}`.
    public var request: String
    /// What counts as found: `status 200 and /id exists`.
    public var condition: String
    /// Orders the target acknowledged during the drill (successful responses of the step that extracts the id).
    public var acknowledged: Int
    /// Lookups that got an answer.
    public var checked: Int
    public var found: Int
    /// Answered, but not found (wrong status or the condition failed).
    public var lost: Int
    /// Up to `maximumListedIds` lost ids.
    public var lostIds: [String]
    /// Lookups without a usable answer (connection failure, timeout): neither found nor lost.
    public var unverified: Int
    /// Idempotency keys acknowledged with two or more different ids.
    public var duplicates: Int
    public var duplicateKeys: [String]
    public var durationMs: Double
    /// True when the audit was cut short (interrupted); the counts cover what was checked.
    public var incomplete: Bool
    public var compensation: CompensationAuditReport?

    public static let maximumListedIds = 20

    public init(
        request: String, condition: String, acknowledged: Int, checked: Int, found: Int, lost: Int,
        lostIds: [String], unverified: Int, duplicates: Int, duplicateKeys: [String], durationMs: Double,
        incomplete: Bool, compensation: CompensationAuditReport?
    ) {
        self.request = request
        self.condition = condition
        self.acknowledged = acknowledged
        self.checked = checked
        self.found = found
        self.lost = lost
        self.lostIds = lostIds
        self.unverified = unverified
        self.duplicates = duplicates
        self.duplicateKeys = duplicateKeys
        self.durationMs = durationMs
        self.incomplete = incomplete
        self.compensation = compensation
    }
}

/// A condition checked on the found orders acknowledged inside a fault window (were affected students compensated?).
public struct CompensationAuditReport: Codable, Sendable, Equatable {
    public var condition: String
    /// Found orders acknowledged between a fault's start and its recovery.
    public var eligible: Int
    public var passed: Int
    /// passed / eligible (1 when none was eligible).
    public var share: Double
    /// Up to 20 ids that failed the condition.
    public var failedIds: [String]

    public init(condition: String, eligible: Int, passed: Int, share: Double, failedIds: [String]) {
        self.condition = condition
        self.eligible = eligible
        self.passed = passed
        self.share = share
        self.failedIds = failedIds
    }
}
