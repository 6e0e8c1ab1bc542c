import StormDrillPlan

/// An order as the campus platform stores and returns it (`GET /orders/{id}`, the body of a 201).
public struct CampusOrder: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var sku: String
        public var name: String
        public var qty: Int
        public var priceCents: Int
    }

    /// How the order reaches the student.
    public struct Dispatch: Codable, Sendable, Equatable {
        /// `delivery` (a rider brings it to the dorm gate) or `pickup` (the student collects it at `pickupPoint`).
        public var mode: String
        public var rider: String?
        public var etaMinutes: Int?
        public var pickupPoint: String?
        /// Why dispatch has not happened yet or why the order was moved to a pickup point.
        public var note: String?
    }

    /// Messages to the student about this order.
    public struct Notifications: Codable, Sendable, Equatable {
        /// Messages the notification service accepted.
        public var count: Int
        /// Messages waiting in the outbox for the notification channel to come back.
        public var queued: Int
        /// The latest message's text (sent or queued).
        public var last: String?
    }

    /// A coupon for an order hurt by an incident (delivered late or refunded).
    public struct Compensation: Codable, Sendable, Equatable {
        public var issued: Bool
        public var coupon: String?
        public var reason: String?
    }

    public var id: String
    /// Same as `state` (kept for clients of the first version).
    public var status: String
    /// placed, paid, dispatched, delivered, picked_up or cancelled.
    public var state: String
    /// pending, paid, refund_pending, refunded or failed.
    public var paymentState: String
    public var student: String
    public var canteen: String
    public var items: [Line]
    public var totalCents: Int
    public var dorm: String?
    public var gate: String?
    public var slot: String?
    public var payment: String
    public var pickupPoint: String?
    public var clientReference: String?
    public var dispatch: Dispatch
    public var notifications: Notifications
    public var compensation: Compensation
    public var createdAt: String
    public var updatedAt: String
}

/// The body of `POST /orders`, as the student app (and StormDrill's campus plans) send it.
struct PlaceOrderRequest: Decodable {
    struct Item: Decodable {
        var sku: String
        var qty: Int
    }

    var student: String
    var canteen: String
    var items: [Item]
    var dorm: String?
    var gate: String?
    var slot: String?
    var payment: String?
    var pickupPoint: String?
    /// The client's own order reference (StormDrill's `{{order.id}}`).
    var reference: String?
    /// If present, must match the menu prices (catches a client and menu that disagree).
    var total: Double?
}

/// A validation failure: HTTP 422 with the field that is wrong.
struct OrderValidationError: Error {
    var field: String
    var message: String
}

enum OrderValidator {
    static let maximumItems = 20

    /// Checks a request against the catalog and prices it. Returns the order lines and total in cents.
    static func validate(_ r: PlaceOrderRequest) throws(OrderValidationError) -> (lines: [CampusOrder.Line], total: Int)
    {
        guard !r.student.isEmpty, r.student.count <= 64 else {
            throw OrderValidationError(field: "student", message: "student must be a non-empty id")
        }
        guard let vendor = CampusCatalog.vendor(id: r.canteen) else {
            throw OrderValidationError(
                field: "canteen", message: "unknown canteen or merchant \"\(r.canteen.prefix(40))\"")
        }
        guard !r.items.isEmpty, r.items.count <= maximumItems else {
            throw OrderValidationError(field: "items", message: "an order needs 1 to \(maximumItems) items")
        }
        var lines: [CampusOrder.Line] = []
        var subtotal = 0
        for (i, item) in r.items.enumerated() {
            guard let menuItem = vendor.items.first(where: { $0.sku == item.sku }) else {
                throw OrderValidationError(
                    field: "items[\(i)].sku",
                    message: "\(vendor.name) does not sell \"\(item.sku.prefix(40))\"")
            }
            guard (1...20).contains(item.qty) else {
                throw OrderValidationError(field: "items[\(i)].qty", message: "quantity must be 1 to 20")
            }
            lines.append(
                CampusOrder.Line(
                    sku: item.sku, name: menuItem.name, qty: item.qty,
                    priceCents: menuItem.priceCents))
            subtotal += item.qty * menuItem.priceCents
        }
        if let dorm = r.dorm, !CampusCatalog.dorms.contains(where: { $0.id == dorm }) {
            throw OrderValidationError(field: "dorm", message: "unknown dorm \"\(dorm.prefix(40))\"")
        }
        if let slot = r.slot, !CampusCatalog.slots.contains(slot) {
            throw OrderValidationError(field: "slot", message: "unknown delivery slot \"\(slot.prefix(20))\"")
        }
        if let payment = r.payment, !CampusCatalog.paymentMethods.contains(where: { $0.id == payment }) {
            throw OrderValidationError(
                field: "payment", message: "unsupported payment method \"\(payment.prefix(20))\"")
        }
        if let pickup = r.pickupPoint, !CampusCatalog.pickupPoints.contains(pickup) {
            throw OrderValidationError(field: "pickupPoint", message: "unknown pickup point \"\(pickup.prefix(40))\"")
        }
        if r.pickupPoint == nil && r.dorm == nil {
            throw OrderValidationError(
                field: "dorm", message: "a delivery order needs a dorm (or choose a pickupPoint)")
        }
        let total = subtotal + (r.pickupPoint == nil ? vendor.deliveryFeeCents : 0)
        // Compared as Doubles: a claimed total such as 1e300 (or one that overflows to infinity) has no Int cents.
        if let claimed = r.total,
            !((claimed * 100).rounded().isFinite && abs((claimed * 100).rounded() - Double(total)) <= 1)
        {
            throw OrderValidationError(
                field: "total", message: "total \(claimed) does not match the menu (\(Double(total) / 100))")
        }
        return (lines, total)
    }
}
