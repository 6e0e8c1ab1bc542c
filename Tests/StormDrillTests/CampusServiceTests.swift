import CampusPlatform
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Testing

extension StormDrillTests {
    @Suite("Embedded campus service")
    struct CampusServiceTests {
        /// Starts the campus server on port 0, runs `body` with the port, then shuts it down.
        static func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            var logger = Logger(label: "test")
            logger.logLevel = .error
            let server = CampusServer(port: 0, logger: logger) { port in continuation.yield(port) }
            let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = stream.makeAsyncIterator()
                let port = try #require(await iterator.next())
                try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }

        static let order = #"""
            {"student": "stu-00042", "canteen": "central-canteen", "dorm": "maple-hall", "slot": "12:00-12:15",
             "payment": "campus-card", "items": [{"sku": "central-braised-pork-rice", "qty": 2}], "total": 26.50}
            """#

        @Test("health, menu, place an order, read it back")
        func happyPath() async throws {
            try await Self.withServer { port in
                let health = try await TestHTTP.request(port: port, path: "/health")
                #expect(health.status == 200 && health.body.contains("ok"))
                let menu = try await TestHTTP.request(port: port, path: "/menu")
                #expect(menu.status == 200 && menu.body.contains("central-braised-pork-rice"))
                let placed = try await TestHTTP.request(.POST, port: port, path: "/orders", body: Self.order)
                #expect(placed.status == 201, "\(placed.body)")
                let obj = try JSONSerialization.jsonObject(with: Data(placed.body.utf8)) as? [String: Any]
                let id = try #require(obj?["id"] as? String)
                #expect(obj?["totalCents"] as? Int == 2650)
                #expect(obj?["gate"] as? String == "north-gate")
                #expect(placed.header("Location") == "/orders/\(id)")
                let read = try await TestHTTP.request(port: port, path: "/orders/\(id)")
                #expect(read.status == 200 && read.body.contains(id))
                #expect(try await TestHTTP.request(port: port, path: "/orders/nope").status == 404)
            }
        }

        @Test("Idempotency-Key: a retry returns the same order; a different body with the key is a conflict")
        func idempotency() async throws {
            try await Self.withServer { port in
                let headers = [("Idempotency-Key", "k-1")]
                let a = try await TestHTTP.request(
                    .POST, port: port, path: "/orders", headers: headers, body: Self.order)
                let b = try await TestHTTP.request(
                    .POST, port: port, path: "/orders", headers: headers, body: Self.order)
                #expect(a.status == 201 && b.status == 201)
                #expect(b.header("Idempotent-Replayed") == "true")
                let idA =
                    (try JSONSerialization.jsonObject(with: Data(a.body.utf8)) as? [String: Any])?["id"] as? String
                let idB =
                    (try JSONSerialization.jsonObject(with: Data(b.body.utf8)) as? [String: Any])?["id"] as? String
                #expect(idA != nil && idA == idB)
                let other = Self.order.replacingOccurrences(
                    of: "\"qty\": 2}], \"total\": 26.50", with: "\"qty\": 1}], \"total\": 14.00")
                #expect(other != Self.order)
                let c = try await TestHTTP.request(.POST, port: port, path: "/orders", headers: headers, body: other)
                #expect(c.status == 409)
            }
        }

        @Test(
            "invalid orders are refused with the field at fault",
            arguments: [
                ("not json", 400, "body"),
                (#"{"canteen": "central-canteen", "items": []}"#, 422, "student"),
                (
                    #"{"student": "s", "canteen": "mars-cafe", "dorm": "maple-hall", "items": [{"sku": "x", "qty": 1}]}"#,
                    422, "canteen"
                ),
                (
                    #"{"student": "s", "canteen": "central-canteen", "dorm": "maple-hall", "items": [{"sku": "pizza-cola", "qty": 1}]}"#,
                    422, "items[0].sku"
                ),
                (
                    #"{"student": "s", "canteen": "central-canteen", "dorm": "maple-hall", "items": [{"sku": "central-soy-milk", "qty": 1}], "total": 99}"#,
                    422, "total"
                ),
                (
                    #"{"student": "s", "canteen": "central-canteen", "items": [{"sku": "central-soy-milk", "qty": 1}]}"#,
                    422, "dorm"
                ),
            ])
        func invalid(c: (String, Int, String)) async throws {
            try await Self.withServer { port in
                let r = try await TestHTTP.request(.POST, port: port, path: "/orders", body: c.0)
                #expect(r.status == c.1, "\(r.body)")
                #expect(r.body.contains("\"field\":\"\(c.2)\""), "\(r.body)")
            }
        }
    }
}

extension StormDrillTests.CampusServiceTests {
    @Test(
        "extreme numbers in an order are answered 4xx and the service stays up (a total of 1e300 once killed it)",
        arguments: [
            #""total": 1e300"#, #""total": -1e300"#, #""total": 1.7976931348623157e308"#, #""total": 0"#,
            #""total": -1"#, #""total": 9223372036854775807"#,
        ])
    func extremeTotals(field: String) async throws {
        try await Self.withServer { port in
            let body =
                #"{"student": "s", "canteen": "central-canteen", "dorm": "maple-hall", "#
                + #""items": [{"sku": "central-soy-milk", "qty": 1}], \#(field)}"#
            let r = try await TestHTTP.request(.POST, port: port, path: "/orders", body: body)
            #expect((400..<500).contains(r.status), "\(r.body)")
            let health = try await TestHTTP.request(.GET, port: port, path: "/health")
            #expect(health.status == 200)
        }
    }

    @Test(
        "extreme quantities are answered 4xx and the service stays up",
        arguments: ["1e300", "-1", "0", "9223372036854775807", "-9223372036854775808", "1.5", "1e20"])
    func extremeQuantities(qty: String) async throws {
        try await Self.withServer { port in
            let body =
                #"{"student": "s", "canteen": "central-canteen", "dorm": "maple-hall", "#
                + #""items": [{"sku": "central-soy-milk", "qty": \#(qty)}]}"#
            let r = try await TestHTTP.request(.POST, port: port, path: "/orders", body: body)
            #expect((400..<500).contains(r.status), "\(r.body)")
            let health = try await TestHTTP.request(.GET, port: port, path: "/health")
            #expect(health.status == 200)
        }
    }
}
