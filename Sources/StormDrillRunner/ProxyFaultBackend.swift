import StormDrillPlan

/// What a check after applying a fault saw.
public struct FaultVerification: Sendable, Hashable {
    public var verified: Bool
    public var evidence: String

    public init(verified: Bool, evidence: String) {
        self.verified = verified
        self.evidence = evidence
    }
}

/// The proxy side of faults as the fault controller uses it: one proxy per plan dependency for the whole drill.
/// `FaultProxyBackend` is the real one (StormDrillFaults); tests of the controller's ordering may use another.
protocol ProxyFaultBackend: Sendable {
    /// Starts a proxy per dependency (listening on `listen`, forwarding to `upstream`).
    func start(_ dependencies: [Dependency]) async throws
    /// Disables (`down`) or re-enables a dependency's proxy.
    func setEnabled(_ dependency: String, _ enabled: Bool) async throws
    func addToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async throws
    func removeToxic(_ dependency: String, name: String) async throws
    /// Checks that a disabled proxy refuses connections.
    func verifyDown(_ dependency: String) async -> FaultVerification
    /// Checks that an enabled proxy passes traffic again (after a `down` is rolled back).
    func verifyUp(_ dependency: String) async -> FaultVerification
    /// Checks that a toxic acts on a probe connection or request.
    func verifyToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async -> FaultVerification
    /// Stops every proxy.
    func shutdown() async
}
