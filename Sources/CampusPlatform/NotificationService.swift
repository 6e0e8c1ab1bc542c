import Foundation
import Hummingbird
import Synchronization

/// The notification dependency: `POST /messages {student, orderId, text}` → 202 `{id}`, or a batch
/// `POST /messages {"messages": [{student, orderId, text}, …]}` → 202 `{accepted}`; `GET /messages/count` →
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
        struct Batch: Decodable { var messages: [MessageRequest] }
        router.post("/messages") { request, _ in
            var request = request
            guard let bytes = try? await request.collectBody(upTo: 1024 * 1024) else {
                return DependencyServer.json(.contentTooLarge, #"{"error":"body larger than 1 MiB"}"#)
            }
            let data = Data(bytes.readableBytesView)
            if let batch = try? JSONDecoder().decode(Batch.self, from: data), !batch.messages.isEmpty {
                self.accept(batch.messages.map { ($0.student, $0.orderId, $0.text) })
                return DependencyServer.json(.accepted, ["accepted": batch.messages.count])
            }
            guard let body = try? JSONDecoder().decode(MessageRequest.self, from: data) else {
                return DependencyServer.json(.unprocessableContent, #"{"error":"expected {student, orderId, text}"}"#)
            }
            return DependencyServer.json(.accepted, ["id": self.accept([(body.student, body.orderId, body.text)])])
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

    /// Keeps the messages; returns the last one's id.
    @discardableResult
    private func accept(_ messages: [(student: String, orderId: String, text: String)]) -> Int {
        state.withLock { s in
            for m in messages {
                s.count += 1
                s.recent.append(Message(id: s.count, student: m.student, orderId: m.orderId, text: m.text))
            }
            if s.recent.count > 10_000 { s.recent.removeFirst(s.recent.count - 10_000) }
            return s.count
        }
    }
}
