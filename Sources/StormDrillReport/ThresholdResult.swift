/// One threshold of the plan and how the drill did against it.
public struct ThresholdResult: Codable, Sendable, Equatable {
    /// `p99`, `errorRate`, `timeToRecover`, `lostOrders`, `timeToNotice`, `capacity`, ...
    public var metric: String
    /// The phase it was measured over: `whole`, `baseline`, `recovery`, `fault:NAME`.
    public var during: String
    /// The condition as the plan spells it: `below 800ms`, `equals 0`.
    public var condition: String
    /// The measured value (ms for times, a share for rates, a count, journeys/s); nil when not measurable.
    public var actual: Double?
    /// The measured value for people: `912.4 ms`, `3.1 %`, `not measured: no fault window`.
    public var actualText: String
    public var passed: Bool

    public init(metric: String, during: String, condition: String, actual: Double?, actualText: String, passed: Bool)
    {
        self.metric = metric
        self.during = during
        self.condition = condition
        self.actual = actual
        self.actualText = actualText
        self.passed = passed
    }

    /// `p99 during baseline below 800ms`.
    public var title: String {
        during == "whole" ? "\(metric) \(condition)" : "\(metric) during \(during) \(condition)"
    }
}
