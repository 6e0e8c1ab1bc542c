import Foundation
import NIOCore

/// The background work that moves orders on, as loops of ``OrderProcessor`` that run until cancelled:
/// - settler: charges orders whose payment is pending, refunds cancelled ones (resilient; a payment pending past
///   ``CampusTiming/settleLimitMinutes`` is cancelled and refunded with a coupon), so none stays pending;
/// - courier: dispatch after preparation (delivery via the dispatch service, or a pickup point: chosen at once in the
///   resilient profile when dispatch fails or the gate is closed), then delivered / picked up after the ETA, with a
///   coupon when later than the promise (resilient);
/// - outbox: delivers queued notifications when the channel is up (resilient);
/// - monitor: re-evaluates the incident notice and the order gauges.
extension OrderProcessor {
    /// Runs every loop until the task is cancelled.
    func runBackground() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.loop { await self.settlePass() } }
            group.addTask { await self.loop { await self.courierPass() } }
            group.addTask { await self.loop { await self.outboxPass() } }
            group.addTask { await self.loop { self.monitorPass() } }
        }
    }

    private func loop(_ pass: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await pass()
            try? await Task.sleep(for: timing.tick)
        }
    }

    /// Runs `work` for every element with at most ``concurrency`` at a time.
    private func forEach<T: Sendable>(_ items: [T], _ work: @escaping @Sendable (T) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<Self.concurrency {
                guard let item = iterator.next() else { break }
                group.addTask { await work(item) }
            }
            while await group.next() != nil {
                if let item = iterator.next() { group.addTask { await work(item) } }
            }
        }
    }

    // MARK: - Settler

    func settlePass() async {
        let now = CampusClock.nowMs()
        let due = store.due(now: now, limit: 2000) { o in
            (o.order.state == OrderState.placed && o.order.paymentState == PaymentState.pending)
                || o.order.paymentState == PaymentState.refundPending
        }
        guard !due.isEmpty else { return }
        await forEach(due) { order in
            if order.order.paymentState == PaymentState.refundPending {
                await self.refund(order)
            } else {
                await self.settle(order)
            }
        }
    }

    private func settle(_ order: StoredOrder) async {
        guard resilient else { return }
        let outcome = await payment.post("/charges", ChargeRequest(orderId: order.id, amount: order.order.totalCents))
        let now = CampusClock.nowMs()
        switch outcome {
        case .answered(let status, let body) where (200..<300).contains(status):
            let chargeId = (try? JSONDecoder().decode(ChargeReply.self, from: Data(body)))?.chargeId
            _ = store.update(id: order.id, now: now) { o in
                guard o.order.paymentState == PaymentState.pending else { return nil }
                o.order.paymentState = PaymentState.paid
                if o.order.state == OrderState.placed { o.order.state = OrderState.paid }
                o.chargeId = chargeId
                o.nextStepMs = max(now, o.createdMs + self.ms(minutes: self.timing.preparationMinutes))
                return ["Payment went through: your order is being prepared."]
            }
        default:
            let expired = now - order.createdMs > ms(minutes: timing.settleLimitMinutes)
            _ = store.update(id: order.id, now: now) { o in
                guard o.order.paymentState == PaymentState.pending else { return nil }
                if expired {
                    // The charge may have gone through unseen: refund (a refund of nothing is a no-op).
                    o.order.state = OrderState.cancelled
                    o.order.paymentState = PaymentState.refundPending
                    o.nextStepMs = now
                    self.issueCoupon(&o, reason: "payment could not be settled")
                    return ["We could not take your payment in time: the order is cancelled and refunded."]
                }
                o.nextStepMs = now + 250
                return []
            }
        }
    }

    private func refund(_ order: StoredOrder) async {
        let outcome = await payment.post("/refunds", RefundRequest(orderId: order.id))
        let now = CampusClock.nowMs()
        var refundId: String?
        switch outcome {
        case .answered(let status, let body) where (200..<300).contains(status):
            refundId = (try? JSONDecoder().decode(RefundReply.self, from: Data(body)))?.refundId
        case .answered(404, _):
            refundId = nil
        default:
            _ = store.update(id: order.id, now: now) { o in
                o.nextStepMs = now + 250
                return []
            }
            return
        }
        _ = store.update(id: order.id, now: now) { o in
            guard o.order.paymentState == PaymentState.refundPending else { return nil }
            o.order.paymentState = PaymentState.refunded
            o.refundId = refundId
            return ["Your refund of \(Self.money(o.order.totalCents)) has been issued."]
        }
    }

    // MARK: - Courier

    struct AssignmentRequest: Encodable {
        var orderId: String
        var dorm: String?
        var gate: String?
        var slot: String?
    }

    struct AssignmentReply: Decodable {
        var rider: String
        var etaMinutes: Int
    }

    func courierPass() async {
        let now = CampusClock.nowMs()
        let due = store.due(now: now, limit: 4000) { o in
            (o.order.state == OrderState.paid && o.order.paymentState == PaymentState.paid)
                || o.order.state == OrderState.dispatched
        }
        guard !due.isEmpty else { return }
        var arriving: [StoredOrder] = []
        var toDispatch: [StoredOrder] = []
        for order in due {
            if order.order.state == OrderState.dispatched { arriving.append(order) } else { toDispatch.append(order) }
        }
        for order in arriving { arrive(order, now: now) }
        await forEach(toDispatch) { order in await self.dispatchOrder(order) }
    }

    private func arrive(_ order: StoredOrder, now: Int64) {
        let update = store.update(id: order.id, now: now, outbox: resilient) { o in
            guard o.order.state == OrderState.dispatched else { return nil }
            let pickup = o.order.dispatch.mode == "pickup"
            o.order.state = pickup ? OrderState.pickedUp : OrderState.delivered
            if self.resilient && now > o.promiseMs {
                self.issueCoupon(&o, reason: "delivered after the promised slot")
            }
            var texts = [
                pickup
                    ? "Your order was collected at \(o.order.dispatch.pickupPoint ?? "the pickup point"). Enjoy!"
                    : "Your order was handed over at \(o.order.gate ?? "your dorm gate"). Enjoy!"
            ]
            if let coupon = o.order.compensation.coupon, o.order.compensation.reason?.hasPrefix("delivered") == true {
                texts.append("Sorry for the delay: coupon \(coupon) is yours for your next order.")
            }
            return texts
        }
        sendDirectlyIfFragile(update?.messages ?? [])
    }

    private func dispatchOrder(_ order: StoredOrder) async {
        if order.order.dispatch.mode == "pickup" {
            let now = CampusClock.nowMs()
            let update = store.update(id: order.id, now: now, outbox: resilient) { o in
                guard o.order.state == OrderState.paid else { return nil }
                o.order.state = OrderState.dispatched
                o.order.dispatch.etaMinutes = 5
                o.nextStepMs = now + self.ms(minutes: 5)
                return ["Your order will be ready at \(o.order.dispatch.pickupPoint ?? "the pickup point") in 5 min."]
            }
            sendDirectlyIfFragile(update?.messages ?? [])
            return
        }
        let outcome = await dispatch.post(
            "/assignments",
            AssignmentRequest(
                orderId: order.id, dorm: order.order.dorm, gate: order.order.gate, slot: order.order.slot))
        let now = CampusClock.nowMs()
        var assignment: AssignmentReply?
        var problem: String?
        switch outcome {
        case .answered(let status, let body) where (200..<300).contains(status):
            assignment = try? JSONDecoder().decode(AssignmentReply.self, from: Data(body))
            if assignment == nil { problem = "dispatch gave no rider" }
        case .answered(409, _):
            problem = "gate closed"
        case .answered(let status, _):
            problem = "dispatch answered \(status)"
        case .failed(let reason):
            problem = "dispatch failed (\(reason))"
        case .rejected:
            problem = "dispatch unavailable"
        }
        let update = store.update(id: order.id, now: now, outbox: resilient) { o in
            guard o.order.state == OrderState.paid else { return nil }
            if let assignment {
                o.order.state = OrderState.dispatched
                o.order.dispatch.rider = assignment.rider
                o.order.dispatch.etaMinutes = assignment.etaMinutes
                o.order.dispatch.note = nil
                o.nextStepMs = now + self.ms(minutes: assignment.etaMinutes)
                return [
                    "\(assignment.rider) is on the way to \(o.order.gate ?? "your dorm gate"): about "
                        + "\(assignment.etaMinutes) min."
                ]
            }
            let problem = problem ?? "dispatch failed"
            guard self.resilient else {
                // Fragile: no fallback; the order waits and dispatch is asked again.
                o.order.dispatch.note = problem
                o.nextStepMs = now + 1000
                return []
            }
            let point = Self.fallbackPickupPoint(gate: o.order.gate)
            o.order.state = OrderState.dispatched
            o.order.dispatch = CampusOrder.Dispatch(
                mode: "pickup", rider: nil, etaMinutes: 5, pickupPoint: point,
                note: "\(problem): moved to a pickup point")
            o.order.pickupPoint = point
            o.nextStepMs = now + self.ms(minutes: 5)
            return ["Riders cannot reach your gate right now (\(problem)): collect your order at \(point) in 5 min."]
        }
        sendDirectlyIfFragile(update?.messages ?? [])
    }

    /// The pickup point nearest a dorm gate.
    static func fallbackPickupPoint(gate: String?) -> String {
        switch gate {
        case "north-gate": "north-gate-kiosk"
        case "east-gate": "library-lockers"
        case "south-gate": "sports-center-shelf"
        default: "student-union-desk"
        }
    }

    func issueCoupon(_ order: inout StoredOrder, reason: String) {
        guard !order.order.compensation.issued else { return }
        order.order.compensation = CampusOrder.Compensation(
            issued: true, coupon: "SORRY-" + order.id.dropFirst(4).prefix(8).uppercased(), reason: reason)
        metrics.count("campus_compensation_coupons_total", [("reason", reason)])
    }

    static func money(_ cents: Int) -> String {
        let rest = cents % 100
        return "\(cents / 100).\(rest < 10 ? "0" : "")\(rest)"
    }

    // MARK: - Notifications

    struct MessageRequest: Encodable {
        var student: String
        var orderId: String
        var text: String
    }

    /// Fragile: each message is sent once, now; if the channel is down it is lost.
    private func sendDirectlyIfFragile(_ messages: [OutboxMessage]) {
        guard !resilient, !messages.isEmpty else { return }
        for message in messages {
            Task {
                let outcome = await notification.post(
                    "/messages", MessageRequest(student: message.student, orderId: message.orderId, text: message.text))
                var delivered = false
                if case .answered(let status, _) = outcome, (200..<300).contains(status) { delivered = true }
                store.messageSentDirectly(
                    orderId: message.orderId, text: message.text, delivered: delivered, now: CampusClock.nowMs())
            }
        }
    }

    struct MessageBatch: Encodable { var messages: [MessageRequest] }

    /// Messages per `POST /messages` batch from the outbox.
    static let batchSize = 50

    func outboxPass() async {
        guard resilient else { return }
        let waiting = store.waitingMessages(limit: 8000)
        guard !waiting.isEmpty else { return }
        await forEach(waiting.chunked(Self.batchSize)) { batch in
            let body = MessageBatch(
                messages: batch.map { MessageRequest(student: $0.student, orderId: $0.orderId, text: $0.text) })
            let outcome = await self.notification.post("/messages", body)
            var delivered = false
            if case .answered(let status, _) = outcome, (200..<300).contains(status) { delivered = true }
            // A 4xx means the channel refuses these messages for good: drop them rather than retry forever.
            if case .answered(let status, _) = outcome, (400..<500).contains(status) { delivered = true }
            self.store.messagesAttempted(ids: batch.map(\.id), delivered: delivered, now: CampusClock.nowMs())
        }
    }

    // MARK: - Monitor

    func monitorPass() {
        let notice = monitor.evaluate(now: .now(), nowMs: CampusClock.nowMs())
        metrics.set("campus_incident_degraded", [], notice.state == "degraded" ? 1 : 0)
    }

    /// Sets the gauges that are read at scrape time.
    func refreshGauges() {
        let byState = store.countsByState()
        for state in [
            OrderState.placed, OrderState.paid, OrderState.dispatched, OrderState.delivered, OrderState.pickedUp,
            OrderState.cancelled,
        ] {
            metrics.set("campus_orders", [("state", state)], Double(byState[state] ?? 0))
        }
        let byPayment = store.countsByPaymentState()
        for state in [
            PaymentState.pending, PaymentState.paid, PaymentState.refundPending, PaymentState.refunded,
            PaymentState.failed,
        ] {
            metrics.set("campus_orders_payment", [("state", state)], Double(byPayment[state] ?? 0))
        }
        metrics.set("campus_outbox_messages", [], Double(store.outboxCount))
    }
}
