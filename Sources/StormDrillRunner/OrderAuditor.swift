import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StormDrillAnalysis
import StormDrillEngine
import StormDrillPlan

/// Runs the plan's lost-order audit after the load: every acknowledged order is looked up again, a bounded number
/// at a time, with the plan's lookup, and classified as found, lost or unverified.
struct OrderAuditor {
    let audit: OrderAudit
    let baseURL: TargetURL
    let client: HTTPClient
    /// Checked between lookups: true once the drill is being interrupted.
    let shouldStop: @Sendable () -> Bool
    /// Called with (checked, total) at the start, every 2 s and at the end.
    var onProgress: (@Sendable (_ checked: Int, _ total: Int) -> Void)?

    func run(_ acknowledged: [AcknowledgedOrder]) async -> AuditOutcome {
        let started = ContinuousClock.now
        var orders = acknowledged.map {
            AuditOutcome.Order(id: $0.id, key: $0.key, atMs: Double($0.atNanoseconds) / 1e6, finding: .unchecked)
        }
        // One lookup per distinct id (a duplicate acknowledgement of one id is one order).
        var firstIndex: [String: Int] = [:]
        for (i, o) in orders.enumerated() where firstIndex[o.id] == nil { firstIndex[o.id] = i }
        let unique = firstIndex.sorted { $0.value < $1.value }.map(\.key)
        var results: [String: (AuditOutcome.Finding, Bool?)] = [:]
        var incomplete = false
        onProgress?(0, unique.count)
        var lastProgress = ContinuousClock.now
        await withTaskGroup(of: (String, AuditOutcome.Finding, Bool?).self) { group in
            var next = 0
            func launch() -> Bool {
                guard next < unique.count, !shouldStop(), ContinuousClock.now - started < OrderAuditor.budget else {
                    return false
                }
                let id = unique[next]
                next += 1
                group.addTask { await lookUp(id) }
                return true
            }
            for _ in 0..<audit.concurrency where !launch() { break }
            for await (id, finding, compensated) in group {
                results[id] = (finding, compensated)
                _ = launch()
                if ContinuousClock.now - lastProgress >= .seconds(2) {
                    lastProgress = .now
                    onProgress?(results.count, unique.count)
                }
            }
            incomplete = next < unique.count
        }
        onProgress?(results.count, unique.count)
        for i in orders.indices {
            if let (finding, compensated) = results[orders[i].id] {
                orders[i].finding = finding
                orders[i].compensated = compensated
            }
        }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return AuditOutcome(orders: orders, durationMs: ms, incomplete: incomplete)
    }

    /// The longest an audit may take; orders not looked up by then are reported unchecked (audit incomplete).
    static let budget = Duration.seconds(600)

    /// One lookup, headers and body together within the audit's timeout (AsyncHTTPClient's own deadline covers the
    /// response head only: a target that stalls mid-body would otherwise hold the audit forever).
    private func lookUp(_ id: String) async -> (String, AuditOutcome.Finding, Bool?) {
        let timeout = Duration.nanoseconds(audit.timeout.nanoseconds)
        return await Deadline.first(within: timeout) { await exchange(id) } ?? (id, .unverified, nil)
    }

    private func exchange(_ id: String) async -> (String, AuditOutcome.Finding, Bool?) {
        var request = HTTPClientRequest(url: url(for: id))
        request.method = HTTPMethod(rawValue: audit.method.rawValue)
        request.headers.add(name: "User-Agent", value: CompiledPlan.userAgent)
        for h in audit.headers {
            request.headers.add(name: h.name, value: String(decoding: h.value.staticBytes ?? [], as: UTF8.self))
        }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(audit.timeout.nanoseconds))
            let body = try await response.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            let status = Int(response.status.code)
            guard audit.accepts(status: status), audit.found?.holds(in: bytes) ?? true else {
                // A 5xx is the target failing to answer, not an answer that the order is gone.
                return (id, status >= 500 ? .unverified : .lost, nil)
            }
            return (id, .found, audit.compensation?.holds(in: bytes))
        } catch {
            return (id, .unverified, nil)
        }
    }

    /// The lookup URL: the audit's path template rendered with the id as its extract (the template renderer
    /// percent-encodes it for a path, as for any step).
    func url(for id: String) -> String {
        var extracts = ExtractSlots(count: 1)
        extracts.set(slot: 0, token: Array("\"\(JSONNode.escapeJSONStringContent(id))\"".utf8))
        let path = audit.path.renderString(order: .empty, generator: OrderAuditor.noOrders, extracts: extracts)
        return baseURL.description + path
    }

    /// Audit paths use no order fields (the plan decoder refuses them); the renderer still wants a generator.
    private static let noOrders = OrderGenerator(seed: 0)
}
