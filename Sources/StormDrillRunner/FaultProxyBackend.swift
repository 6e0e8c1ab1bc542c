import StormDrillPlan

// TEMPORARY during development: replaced by the adapter over StormDrillFaults.
struct FaultProxyBackend: ProxyFaultBackend {
    struct Unavailable: Error, CustomStringConvertible { var description: String { "fault proxies unavailable" } }
    func start(_ dependencies: [Dependency]) async throws { throw Unavailable() }
    func setEnabled(_ dependency: String, _ enabled: Bool) async throws { throw Unavailable() }
    func addToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async throws { throw Unavailable() }
    func removeToxic(_ dependency: String, name: String) async throws { throw Unavailable() }
    func verifyDown(_ dependency: String) async -> FaultVerification { .init(verified: false, evidence: "") }
    func verifyToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async -> FaultVerification {
        .init(verified: false, evidence: "")
    }
    func shutdown() async {}
}
