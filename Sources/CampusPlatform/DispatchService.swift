import Hummingbird
import StormDrillPlan
import Synchronization

/// The dispatch dependency: `POST /assignments {orderId, dorm, gate, slot}` → 201 `{rider, etaMinutes}`, or 409
/// `{"error":"gate closed"}` when the dorm's gate takes no hand-offs. Gate rules: a gate closed by
/// `POST /gates/{gate} {"open": false}` (an admin call; `true` reopens it) takes no hand-offs, and `west-gate` has a
/// curfew for hand-offs in slots starting at 19:30 or later. `GET /gates` lists the gates.
final class DispatchService: Sendable {
    /// Slots starting at or after this time cannot hand over at `west-gate`.
    static let westGateCurfew = "19:30"

    private let closed = Mutex<Set<String>>([])

    func register(on router: Router<BasicRequestContext>) {
        struct AssignmentRequest: Decodable {
            var orderId: String
            var dorm: String?
            var gate: String?
            var slot: String?
        }
        struct Assignment: Encodable {
            var rider: String
            var etaMinutes: Int
            var orderId: String
        }
        struct GateState: Encodable {
            var gate: String
            var open: Bool
            var rule: String?
        }
        router.post("/assignments") { request, _ in
            guard let body = try? await DependencyServer.decode(AssignmentRequest.self, request) else {
                return DependencyServer.json(
                    .unprocessableContent, #"{"error":"expected {orderId, dorm, gate, slot}"}"#)
            }
            let gate = body.gate ?? body.dorm.flatMap { d in CampusCatalog.dorms.first { $0.id == d }?.gate }
            if let gate, !self.accepts(gate: gate, slot: body.slot) {
                return DependencyServer.json(.conflict, #"{"error":"gate closed"}"#)
            }
            let hash = FNV1a.hash(Array(body.orderId.utf8))
            let assignment = Assignment(
                rider: "rider-\(hash % 120 + 1)", etaMinutes: 8 + Int(hash / 120 % 13), orderId: body.orderId)
            return DependencyServer.json(.created, assignment)
        }
        router.post("/gates/{gate}") { request, context in
            struct Body: Decodable { var open: Bool }
            guard let gate = context.parameters.get("gate"), CampusCatalog.gates.contains(gate) else {
                return DependencyServer.json(.notFound, #"{"error":"no such gate"}"#)
            }
            guard let body = try? await DependencyServer.decode(Body.self, request) else {
                return DependencyServer.json(.unprocessableContent, #"{"error":"expected {\"open\": true|false}"}"#)
            }
            self.closed.withLock { if body.open { $0.remove(gate) } else { $0.insert(gate) } }
            return DependencyServer.json(.ok, GateState(gate: gate, open: body.open, rule: nil))
        }
        router.get("/gates") { _, _ in
            let closed = self.closed.withLock { $0 }
            let gates = CampusCatalog.gates.map { gate in
                GateState(
                    gate: gate, open: !closed.contains(gate),
                    rule: gate == "west-gate" ? "no hand-offs for slots from \(Self.westGateCurfew)" : nil)
            }
            return DependencyServer.json(.ok, gates)
        }
    }

    /// Whether `gate` takes a hand-off for an order in `slot`.
    func accepts(gate: String, slot: String?) -> Bool {
        if closed.withLock({ $0.contains(gate) }) { return false }
        if gate == "west-gate", let slot, slot.prefix(5) >= Self.westGateCurfew { return false }
        return true
    }
}
