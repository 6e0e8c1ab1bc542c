import CampusPlatform
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOHTTP1
import ServiceLifecycle
import Testing

extension StormDrillTests {
    @Suite("Campus platform: dependencies, profiles, resilience")
    struct CampusPlatformTests {
        /// Short simulated minutes and a quick breaker, so a lifecycle takes well under a second.
        static var fastTiming: CampusTiming {
            var t = CampusTiming()
            t.minute = .milliseconds(20)
            t.tick = .milliseconds(20)
            t.dependencyTimeout = .milliseconds(300)
            t.breakerOpenDuration = .milliseconds(300)
            t.recoveryQuietPeriod = .milliseconds(400)
            t.fragileFlushInterval = .milliseconds(200)
            return t
        }

        /// Runs the platform in this process with `configuration`, hands `body` its ports, then shuts it down.
        static func withPlatform(
            _ configuration: CampusConfiguration, _ body: @Sendable (CampusPorts) async throws -> Void
        ) async throws {
            let (stream, continuation) = AsyncStream.makeStream(of: CampusPorts.self)
            var logger = Logger(label: "test")
            logger.logLevel = .error
            let platform = CampusPlatformServices(configuration: configuration, logger: logger) {
                continuation.yield($0)
            }
            let group = ServiceGroup(configuration: .init(services: [platform], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = stream.makeAsyncIterator()
                let ports = try #require(await iterator.next())
                do {
                    try await body(ports)
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }

        static func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func outage(_ port: Int, down: Bool) async throws {
            let r = try await TestHTTP.request(
                .POST, port: port, path: "/outage", body: down ? #"{"down": true}"# : #"{"down": false}"#)
            #expect(r.status == 200)
        }

        /// Polls `probe` every 50 ms until it returns true or `seconds` pass.
        static func eventually(
            within seconds: Double, _ probe: @Sendable () async throws -> Bool
        ) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try await probe() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await probe()
        }

        static let order = CampusServiceTests.order

        @Test("an order goes placed → paid → dispatched → delivered with a rider, and the student is told")
        func lifecycle() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = CampusConfiguration(dataDirectory: dir, timing: Self.fastTiming)
            try await Self.withPlatform(configuration) { ports in
                let placed = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                #expect(placed.status == 201, "\(placed.body)")
                let first = try Self.object(placed.body)
                #expect(first["state"] as? String == "paid" && first["paymentState"] as? String == "paid")
                let id = try #require(first["id"] as? String)
                let delivered = try await Self.eventually(within: 5) {
                    let r = try await TestHTTP.request(port: ports.order, path: "/orders/\(id)")
                    let o = try Self.object(r.body)
                    return o["state"] as? String == "delivered"
                        && (o["notifications"] as? [String: Any])?["count"] as? Int == 2
                }
                #expect(delivered)
                let final = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                let dispatch = try #require(final["dispatch"] as? [String: Any])
                #expect(dispatch["mode"] as? String == "delivery")
                #expect((dispatch["rider"] as? String)?.hasPrefix("rider-") == true)
                #expect((dispatch["etaMinutes"] as? Int).map { (8...20).contains($0) } == true)
                #expect((final["compensation"] as? [String: Any])?["issued"] as? Bool == false)
                let sent = try await TestHTTP.request(port: ports.notification, path: "/messages?orderId=\(id)")
                #expect(sent.body.contains("on the way") && sent.body.contains("handed over"), "\(sent.body)")
                let status = try Self.object(try await TestHTTP.request(port: ports.order, path: "/status").body)
                #expect(status["state"] as? String == "none")
                #expect((status["dependencies"] as? [String: String])?["payment"] == "closed")
            }
        }

        @Test(
            "resilient, payment down: orders are accepted as pending, /status degrades, then all end paid and resolved")
        func resilientPaymentOutage() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = CampusConfiguration(profile: .resilient, dataDirectory: dir, timing: Self.fastTiming)
            try await Self.withPlatform(configuration) { ports in
                try await Self.outage(ports.payment, down: true)
                var ids: [String] = []
                for i in 0..<6 {
                    let r = try await TestHTTP.request(
                        .POST, port: ports.order, path: "/orders", headers: [("Idempotency-Key", "outage-\(i)")],
                        body: Self.order)
                    #expect(r.status == 201, "\(r.body)")
                    let o = try Self.object(r.body)
                    #expect(o["paymentState"] as? String == "pending")
                    ids.append(try #require(o["id"] as? String))
                }
                let placedIDs = ids
                let degraded = try await Self.eventually(within: 3) {
                    let s = try Self.object(try await TestHTTP.request(port: ports.order, path: "/status").body)
                    return s["state"] as? String == "degraded"
                        && (s["message"] as? String)?.contains("Payments") == true && s["since"] is String
                }
                #expect(degraded)
                try await Self.outage(ports.payment, down: false)
                let settled = try await Self.eventually(within: 8) {
                    for id in placedIDs {
                        let o = try Self.object(
                            try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                        guard o["paymentState"] as? String == "paid", o["state"] as? String == "delivered" else {
                            return false
                        }
                    }
                    return true
                }
                #expect(settled)
                let resolved = try await Self.eventually(within: 5) {
                    let s = try Self.object(try await TestHTTP.request(port: ports.order, path: "/status").body)
                    return s["state"] as? String == "resolved"
                        && (s["dependencies"] as? [String: String])?["payment"] == "closed"
                }
                #expect(resolved)
                let summary = try await TestHTTP.request(port: ports.payment, path: "/charges/summary")
                #expect(summary.body.contains("\"charges\":6"), "\(summary.body)")
                // Delivered long after the promised slot: each got a coupon.
                let o = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(ids[0])").body)
                let compensation = try #require(o["compensation"] as? [String: Any])
                #expect(compensation["issued"] as? Bool == true && (compensation["coupon"] as? String) != nil)
            }
        }

        @Test("fragile, payment down: the student gets a 5xx and no notice is raised")
        func fragilePaymentOutage() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = CampusConfiguration(profile: .fragile, dataDirectory: dir, timing: Self.fastTiming)
            try await Self.withPlatform(configuration) { ports in
                try await Self.outage(ports.payment, down: true)
                for _ in 0..<6 {
                    let r = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                    #expect(r.status == 502, "\(r.body)")
                }
                try await Task.sleep(for: .milliseconds(300))
                let s = try Self.object(try await TestHTTP.request(port: ports.order, path: "/status").body)
                #expect(s["state"] as? String == "none")
                try await Self.outage(ports.payment, down: false)
                let ok = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                #expect(ok.status == 201)
            }
        }

        @Test("resilient: a closed dorm gate moves the order to a pickup point; fragile leaves it waiting")
        func gateClosed() async throws {
            for profile in CampusProfile.allCases {
                let dir = Repository.temporaryDirectory("campus-platform")
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let configuration = CampusConfiguration(profile: profile, dataDirectory: dir, timing: Self.fastTiming)
                try await Self.withPlatform(configuration) { ports in
                    let closed = try await TestHTTP.request(
                        .POST, port: ports.dispatch, path: "/gates/north-gate", body: #"{"open": false}"#)
                    #expect(closed.status == 200)
                    let placed = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                    let id = try #require(try Self.object(placed.body)["id"] as? String)
                    try await Task.sleep(for: .milliseconds(800))
                    let o = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                    let dispatch = try #require(o["dispatch"] as? [String: Any])
                    if profile == .resilient {
                        #expect(dispatch["mode"] as? String == "pickup")
                        #expect(dispatch["pickupPoint"] as? String == "north-gate-kiosk")
                        #expect(["dispatched", "picked_up"].contains(o["state"] as? String ?? ""))
                    } else {
                        #expect(o["state"] as? String == "paid")
                        #expect(dispatch["note"] as? String == "gate closed")
                    }
                }
            }
        }

        @Test("resilient: messages wait in the outbox while notification is down and are delivered when it returns")
        func outbox() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = CampusConfiguration(dataDirectory: dir, timing: Self.fastTiming)
            try await Self.withPlatform(configuration) { ports in
                try await Self.outage(ports.notification, down: true)
                let placed = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                let id = try #require(try Self.object(placed.body)["id"] as? String)
                let queued = try await Self.eventually(within: 5) {
                    let o = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                    let n = o["notifications"] as? [String: Any]
                    return o["state"] as? String == "delivered" && n?["queued"] as? Int == 2 && n?["count"] as? Int == 0
                }
                #expect(queued)
                try await Self.outage(ports.notification, down: false)
                let sent = try await Self.eventually(within: 5) {
                    let o = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                    let n = o["notifications"] as? [String: Any]
                    return n?["queued"] as? Int == 0 && n?["count"] as? Int == 2
                }
                #expect(sent)
            }
        }

        @Test("cancel before dispatch refunds the charge; after delivery it is refused")
        func cancel() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var timing = Self.fastTiming
            timing.preparationMinutes = 100
            let configuration = CampusConfiguration(dataDirectory: dir, timing: timing)
            try await Self.withPlatform(configuration) { ports in
                let placed = try await TestHTTP.request(.POST, port: ports.order, path: "/orders", body: Self.order)
                let id = try #require(try Self.object(placed.body)["id"] as? String)
                let cancelled = try await TestHTTP.request(.POST, port: ports.order, path: "/orders/\(id)/cancel")
                #expect(cancelled.status == 200, "\(cancelled.body)")
                #expect(try Self.object(cancelled.body)["state"] as? String == "cancelled")
                let refunded = try await Self.eventually(within: 3) {
                    let o = try Self.object(try await TestHTTP.request(port: ports.order, path: "/orders/\(id)").body)
                    return o["paymentState"] as? String == "refunded"
                }
                #expect(refunded)
                let again = try await TestHTTP.request(.POST, port: ports.order, path: "/orders/\(id)/cancel")
                #expect(again.status == 409)
                #expect(try await TestHTTP.request(.POST, port: ports.order, path: "/orders/nope/cancel").status == 404)
                let summary = try await TestHTTP.request(port: ports.payment, path: "/charges/summary")
                #expect(summary.body.contains("\"refunds\":1"), "\(summary.body)")
            }
        }

        @Test("concurrent retries with one Idempotency-Key create one order and one row")
        func concurrentRetries() async throws {
            let dir = Repository.temporaryDirectory("campus-platform")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = CampusConfiguration(dataDirectory: dir, timing: Self.fastTiming)
            try await Self.withPlatform(configuration) { ports in
                for key in ["retry-a", "retry-b", "retry-c"] {
                    let ids = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                        for _ in 0..<16 {
                            group.addTask {
                                let r = try await TestHTTP.request(
                                    .POST, port: ports.order, path: "/orders", headers: [("Idempotency-Key", key)],
                                    body: Self.order)
                                return (r.status, try Self.object(r.body)["id"] as? String)
                            }
                        }
                        var results: [(Int, String?)] = []
                        for try await r in group { results.append(r) }
                        return results
                    }
                    #expect(ids.allSatisfy { $0.0 == 201 })
                    #expect(Set(ids.compactMap(\.1)).count == 1)
                }
            }
            let store = try await CampusOrderStore.open(directory: dir)
            #expect(try await store.rowCount() == 3)
            for key in ["retry-a", "retry-b", "retry-c"] {
                #expect(try await store.rowCount(idempotencyKey: key) == 1)
            }
            await store.close()
        }
    }
}
