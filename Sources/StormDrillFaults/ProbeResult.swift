/// The outcome of a verification probe: whether the fault was seen acting, and the measured evidence, in one line
/// a drill report can quote.
public struct ProbeResult: Sendable, Hashable, CustomStringConvertible {
    /// The proxy probed.
    public var proxy: String
    /// The toxic probed; nil for the down and up probes.
    public var toxic: String?
    /// True only if the probe observed the fault's effect (or, for `verifyDown`, a refused connect).
    public var verified: Bool
    /// What was measured and what was expected, or why nothing could be measured.
    public var evidence: String
    /// The main measured duration (round trip, time to close, ...), if one was taken.
    public var measuredMilliseconds: Double?

    /// - Parameters:
    ///   - evidence: one line, measured figures first.
    public init(proxy: String, toxic: String?, verified: Bool, evidence: String, measuredMilliseconds: Double? = nil) {
        self.proxy = proxy
        self.toxic = toxic
        self.verified = verified
        self.evidence = evidence
        self.measuredMilliseconds = measuredMilliseconds
    }

    public var description: String {
        "\(proxy)\(toxic.map { "/\($0)" } ?? ""): \(verified ? "verified" : "NOT verified"): \(evidence)"
    }
}
