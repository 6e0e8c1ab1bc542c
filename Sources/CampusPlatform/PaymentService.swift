import Hummingbird
import Synchronization

/// The payment dependency: `POST /charges {orderId, amount}` → 201 `{chargeId}` (idempotent: the order id is the
/// charge's idempotency key, a repeat returns the same charge), `POST /refunds {orderId}` → 201 `{refundId}` or 404
/// when the order was never charged, `GET /charges/summary` → `{charges, refunds}`.
final class PaymentService: Sendable {
    private struct Charge {
        var id: String
        var amount: Int
        var refundId: String?
    }

    private let charges = Mutex<[String: Charge]>([:])

    func register(on router: Router<BasicRequestContext>) {
        struct ChargeRequest: Decodable {
            var orderId: String
            var amount: Int
        }
        struct RefundRequest: Decodable { var orderId: String }
        router.post("/charges") { request, _ in
            guard let body = try? await DependencyServer.decode(ChargeRequest.self, request), body.amount > 0 else {
                return DependencyServer.json(.unprocessableContent, #"{"error":"expected {orderId, amount > 0}"}"#)
            }
            let (charge, replayed) = self.charges.withLock { c -> (Charge, Bool) in
                if let existing = c[body.orderId] { return (existing, true) }
                let charge = Charge(id: "ch_" + body.orderId.dropFirst(4), amount: body.amount)
                c[body.orderId] = charge
                return (charge, false)
            }
            var response = DependencyServer.json(
                .created, ["chargeId": charge.id, "orderId": body.orderId, "amount": String(charge.amount)])
            if replayed { response.headers[.init("Idempotent-Replayed")!] = "true" }
            return response
        }
        router.post("/refunds") { request, _ in
            guard let body = try? await DependencyServer.decode(RefundRequest.self, request) else {
                return DependencyServer.json(.unprocessableContent, #"{"error":"expected {orderId}"}"#)
            }
            let refundId = self.charges.withLock { c -> String? in
                guard var charge = c[body.orderId] else { return nil }
                let id = charge.refundId ?? "re_" + body.orderId.dropFirst(4)
                charge.refundId = id
                c[body.orderId] = charge
                return id
            }
            guard let refundId else {
                return DependencyServer.json(.notFound, #"{"error":"no charge for this order"}"#)
            }
            return DependencyServer.json(.created, ["refundId": refundId, "orderId": body.orderId])
        }
        router.get("/charges/summary") { _, _ in
            let (charges, refunds) = self.charges.withLock { c in (c.count, c.values.count { $0.refundId != nil }) }
            return DependencyServer.json(.ok, ["charges": charges, "refunds": refunds])
        }
    }
}
