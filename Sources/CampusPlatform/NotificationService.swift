import Hummingbird
import Synchronization

/// The notification dependency: `POST /messages {student, orderId, text}` → 202 `{id}`; `GET /messages/count` →
/// `{count}`; `GET /messages?orderId=…` → the messages of one order (the last 10,000 are kept).
final class NotificationService: Sendable {
    struct Message: Codable, Sendable {
        var id: Int
        var student: String
        var orderId: String
        var text: String
    }

    private struct State {
        var count = 0
        var recent: [Message] = []
    }

    private let state = Mutex(State())

    func register(on router: Router<BasicRequestContext>) {
        struct MessageRequest: Decodable {
            var student: String
            var orderId: String
            var text: String
        }
        router.post("/messages") { request, _ in
            guard let body = try? await DependencyServer.decode(MessageRequest.self, request) else {
                return DependencyServer.json(.unprocessableContent, #"{"error":"expected {student, orderId, text}"}"#)
            }
            let id = self.state.withLock { s in
                s.count += 1
                s.recent.append(Message(id: s.count, student: body.student, orderId: body.orderId, text: body.text))
                if s.recent.count > 10_000 { s.recent.removeFirst(s.recent.count - 10_000) }
                return s.count
            }
            return DependencyServer.json(.accepted, ["id": id])
        }
        router.get("/messages/count") { _, _ in
            DependencyServer.json(.ok, ["count": self.state.withLock { $0.count }])
        }
        router.get("/messages") { request, _ in
            let orderId = request.uri.queryParameters.get("orderId")
            let messages = self.state.withLock { s in s.recent.filter { orderId == nil || $0.orderId == orderId } }
            return DependencyServer.json(.ok, messages.suffix(200).map { $0 })
        }
    }
}
