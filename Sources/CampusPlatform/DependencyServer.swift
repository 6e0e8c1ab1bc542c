import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// One of the platform's dependencies (payment, dispatch, notification) as its own small Hummingbird service on its
/// own port. Every dependency also answers `GET /health` and takes `POST /outage {"down": true|false}`, an admin
/// switch that makes its other routes answer 503 (a simple outage without a proxy, used by tests and the student
/// rehearsal).
struct DependencyServer: Service {
    let name: String
    let host: String
    let port: Int
    let routes: @Sendable (Router<BasicRequestContext>) -> Void
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let router = Router()
        let outage = OutageSwitch()
        router.add(middleware: outage)
        router.get("/health") { _, _ in DependencyServer.json(.ok, #"{"status":"ok"}"#) }
        router.post("/outage") { request, _ in
            struct Body: Decodable { var down: Bool }
            guard let body = try? await DependencyServer.decode(Body.self, request) else {
                return DependencyServer.json(.badRequest, #"{"error":"expected {\"down\": true|false}"}"#)
            }
            outage.down.store(body.down, ordering: .relaxed)
            return DependencyServer.json(.ok, body.down ? #"{"down":true}"# : #"{"down":false}"#)
        }
        routes(router)
        let onRunning = self.onRunning
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: name),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.run()
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }
}

/// Answers 503 to everything but `/health` and `/outage` while down.
final class OutageSwitch: RouterMiddleware, Sendable {
    typealias Context = BasicRequestContext
    let down = Atomic<Bool>(false)

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if down.load(ordering: .relaxed), request.uri.path != "/outage", request.uri.path != "/health" {
            return DependencyServer.json(.serviceUnavailable, #"{"error":"service down"}"#)
        }
        return try await next(request, context)
    }
}
