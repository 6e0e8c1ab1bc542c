import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StormDrillPlan

/// The embedded campus take-out service: `GET /health`, `GET /menu`, `POST /orders` (validated, honours
/// `Idempotency-Key`, 201 with an id), `GET /orders/{id}`. It is what `{"embedded": "campus"}` drills run against.
public struct CampusService: Sendable {
    public let store: CampusOrderStore

    public init(store: CampusOrderStore = CampusOrderStore()) {
        self.store = store
    }

    /// The largest request body accepted.
    static let maximumBody = 64 * 1024

    /// Builds the router.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let store = self.store
        router.get("/health") { _, _ in
            CampusService.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/menu") { _, _ in
            CampusService.json(.ok, CampusService.menuJSON)
        }
        router.post("/orders") { request, _ in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: CampusService.maximumBody)
            } catch {
                return CampusService.problem(.contentTooLarge, "body", "request body larger than 64 KiB")
            }
            return CampusService.placeOrder(body: body, key: request.headers[.idempotencyKey], store: store)
        }
        router.get("/orders/{id}") { _, context in
            guard let id = context.parameters.get("id"), let order = store.order(id: id) else {
                return CampusService.problem(.notFound, "id", "no such order")
            }
            return CampusService.json(.ok, CampusService.encode(order))
        }
        return router
    }

    static func placeOrder(body: ByteBuffer, key: String?, store: CampusOrderStore) -> Response {
        let bytes = Data(body.readableBytesView)
        let request: PlaceOrderRequest
        do {
            request = try JSONDecoder().decode(PlaceOrderRequest.self, from: bytes)
        } catch DecodingError.keyNotFound(let key, _) {
            return problem(.unprocessableContent, key.stringValue, "missing \"\(key.stringValue)\"")
        } catch DecodingError.typeMismatch(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return problem(.unprocessableContent, field, "wrong type for \"\(field)\"")
        } catch DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return problem(.unprocessableContent, field, "\"\(field)\" must not be null")
        } catch {
            return problem(.badRequest, "body", "the body is not valid JSON")
        }
        let priced: (lines: [CampusOrder.Line], total: Int)
        do {
            priced = try OrderValidator.validate(request)
        } catch {
            return problem(.unprocessableContent, error.field, error.message)
        }
        if let key, key.isEmpty || key.count > 128 {
            return problem(.badRequest, "Idempotency-Key", "Idempotency-Key must be 1 to 128 characters")
        }
        // Hash every byte (Data's own hash covers only a prefix).
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let fingerprint = hasher.finalize()
        let now = CampusService.timestamp()
        let placement = store.place(key: key, fingerprint: fingerprint) { id in
            CampusOrder(
                id: id, status: "placed", student: request.student, canteen: request.canteen, items: priced.lines,
                totalCents: priced.total, dorm: request.dorm,
                gate: request.dorm.flatMap { d in CampusCatalog.dorms.first { $0.id == d }?.gate } ?? request.gate,
                slot: request.slot, payment: request.payment ?? "campus-card", pickupPoint: request.pickupPoint,
                clientReference: request.reference, createdAt: now)
        }
        switch placement {
        case .created(let order):
            var response = json(.created, encode(order))
            response.headers[.location] = "/orders/\(order.id)"
            return response
        case .replayed(let order):
            var response = json(.created, encode(order))
            response.headers[.idempotentReplayed] = "true"
            return response
        case .conflict:
            return problem(.conflict, "Idempotency-Key", "this Idempotency-Key was used for a different request")
        }
    }

    // MARK: - Encoding

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func problem(_ status: HTTPResponse.Status, _ field: String, _ message: String) -> Response {
        var text = "{\"error\":\""
        text += JSONNode.escapeJSONStringContent(message)
        text += "\",\"field\":\""
        text += JSONNode.escapeJSONStringContent(field)
        text += "\",\"status\":\(status.code)}"
        return json(status, text)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// The menu: every canteen and merchant with opening hours and priced items, plus slots and pickup points.
    static let menuJSON: String = {
        struct Menu: Encodable {
            struct Item: Encodable {
                var sku: String
                var name: String
                var priceCents: Int
            }
            struct Vendor: Encodable {
                var id: String
                var name: String
                var kind: String
                var hours: String
                var deliveryFeeCents: Int
                var items: [Item]
            }
            var vendors: [Vendor]
            var slots: [String]
            var pickupPoints: [String]
            var paymentMethods: [String]
            var dorms: [[String: String]]
        }
        let menu = Menu(
            vendors: CampusCatalog.vendors.map { v in
                Menu.Vendor(
                    id: v.id, name: v.name, kind: v.kind.rawValue, hours: v.hours,
                    deliveryFeeCents: v.deliveryFeeCents,
                    items: v.items.map { Menu.Item(sku: $0.sku, name: $0.name, priceCents: $0.priceCents) })
            },
            slots: CampusCatalog.slots, pickupPoints: CampusCatalog.pickupPoints,
            paymentMethods: CampusCatalog.paymentMethods.map(\.id),
            dorms: CampusCatalog.dorms.map { ["id": $0.id, "name": $0.name, "gate": $0.gate] })
        return encode(menu)
    }()
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
