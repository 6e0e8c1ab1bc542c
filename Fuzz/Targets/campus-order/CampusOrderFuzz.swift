import Foundation
import StormDrillPlan

/// libFuzzer entry point for the campus platform's order decoding: the body of `POST /orders`.
///
/// The input is the request body. It goes through what `CampusService.placeOrder` does before the store: the
/// `JSONDecoder` decode of `PlaceOrderRequest` (with the error mapping to a field name) and `OrderValidator`. An
/// accepted order is then built as `OrderProcessor.place` builds it, written with the hand-written `CampusOrderJSON`
/// and read back with `JSONDecoder`, as clients and the store's JSON columns do: the round trip must give the same
/// order. Nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Data(bytes: start, count: count)
    let request: PlaceOrderRequest
    do {
        request = try JSONDecoder().decode(PlaceOrderRequest.self, from: body)
    } catch DecodingError.keyNotFound(let key, _) {
        _ = "missing \"\(key.stringValue)\""
        return 0
    } catch DecodingError.typeMismatch(_, let context) {
        _ = context.codingPath.map(\.stringValue).joined(separator: ".")
        return 0
    } catch DecodingError.valueNotFound(_, let context) {
        _ = context.codingPath.map(\.stringValue).joined(separator: ".")
        return 0
    } catch {
        return 0
    }
    let priced: (lines: [CampusOrder.Line], total: Int)
    do {
        priced = try OrderValidator.validate(request)
    } catch {
        precondition(!error.field.isEmpty && !error.message.isEmpty, "a validation error without field or message")
        return 0
    }
    precondition(priced.total > 0 && !priced.lines.isEmpty, "an accepted order with total \(priced.total)")
    let stamp = "2026-12-03T12:00:00.000Z"
    let gate = request.dorm.flatMap { d in CampusCatalog.dorms.first { $0.id == d }?.gate } ?? request.gate
    let order = CampusOrder(
        id: "o-fuzz", status: "placed", state: "placed", paymentState: "pending",
        student: request.student, canteen: request.canteen, items: priced.lines, totalCents: priced.total,
        dorm: request.dorm, gate: gate, slot: request.slot, payment: request.payment ?? "campus-card",
        pickupPoint: request.pickupPoint, clientReference: request.reference,
        dispatch: CampusOrder.Dispatch(
            mode: request.pickupPoint != nil ? "pickup" : "delivery", rider: nil, etaMinutes: nil,
            pickupPoint: request.pickupPoint, note: nil),
        notifications: CampusOrder.Notifications(count: 0, queued: 0, last: request.reference),
        compensation: CampusOrder.Compensation(issued: false, coupon: nil, reason: request.gate),
        createdAt: stamp, updatedAt: stamp)
    let json = CampusOrderJSON.order(order)
    let decoded = try? JSONDecoder().decode(CampusOrder.self, from: Data(json.utf8))
    precondition(decoded == order, "CampusOrderJSON round trip differs: \(json)")
    // The store's JSON columns.
    let items = try? JSONDecoder().decode([CampusOrder.Line].self, from: Data(CampusOrderJSON.items(order.items).utf8))
    precondition(items == order.items, "items column round trip differs")
    let dispatch = try? JSONDecoder().decode(
        CampusOrder.Dispatch.self, from: Data(CampusOrderJSON.dispatch(order.dispatch).utf8))
    precondition(dispatch == order.dispatch, "dispatch column round trip differs")
    let notifications = try? JSONDecoder().decode(
        CampusOrder.Notifications.self, from: Data(CampusOrderJSON.notifications(order.notifications).utf8))
    precondition(notifications == order.notifications, "notifications column round trip differs")
    return 0
}
