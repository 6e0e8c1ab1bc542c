import Logging
import StormDrillFaults
import StormDrillPlan

/// The plan's dependencies on StormDrill's own fault proxy (StormDrillFaults), one proxy per dependency.
struct FaultProxyBackend: ProxyFaultBackend {
    let registry: ProxyRegistry

    /// - Parameters:
    ///   - rules: the registry's address rules and cap; the default (loopback listeners, loopback or private
    ///     upstreams, 256 proxies) fits every plan whose dependencies are on the team's own network.
    init(rules: ProxyRules = ProxyRules(), logger: Logger = Logger(label: "stormdrill.faults")) {
        var quiet = logger
        quiet.logLevel = .error
        registry = ProxyRegistry(rules: rules, logger: quiet)
    }

    func start(_ dependencies: [Dependency]) async throws {
        for d in dependencies {
            _ = try await registry.create(
                name: d.name, listen: d.listen.description, upstream: d.upstream.description, enabled: true,
                protocol: d.proto == .http ? .http : .tcp)
        }
    }

    func setEnabled(_ dependency: String, _ enabled: Bool) async throws {
        _ = try await registry.update(dependency, enabled: enabled)
    }

    func addToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async throws {
        let toxic = Toxic(
            name: name, kind: Self.kind(spec), stream: spec.stream == .upstream ? .upstream : .downstream,
            toxicity: spec.toxicity)
        _ = try await registry.addToxic(toxic, to: dependency)
    }

    func removeToxic(_ dependency: String, name: String) async throws {
        try await registry.removeToxic(name, from: dependency)
    }

    func verifyDown(_ dependency: String) async -> FaultVerification {
        let r = await registry.verifyDown(proxy: dependency)
        return FaultVerification(verified: r.verified, evidence: r.evidence)
    }

    func verifyUp(_ dependency: String) async -> FaultVerification {
        let r = await registry.verifyUp(proxy: dependency)
        return FaultVerification(verified: r.verified, evidence: r.evidence)
    }

    func verifyToxic(_ dependency: String, name: String, _ spec: ToxicSpec) async -> FaultVerification {
        let r = await registry.verify(proxy: dependency, toxic: name)
        return FaultVerification(verified: r.verified, evidence: r.evidence)
    }

    func shutdown() async {
        await registry.shutdown()
    }

    /// The plan's toxic in the proxy's terms (whole milliseconds, the slicer's delay in microseconds). A value
    /// beyond what an Int holds becomes Int.max (or -1; NaN too), which the toxic's validation refuses with a clear
    /// error, rather than `Int(_:)` trapping.
    static func kind(_ spec: ToxicSpec) -> ToxicKind {
        func int(_ key: String, _ fallback: Double = 0) -> Int {
            let value = (spec.attributes[key] ?? fallback).rounded()
            guard value.isFinite, value.magnitude < 9e18 else { return value > 0 ? Int.max : -1 }
            return Int(value)
        }
        func share(_ key: String) -> Double { spec.attributes[key] ?? 1 }
        switch spec.type {
        case .latency: return .latency(latency: int("latency"), jitter: int("jitter"))
        case .bandwidth: return .bandwidth(rate: int("rate"))
        case .slowClose: return .slowClose(delay: int("delay"))
        case .timeout: return .timeout(timeout: int("timeout"))
        case .resetPeer: return .resetPeer(timeout: int("timeout"))
        case .slicer:
            return .slicer(averageSize: int("average_size"), sizeVariation: int("size_variation"), delay: int("delay"))
        case .limitData: return .limitData(bytes: int("bytes"))
        case .httpError: return .httpError(status: int("status", 503), rate: share("rate"), body: spec.body)
        case .httpDelay: return .httpDelay(delay: int("delay"), jitter: int("jitter"), rate: share("rate"))
        case .failFirst: return .failFirst(count: int("count"), status: int("status", 503))
        case .blackhole: return .blackhole(rate: share("rate"))
        }
    }
}
