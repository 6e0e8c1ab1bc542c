import Foundation
import NIOCore
import StormDrillPlan
import StormDrillReport

/// What must hold before a drill sends its first request or injects its first fault: every destination resolves
/// to an address the drill may reach, and the report folder can be written. A refusal exits 2 with the reason;
/// nothing has been sent and nothing is left to roll back.
public struct DrillPreflight: Sendable {
    /// The checked addresses, and the plan with dependency upstreams pinned to them.
    public var resolved: TargetAddressCheck.Resolved
    /// The run's report folder, created (and written to) here.
    public var reportDirectory: String
    /// When the run started: the report folder's name and the report's `startedAt`.
    public var startedAt: Date

    /// Checks `plan`'s destinations, then makes the run's report folder under `outDirectory` and writes to it.
    public static func check(
        _ plan: Plan, outDirectory: String, addresses: TargetAddressCheck = TargetAddressCheck()
    ) async -> Result<DrillPreflight, TargetAddressCheck.Refusal> {
        // getaddrinfo blocks: off the cooperative pool's threads that other tasks need.
        let checked = await Task.detached { addresses.check(plan) }.value
        let resolved: TargetAddressCheck.Resolved
        switch checked {
        case .failure(let refusal): return .failure(refusal)
        case .success(let r): resolved = r
        }
        let startedAt = Date()
        let directory: String
        do {
            directory = try ReportStore.makeRunDirectory(
                base: outDirectory, startedAt: startedAt, planName: plan.name)
        } catch {
            return .failure(
                TargetAddressCheck.Refusal(
                    description: "the report folder cannot be made under \"\(outDirectory)\": \(error.description)"))
        }
        // mkdir can succeed where writing does not (a full disk, a read-only bind mount of the parent): prove it.
        let probe = (directory as NSString).appendingPathComponent(".write-check")
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok\n".utf8)) else {
            rmdir(directory)
            return .failure(
                TargetAddressCheck.Refusal(description: "the report folder \"\(directory)\" cannot be written"))
        }
        unlink(probe)
        return .success(DrillPreflight(resolved: resolved, reportDirectory: directory, startedAt: startedAt))
    }
}
