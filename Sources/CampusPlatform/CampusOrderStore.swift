import Synchronization

/// The embedded platform's order store: in memory for now, safe for concurrent handlers.
public final class CampusOrderStore: Sendable {
    /// What happened to a placement.
    public enum Placement: Sendable {
        case created(CampusOrder)
        /// The Idempotency-Key was seen before with the same request: the original order.
        case replayed(CampusOrder)
        /// The Idempotency-Key was seen before with a different request.
        case conflict
    }

    private struct State {
        var orders: [String: CampusOrder] = [:]
        var byKey: [String: (fingerprint: Int, id: String)] = [:]
        var next = 1
    }

    private let state = Mutex(State())

    public init() {}

    public var count: Int { state.withLock { $0.orders.count } }

    /// Creates an order unless its idempotency key was used before.
    func place(key: String?, fingerprint: Int, make: (String) -> CampusOrder) -> Placement {
        state.withLock { s in
            if let key, let existing = s.byKey[key] {
                guard existing.fingerprint == fingerprint, let order = s.orders[existing.id] else { return .conflict }
                return .replayed(order)
            }
            let id = "ord_" + String(s.next, radix: 36)
            s.next += 1
            let order = make(id)
            s.orders[id] = order
            if let key { s.byKey[key] = (fingerprint, id) }
            return .created(order)
        }
    }

    public func order(id: String) -> CampusOrder? {
        state.withLock { $0.orders[id] }
    }
}
