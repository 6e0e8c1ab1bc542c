import Foundation
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// Every route of the Toxiproxy-compatible API with its status codes and bodies, over real HTTP on port 0.
    @Suite("Fault proxy: Toxiproxy-compatible API")
    struct ToxiproxyAPITests {
        typealias S = FaultTestSupport

        /// Runs the API on a free loopback port for the duration of `body`.
        static func withAPI<T: Sendable>(
            rules: ProxyRules = ProxyRules(), token: ProxyAPIToken? = nil,
            _ body: @Sendable (Int, ProxyRegistry) async throws -> T
        ) async throws -> T {
            let registry = ProxyRegistry(rules: rules, logger: S.quietLogger)
            let port = AsyncStream<Int>.makeStream()
            let server = ToxiproxyAPIServer(
                port: 0, api: ToxiproxyAPI(registry: registry, version: "test", token: token), logger: S.quietLogger
            ) { bound in port.continuation.yield(bound) }
            let group = ServiceGroup(services: [server], logger: S.quietLogger)
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = port.stream.makeAsyncIterator()
                let bound = try #require(await iterator.next())
                do {
                    let value = try await body(bound, registry)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    await registry.shutdown()
                    return value
                } catch {
                    await group.triggerGracefulShutdown()
                    await registry.shutdown()
                    throw error
                }
            }
        }

        static func call(
            _ method: HTTPMethod, _ port: Int, _ path: String, _ body: String? = nil,
            headers: [(String, String)] = []
        ) async throws -> (status: Int, json: Any?) {
            let r = try await TestHTTP.request(method, port: port, path: path, headers: headers, body: body)
            let json =
                r.body.isEmpty
                ? nil : try? JSONSerialization.jsonObject(with: Data(r.body.utf8), options: [.fragmentsAllowed])
            return (r.status, json)
        }

        static func object(_ json: Any?) -> [String: Any] { json as? [String: Any] ?? [:] }

        static func expectError(_ r: (status: Int, json: Any?), _ status: Int, _ message: String) {
            #expect(r.status == status)
            let o = object(r.json)
            #expect(o["status"] as? Int == status)
            #expect((o["error"] as? String)?.hasPrefix(message) == true, "error: \(o["error"] ?? "none")")
        }

        @Test("version, proxies: create, show, list, update, delete with Toxiproxy's codes and errors")
        func proxies() async throws {
            let upstream = try await ProbeResponder.start(http: false)
            defer { Task { await upstream.stop() } }
            let up = upstream.address.description
            try await Self.withAPI { port, _ in
                let version = try await Self.call(.GET, port, "/version")
                #expect(version.status == 200)
                #expect(Self.object(version.json)["version"] as? String == "test")
                #expect(Self.object(try await Self.call(.GET, port, "/proxies").json).isEmpty)

                Self.expectError(
                    try await Self.call(.POST, port, "/proxies", #"{"upstream":"\#(up)"}"#), 400,
                    "missing required field: name")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies", #"{"name":"db"}"#), 400,
                    "missing required field: upstream")
                Self.expectError(try await Self.call(.POST, port, "/proxies", "{not json"), 400, "bad request body")
                Self.expectError(try await Self.call(.POST, port, "/proxies", ""), 400, "bad request body")

                let created = try await Self.call(
                    .POST, port, "/proxies", #"{"name":"db","upstream":"\#(up)","listen":"127.0.0.1:0"}"#)
                #expect(created.status == 201)
                let db = Self.object(created.json)
                #expect(db["name"] as? String == "db")
                #expect(db["enabled"] as? Bool == true)
                #expect(db["upstream"] as? String == up)
                #expect(db["protocol"] as? String == "tcp")
                #expect((db["toxics"] as? [Any])?.isEmpty == true)
                let listen = try #require(db["listen"] as? String)
                #expect(listen.hasPrefix("127.0.0.1:") && !listen.hasSuffix(":0"))
                let listenAddress = try HostPort(parsing: listen)

                Self.expectError(
                    try await Self.call(.POST, port, "/proxies", #"{"name":"db","upstream":"\#(up)"}"#), 409,
                    "proxy already exists")
                #expect(try await Self.call(.GET, port, "/proxies/db").status == 200)
                Self.expectError(try await Self.call(.GET, port, "/proxies/nope"), 404, "proxy not found")
                #expect(Self.object(try await Self.call(.GET, port, "/proxies").json).keys.sorted() == ["db"])

                let disabled = try await Self.call(.POST, port, "/proxies/db", #"{"enabled":false}"#)
                #expect(disabled.status == 200)
                #expect(Self.object(disabled.json)["enabled"] as? Bool == false)
                #expect(Self.object(disabled.json)["listen"] as? String == listen)
                if case .success = ProbeConnection.tryConnect(to: listenAddress) {
                    Issue.record("disabled proxy accepted")
                }
                let enabled = try await Self.call(.PATCH, port, "/proxies/db", #"{"enabled":true}"#)
                #expect(Self.object(enabled.json)["enabled"] as? Bool == true)
                if case .failure = ProbeConnection.tryConnect(to: listenAddress) {
                    Issue.record("enabled proxy refused")
                }
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/nope", #"{"enabled":false}"#), 404, "proxy not found")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/db", #"{"enabled":"no"}"#), 400, "bad request body")

                #expect(try await Self.call(.DELETE, port, "/proxies/db").status == 204)
                Self.expectError(try await Self.call(.DELETE, port, "/proxies/db"), 404, "proxy not found")
                #expect(
                    try await Self.call(.GET, port, "/proxies", headers: [("User-Agent", "Mozilla/5.0")]).status == 403)
            }
        }

        @Test("toxics: create with defaults, show, list, update (merge), delete, and every error")
        func toxics() async throws {
            let upstream = try await ProbeResponder.start(http: false)
            defer { Task { await upstream.stop() } }
            let up = upstream.address.description
            try await Self.withAPI { port, registry in
                #expect(
                    try await Self.call(.POST, port, "/proxies", #"{"name":"db","upstream":"\#(up)"}"#).status == 201)
                let created = try await Self.call(
                    .POST, port, "/proxies/db/toxics", #"{"type":"latency","attributes":{"latency":100}}"#)
                #expect(created.status == 200)
                let latency = Self.object(created.json)
                #expect(latency["name"] as? String == "latency_downstream")
                #expect(latency["stream"] as? String == "downstream")
                #expect(latency["toxicity"] as? Double == 1)
                let attributes = latency["attributes"] as? [String: Any]
                #expect(attributes?["latency"] as? Int == 100)
                #expect(attributes?["jitter"] as? Int == 0)

                let nullAttributes = try await Self.call(
                    .POST, port, "/proxies/db/toxics",
                    #"{"name":"cut","type":"limit_data","stream":"upstream","toxicity":0.5,"attributes":null}"#)
                #expect(nullAttributes.status == 200)
                #expect((Self.object(nullAttributes.json)["attributes"] as? [String: Any])?["bytes"] as? Int == 0)

                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/db/toxics", #"{"type":"nope"}"#), 400,
                    "invalid toxic type")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/db/toxics", #"{"type":"latency","stream":"sideways"}"#),
                    400, "stream was invalid")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/db/toxics", #"{"type":"latency"}"#), 409,
                    "toxic already exists")
                Self.expectError(
                    try await Self.call(
                        .POST, port, "/proxies/db/toxics",
                        #"{"type":"latency","name":"x","attributes":{"latency":"slow"}}"#), 400, "bad request body")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/nope/toxics", #"{"type":"latency"}"#), 404,
                    "proxy not found")
                Self.expectError(
                    try await Self.call(.POST, port, "/proxies/db/toxics", #"{"type":"blackhole"}"#), 400, "invalid")

                let list = try #require(try await Self.call(.GET, port, "/proxies/db/toxics").json as? [[String: Any]])
                #expect(list.map { $0["name"] as? String } == ["cut", "latency_downstream"])
                #expect(try await Self.call(.GET, port, "/proxies/db/toxics/cut").status == 200)
                Self.expectError(try await Self.call(.GET, port, "/proxies/db/toxics/nope"), 404, "toxic not found")

                let patched = try await Self.call(
                    .PATCH, port, "/proxies/db/toxics/latency_downstream", #"{"attributes":{"jitter":5}}"#)
                #expect(patched.status == 200)
                let merged = Self.object(patched.json)["attributes"] as? [String: Any]
                #expect(merged?["latency"] as? Int == 100)
                #expect(merged?["jitter"] as? Int == 5)
                let posted = try await Self.call(
                    .POST, port, "/proxies/db/toxics/latency_downstream", #"{"toxicity":0.25}"#)
                #expect(Self.object(posted.json)["toxicity"] as? Double == 0.25)
                #expect(
                    try await registry.toxic("latency_downstream", of: "db").toxic.kind
                        == .latency(latency: 100, jitter: 5))
                Self.expectError(
                    try await Self.call(.PATCH, port, "/proxies/db/toxics/nope", "{}"), 404, "toxic not found")

                #expect(try await Self.call(.DELETE, port, "/proxies/db/toxics/cut").status == 204)
                Self.expectError(try await Self.call(.DELETE, port, "/proxies/db/toxics/cut"), 404, "toxic not found")

                // Reset: every proxy enabled, every toxic gone.
                #expect(try await Self.call(.POST, port, "/proxies/db", #"{"enabled":false}"#).status == 200)
                #expect(try await Self.call(.POST, port, "/reset").status == 204)
                let after = Self.object(try await Self.call(.GET, port, "/proxies/db").json)
                #expect(after["enabled"] as? Bool == true)
                #expect((after["toxics"] as? [Any])?.isEmpty == true)
            }
        }

        @Test("populate creates, keeps identical proxies, reports errors; HTTP proxies take HTTP faults with stats")
        func populateAndHTTP() async throws {
            try await Self.withAPI { port, _ in
                let body =
                    #"[{"name":"a","upstream":"127.0.0.1:9","listen":"127.0.0.1:0"},"#
                    + #"{"name":"web","upstream":"127.0.0.1:9","protocol":"http","enabled":false}]"#
                let populated = try await Self.call(.POST, port, "/populate", body)
                #expect(populated.status == 201)
                let proxies = try #require(Self.object(populated.json)["proxies"] as? [[String: Any]])
                #expect(proxies.map { $0["name"] as? String } == ["a", "web"])
                #expect(proxies[1]["enabled"] as? Bool == false)
                #expect(proxies[1]["protocol"] as? String == "http")

                let aListen = try #require(proxies[0]["listen"] as? String)
                let again = try await Self.call(
                    .POST, port, "/populate", #"[{"name":"a","upstream":"127.0.0.1:9","listen":"\#(aListen)"}]"#)
                #expect(again.status == 201)
                #expect(
                    (Self.object(again.json)["proxies"] as? [[String: Any]])?.first?["listen"] as? String == aListen)

                let missing = try await Self.call(.POST, port, "/populate", #"[{"name":"b"}]"#)
                Self.expectError(missing, 400, "missing required field: upstream at proxy 1")
                Self.expectError(
                    try await Self.call(.POST, port, "/populate", #"{"name":"b"}"#), 400, "bad request body")

                let error = try await Self.call(
                    .POST, port, "/proxies/web/toxics", #"{"type":"http_error","attributes":{"status":503,"rate":0.3}}"#
                )
                #expect(error.status == 200)
                let toxic = Self.object(error.json)
                #expect(toxic["name"] as? String == "http_error_downstream")
                #expect((toxic["stats"] as? [String: Any])?["requests_seen"] as? Int == 0)
                Self.expectError(
                    try await Self.call(
                        .POST, port, "/proxies/web/toxics", #"{"type":"http_error","name":"x","attributes":{"rate":2}}"#
                    ),
                    400, "invalid")
            }
        }
    }
}
