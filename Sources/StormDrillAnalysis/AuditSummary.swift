import StormDrillPlan
import StormDrillReport

/// Summarises the audit's per-order findings: lost and duplicate orders, and compensation of the orders placed
/// while a fault was hurting the target. Pure.
public enum AuditSummary {
    /// `windows`: from each fault's start to the target's recovery from it (or the fault's end), in ms.
    public static func build(
        _ outcome: AuditOutcome, audit: OrderAudit, windows: [(startMs: Double, endMs: Double)]
    ) -> AuditReport {
        // One entry per distinct id: its first acknowledgement.
        var seen = Set<String>()
        let orders = outcome.orders.filter { seen.insert($0.id).inserted }
        let lost = orders.filter { $0.finding == .lost }
        let found = orders.filter { $0.finding == .found }
        // The same idempotency key acknowledged with different ids: the target made two orders of one.
        var idsByKey: [String: Set<String>] = [:]
        var keyOrder: [String] = []
        for o in outcome.orders {
            guard let key = o.key else { continue }
            if idsByKey[key] == nil { keyOrder.append(key) }
            idsByKey[key, default: []].insert(o.id)
        }
        let duplicateKeys = keyOrder.filter { (idsByKey[$0]?.count ?? 0) > 1 }
        var compensation: CompensationAuditReport?
        if let condition = audit.compensation {
            let eligible = found.filter { o in windows.contains { o.atMs >= $0.startMs && o.atMs < $0.endMs } }
            let passed = eligible.filter { $0.compensated == true }
            let failed = eligible.filter { $0.compensated != true }
            compensation = CompensationAuditReport(
                condition: condition.description, eligible: eligible.count, passed: passed.count,
                share: eligible.isEmpty ? 1 : Double(passed.count) / Double(eligible.count),
                failedIds: Array(failed.prefix(AuditReport.maximumListedIds).map(\.id)))
        }
        return AuditReport(
            request: audit.requestText, condition: audit.conditionText, acknowledged: orders.count + outcome.notKept,
            checked: orders.filter { $0.finding != .unchecked }.count, found: found.count, lost: lost.count,
            lostIds: Array(lost.prefix(AuditReport.maximumListedIds).map(\.id)),
            unverified: orders.filter { $0.finding == .unverified }.count, duplicates: duplicateKeys.count,
            duplicateKeys: Array(duplicateKeys.prefix(AuditReport.maximumListedIds)),
            durationMs: (outcome.durationMs * 10).rounded() / 10, incomplete: outcome.incomplete || outcome.notKept > 0,
            compensation: compensation)
    }
}
