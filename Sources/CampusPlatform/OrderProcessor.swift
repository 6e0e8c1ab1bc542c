import Foundation
import Logging
import NIOCore
import StormDrillPlan

/// The order service's business: placing and cancelling orders, and the background work that moves them on
/// (payment settler, courier simulation, notification outbox, incident notice, compensation coupons). What it does
/// when a dependency fails depends on the ``CampusProfile``.
final class OrderProcessor: Sendable {
    let store: CampusOrderStore
    let profile: CampusProfile
    let timing: CampusTiming
    let payment: DependencyClient
    let dispatch: DependencyClient
    let notification: DependencyClient
    let monitor: IncidentMonitor
    let metrics: CampusMetrics
    let logger: Logger

    /// How many dependency calls one background pass makes at a time.
    static let concurrency = 64

    init(
        store: CampusOrderStore, profile: CampusProfile, timing: CampusTiming, payment: DependencyClient,
        dispatch: DependencyClient, notification: DependencyClient, monitor: IncidentMonitor, metrics: CampusMetrics,
        logger: Logger
    ) {
        self.store = store
        self.profile = profile
        self.timing = timing
        self.payment = payment
        self.dispatch = dispatch
        self.notification = notification
        self.monitor = monitor
        self.metrics = metrics
        self.logger = logger
    }

    var resilient: Bool { profile == .resilient }

    func ms(minutes: Int) -> Int64 {
        let (s, a) = (timing.minute * minutes).components
        return s * 1000 + a / 1_000_000_000_000_000
    }

    // MARK: - Placing

    enum PlaceResult {
        case created(CampusOrder)
        case replayed(CampusOrder)
        case conflict
        case paymentFailed(String)
        case paymentDeclined
        case storeFailed
    }

    struct ChargeRequest: Encodable {
        var orderId: String
        var amount: Int
    }

    struct ChargeReply: Decodable { var chargeId: String }

    /// Places a validated order under its idempotency key.
    func place(
        request: PlaceOrderRequest, priced: (lines: [CampusOrder.Line], total: Int), key: String?, hash: Int64
    ) async -> PlaceResult {
        var id: String?
        let deadline = NIODeadline.now() + .seconds(10)
        while id == nil {
            switch store.reserve(key: key, hash: hash) {
            case .reserved(let reserved): id = reserved
            case .existing(let order): return .replayed(order)
            case .conflict: return .conflict
            case .inFlight:
                // The same request is being placed right now (a concurrent retry): wait for its outcome.
                if NIODeadline.now() > deadline { return .storeFailed }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        guard let id else { return .storeFailed }
        let now = CampusClock.nowMs()
        let stamp = CampusClock.timestamp(ms: now)
        let gate = request.dorm.flatMap { d in CampusCatalog.dorms.first { $0.id == d }?.gate } ?? request.gate
        let pickup = request.pickupPoint != nil
        var order = StoredOrder(
            order: CampusOrder(
                id: id, status: OrderState.placed, state: OrderState.placed, paymentState: PaymentState.pending,
                student: request.student, canteen: request.canteen, items: priced.lines, totalCents: priced.total,
                dorm: request.dorm, gate: gate, slot: request.slot, payment: request.payment ?? "campus-card",
                pickupPoint: request.pickupPoint, clientReference: request.reference,
                dispatch: CampusOrder.Dispatch(
                    mode: pickup ? "pickup" : "delivery", rider: nil, etaMinutes: nil,
                    pickupPoint: request.pickupPoint, note: nil),
                notifications: CampusOrder.Notifications(count: 0, queued: 0, last: nil),
                compensation: CampusOrder.Compensation(issued: false, coupon: nil, reason: nil),
                createdAt: stamp, updatedAt: stamp),
            idempotencyKey: key, requestHash: hash, createdMs: now,
            nextStepMs: now + ms(minutes: timing.preparationMinutes),
            promiseMs: now + ms(minutes: timing.promiseMinutes))
        switch await payment.post("/charges", ChargeRequest(orderId: id, amount: priced.total)) {
        case .answered(let status, let body) where (200..<300).contains(status):
            order.order.state = OrderState.paid
            order.order.status = OrderState.paid
            order.order.paymentState = PaymentState.paid
            order.chargeId = (try? JSONDecoder().decode(ChargeReply.self, from: Data(body)))?.chargeId
        case .answered:
            store.release(key: key)
            return .paymentDeclined
        case .failed(let reason):
            guard resilient else {
                store.release(key: key)
                return .paymentFailed(reason)
            }
            order.nextStepMs = now
        case .rejected:
            order.nextStepMs = now
        }
        metrics.count(
            "campus_orders_placed_total", [("profile", profile.rawValue), ("payment", order.order.paymentState)])
        if resilient {
            do {
                try await store.insertDurably(order)
            } catch {
                store.release(key: key)
                return .storeFailed
            }
            if order.order.paymentState == PaymentState.pending {
                _ = store.update(id: id, now: now) { _ in
                    ["Payment is delayed: your order is accepted and will be charged as soon as payment recovers."]
                }
            }
        } else {
            store.insertLazily(order)
        }
        return .created(order.order)
    }

    // MARK: - Cancelling

    enum CancelResult {
        case cancelled(CampusOrder)
        case notFound
        case tooLate(String)
        case failed(String)
    }

    struct RefundRequest: Encodable { var orderId: String }
    struct RefundReply: Decodable { var refundId: String }

    /// Cancels an order that has not been dispatched; a charged (or possibly charged) order is refunded.
    func cancel(id: String) async -> CancelResult {
        guard let current = store.order(id: id) else { return .notFound }
        guard current.state == OrderState.placed || current.state == OrderState.paid else {
            return .tooLate(current.state)
        }
        var refundId: String?
        if !resilient && current.paymentState == PaymentState.paid {
            // Fragile: refund inline, once; a failure goes to the student.
            switch await payment.post("/refunds", RefundRequest(orderId: id)) {
            case .answered(let status, let body) where (200..<300).contains(status):
                refundId = (try? JSONDecoder().decode(RefundReply.self, from: Data(body)))?.refundId
            case .answered(404, _):
                break
            case .answered(let status, _):
                return .failed("payment answered \(status)")
            case .failed(let reason):
                return .failed(reason)
            case .rejected:
                return .failed("payment unavailable")
            }
        }
        let now = CampusClock.nowMs()
        var tooLate: String?
        let updated = store.update(id: id, now: now) { o in
            guard o.order.state == OrderState.placed || o.order.state == OrderState.paid else {
                tooLate = o.order.state
                return nil
            }
            o.order.state = OrderState.cancelled
            if resilient {
                o.order.paymentState = PaymentState.refundPending
                o.nextStepMs = now
                return ["Your order was cancelled; the refund is on its way."]
            }
            o.order.paymentState = PaymentState.refunded
            o.refundId = refundId
            return []
        }
        guard let updated else { return tooLate.map { .tooLate($0) } ?? .notFound }
        if resilient {
            do {
                try await store.writer.waitFor(updated.ticket)
            } catch {
                return .failed("store")
            }
        }
        return .cancelled(updated.order.order)
    }
}
