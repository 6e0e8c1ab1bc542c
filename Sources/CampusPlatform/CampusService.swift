import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StormDrillPlan

/// The order service's HTTP API: `GET /health`, `GET /menu`, `POST /orders` (validated, honours `Idempotency-Key`),
/// `GET /orders/{id}`, `POST /orders/{id}/cancel`, `GET /status` (the incident notice), `GET /metrics`
/// (Prometheus text) and `GET /` (the student page). See docs/campus-platform.md.
struct CampusService: Sendable {
    let processor: OrderProcessor

    /// The largest request body accepted.
    static let maximumBody = 64 * 1024

    /// Builds the router.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let processor = self.processor
        let store = processor.store
        router.add(middleware: RequestMetricsMiddleware(metrics: processor.metrics))
        // The student page belongs to StudentPage.swift (owned by the web page's author): this one line serves it.
        router.get("/") { _, _ in CampusService.html(StudentPage.html) }
        // Browsers ask for it on every page; without it the student page's console logs a 404.
        router.get("/favicon.ico") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(string: CampusService.favicon)))
        }
        router.get("/health") { _, _ in
            CampusService.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/menu") { _, _ in
            CampusService.json(.ok, CampusService.menuJSON)
        }
        router.get("/status") { _, _ in
            let notice = processor.monitor.evaluate(now: .now(), nowMs: CampusClock.nowMs())
            return CampusService.json(.ok, CampusService.encode(StatusBody(notice, profile: processor.profile)))
        }
        router.get("/metrics") { _, _ in
            processor.refreshGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: processor.metrics.exposition())))
        }
        router.post("/orders") { request, _ in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: CampusService.maximumBody)
            } catch {
                return CampusService.problem(.contentTooLarge, "body", "request body larger than 64 KiB")
            }
            return await CampusService.placeOrder(
                body: body, key: request.headers[.idempotencyKey], processor: processor)
        }
        router.get("/orders/{id}") { _, context in
            guard let id = context.parameters.get("id"), let order = store.order(id: id) else {
                return CampusService.problem(.notFound, "id", "no such order")
            }
            return CampusService.json(.ok, CampusOrderJSON.order(order))
        }
        router.post("/orders/{id}/cancel") { _, context in
            guard let id = context.parameters.get("id") else {
                return CampusService.problem(.notFound, "id", "no such order")
            }
            switch await processor.cancel(id: id) {
            case .cancelled(let order):
                return CampusService.json(.ok, CampusOrderJSON.order(order))
            case .notFound:
                return CampusService.problem(.notFound, "id", "no such order")
            case .tooLate(let state):
                return CampusService.problem(.conflict, "state", "an order that is \(state) can no longer be cancelled")
            case .failed(let reason):
                return CampusService.problem(.badGateway, "payment", "refund failed: \(reason)")
            }
        }
        return router
    }

    /// A take-out box in the page's accent colour.
    static let favicon =
        ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2" y="5" width="12" height="9" rx="1.5""##
        + ##" fill="#0b6bcb"/><path d="M5 5 6 2h4l1 3" fill="none" stroke="#0b6bcb" stroke-width="1.5"/></svg>"##

    static func placeOrder(body: ByteBuffer, key: String?, processor: OrderProcessor) async -> Response {
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
        // A hash of every byte that stays the same across restarts (a retry after a crash must still match).
        let hash = Int64(bitPattern: FNV1a.hash(body.readableBytesView))
        switch await processor.place(request: request, priced: priced, key: key, hash: hash) {
        case .created(let order):
            var response = json(.created, CampusOrderJSON.order(order))
            response.headers[.location] = "/orders/\(order.id)"
            return response
        case .replayed(let order):
            var response = json(.created, CampusOrderJSON.order(order))
            response.headers[.idempotentReplayed] = "true"
            return response
        case .conflict:
            return problem(.conflict, "Idempotency-Key", "this Idempotency-Key was used for a different request")
        case .paymentFailed(let reason):
            return problem(.badGateway, "payment", "payment failed: \(reason)")
        case .paymentDeclined:
            return problem(.init(code: 402), "payment", "the payment was declined")
        case .storeFailed:
            return problem(.serviceUnavailable, "order", "the order could not be saved; try again")
        }
    }

    /// The body of `GET /status`.
    struct StatusBody: Encodable {
        var state: String
        var message: String
        var since: String?
        var dependencies: [String: String]
        var profile: String

        init(_ notice: IncidentMonitor.Notice, profile: CampusProfile) {
            state = notice.state
            message = notice.message
            since = notice.sinceMs.map { CampusClock.timestamp(ms: $0) }
            dependencies = Dictionary(uniqueKeysWithValues: notice.dependencies.map { ($0.key.rawValue, $0.value) })
            self.profile = profile.rawValue
        }
    }

    static func html(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
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
            /// Dorm gates where riders hand orders over, with their hand-off rules.
            var gates: [[String: String]]
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
            dorms: CampusCatalog.dorms.map { ["id": $0.id, "name": $0.name, "gate": $0.gate] },
            gates: CampusCatalog.gates.map { gate in
                gate == "west-gate"
                    ? ["id": gate, "rule": "no hand-offs for slots from \(DispatchService.westGateCurfew)"]
                    : ["id": gate, "rule": "open for hand-offs"]
            })
        return encode(menu)
    }()
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
