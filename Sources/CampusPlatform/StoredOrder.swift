import Foundation
import SQLiteNIO

/// An order with the bookkeeping the platform keeps beside what students see; one row of the `orders` table.
struct StoredOrder: Sendable, Equatable {
    var order: CampusOrder
    var idempotencyKey: String?
    /// FNV-1a of the request body: stable across restarts, unlike `Hasher`.
    var requestHash: Int64
    /// Wall-clock milliseconds (orders outlive the process, so monotonic time does not do).
    var createdMs: Int64
    /// When the courier simulation next looks at the order (0: as soon as possible).
    var nextStepMs: Int64
    /// The end of the promised slot: later than this is late.
    var promiseMs: Int64
    var chargeId: String?
    var refundId: String?

    var id: String { order.id }

    /// Whether nothing more will happen to the order.
    var isFinished: Bool {
        switch order.state {
        case OrderState.delivered, OrderState.pickedUp: order.paymentState != PaymentState.pending
        case OrderState.cancelled: order.paymentState != PaymentState.refundPending
        default: false
        }
    }

    static let columns = [
        "id", "idempotency_key", "request_hash", "student", "dorm", "gate", "canteen", "items", "total_cents", "slot",
        "payment_method", "pickup_point", "state", "payment_state", "dispatch", "notifications", "compensation_coupon",
        "compensation_reason", "client_reference", "charge_id", "refund_id", "created_at", "updated_at", "created_ms",
        "next_step_ms", "promise_ms",
    ]

    static let createTable = """
        CREATE TABLE IF NOT EXISTS orders (
            id TEXT PRIMARY KEY NOT NULL,
            idempotency_key TEXT UNIQUE,
            request_hash INTEGER NOT NULL,
            student TEXT NOT NULL,
            dorm TEXT,
            gate TEXT,
            canteen TEXT NOT NULL,
            items TEXT NOT NULL,
            total_cents INTEGER NOT NULL,
            slot TEXT,
            payment_method TEXT NOT NULL,
            pickup_point TEXT,
            state TEXT NOT NULL,
            payment_state TEXT NOT NULL,
            dispatch TEXT NOT NULL,
            notifications TEXT NOT NULL,
            compensation_coupon TEXT,
            compensation_reason TEXT,
            client_reference TEXT,
            charge_id TEXT,
            refund_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            next_step_ms INTEGER NOT NULL,
            promise_ms INTEGER NOT NULL
        ) WITHOUT ROWID
        """

    /// `INSERT … ON CONFLICT(id) DO UPDATE` for `rows` rows: every write is a whole-row upsert, so a batch of
    /// creations and updates is one statement.
    static func upsertSQL(rows: Int) -> String {
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let updates = columns.dropFirst().map { "\($0)=excluded.\($0)" }.joined(separator: ",")
        return "INSERT INTO orders (\(columns.joined(separator: ","))) VALUES "
            + Array(repeating: placeholders, count: rows).joined(separator: ",")
            + " ON CONFLICT(id) DO UPDATE SET \(updates)"
    }

    var binds: [SQLiteData] {
        let o = order
        return [
            .text(o.id), Self.text(idempotencyKey), .integer(Int(requestHash)), .text(o.student), Self.text(o.dorm),
            Self.text(o.gate), .text(o.canteen), .text(CampusOrderJSON.items(o.items)), .integer(o.totalCents),
            Self.text(o.slot),
            .text(o.payment), Self.text(o.pickupPoint), .text(o.state), .text(o.paymentState),
            .text(CampusOrderJSON.dispatch(o.dispatch)), .text(CampusOrderJSON.notifications(o.notifications)),
            Self.text(o.compensation.coupon),
            Self.text(o.compensation.reason), Self.text(o.clientReference), Self.text(chargeId), Self.text(refundId),
            .text(o.createdAt), .text(o.updatedAt), .integer(Int(createdMs)), .integer(Int(nextStepMs)),
            .integer(Int(promiseMs)),
        ]
    }

    init(
        order: CampusOrder, idempotencyKey: String?, requestHash: Int64, createdMs: Int64, nextStepMs: Int64,
        promiseMs: Int64, chargeId: String? = nil, refundId: String? = nil
    ) {
        self.order = order
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.createdMs = createdMs
        self.nextStepMs = nextStepMs
        self.promiseMs = promiseMs
        self.chargeId = chargeId
        self.refundId = refundId
    }

    /// Reads a row of `SELECT <columns> FROM orders`; nil if it is damaged.
    init?(row: SQLiteRow) {
        func s(_ name: String) -> String? { row.column(name)?.string }
        func i(_ name: String) -> Int? { row.column(name)?.integer }
        guard let id = s("id"), let student = s("student"), let canteen = s("canteen"),
            let items = s("items").flatMap({ Self.decode([CampusOrder.Line].self, $0) }),
            let total = i("total_cents"), let state = s("state"), let paymentState = s("payment_state"),
            let dispatch = s("dispatch").flatMap({ Self.decode(CampusOrder.Dispatch.self, $0) }),
            let notifications = s("notifications").flatMap({ Self.decode(CampusOrder.Notifications.self, $0) }),
            let createdAt = s("created_at"), let updatedAt = s("updated_at"), let createdMs = i("created_ms")
        else { return nil }
        let coupon = s("compensation_coupon")
        order = CampusOrder(
            id: id, status: state, state: state, paymentState: paymentState, student: student, canteen: canteen,
            items: items, totalCents: total, dorm: s("dorm"), gate: s("gate"), slot: s("slot"),
            payment: s("payment_method") ?? "campus-card", pickupPoint: s("pickup_point"),
            clientReference: s("client_reference"), dispatch: dispatch, notifications: notifications,
            compensation: CampusOrder.Compensation(
                issued: coupon != nil, coupon: coupon, reason: s("compensation_reason")),
            createdAt: createdAt, updatedAt: updatedAt)
        idempotencyKey = s("idempotency_key")
        requestHash = Int64(i("request_hash") ?? 0)
        self.createdMs = Int64(createdMs)
        nextStepMs = Int64(i("next_step_ms") ?? 0)
        promiseMs = Int64(i("promise_ms") ?? 0)
        chargeId = s("charge_id")
        refundId = s("refund_id")
    }

    private static func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// The order states (`CampusOrder.state`).
enum OrderState {
    static let placed = "placed"
    static let paid = "paid"
    static let dispatched = "dispatched"
    static let delivered = "delivered"
    static let pickedUp = "picked_up"
    static let cancelled = "cancelled"
}

/// The payment states (`CampusOrder.paymentState`).
enum PaymentState {
    static let pending = "pending"
    static let paid = "paid"
    static let refundPending = "refund_pending"
    static let refunded = "refunded"
    static let failed = "failed"
}
