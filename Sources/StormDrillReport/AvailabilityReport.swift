/// The report's `availability` section: the drill's availability against `slo.availability`, each fault's burn rate
/// and the share of the window's error budget the drill consumed (docs/report-format.md#availability).
public struct AvailabilityReport: Codable, Sendable, Equatable {
    /// The target (`0.999`) and the budget's window in seconds.
    public var target: Double
    public var windowSeconds: Double
    /// Requests that completed or failed, plus dropped arrivals (each an order that was never sent).
    public var requests: Int
    /// Failed requests plus dropped arrivals.
    public var failed: Int
    /// `1 − failed / requests` (1 with no requests).
    public var availability: Double
    /// The drill's error rate ÷ (1 − target): 1 spends the budget exactly over the window, 10 ten times as fast.
    public var burnRate: Double
    /// Requests per second under load (`requests` over the load's duration).
    public var requestRate: Double
    /// The window's error budget at the drill's traffic: `(1 − target) × requestRate × windowSeconds`.
    public var budgetRequests: Double
    /// `failed / budgetRequests`: the share of the window's budget this drill consumed.
    public var errorBudgetShare: Double
    public var faults: [FaultBurn]

    /// One fault's window (actual start to actual end).
    public struct FaultBurn: Codable, Sendable, Equatable {
        public var fault: String
        public var requests: Int
        public var failed: Int
        public var errorRate: Double
        public var burnRate: Double

        public init(fault: String, requests: Int, failed: Int, errorRate: Double, burnRate: Double) {
            self.fault = fault
            self.requests = requests
            self.failed = failed
            self.errorRate = errorRate
            self.burnRate = burnRate
        }
    }

    public init(
        target: Double, windowSeconds: Double, requests: Int, failed: Int, availability: Double, burnRate: Double,
        requestRate: Double, budgetRequests: Double, errorBudgetShare: Double, faults: [FaultBurn]
    ) {
        self.target = target
        self.windowSeconds = windowSeconds
        self.requests = requests
        self.failed = failed
        self.availability = availability
        self.burnRate = burnRate
        self.requestRate = requestRate
        self.budgetRequests = budgetRequests
        self.errorBudgetShare = errorBudgetShare
        self.faults = faults
    }
}
