import Foundation
import NIOConcurrencyHelpers
import NIOHTTP1
import Testing

extension StormDrillTests {
    @Suite("stormdrill serve campus (a separate process)")
    struct CampusServeTests {
        /// A `stormdrill serve campus` child process and the port its order service listens on.
        final class ServedCampus: Sendable {
            let process: Process
            let port: Int
            private let output: NIOLockedValueBox<String>

            var stdout: String { output.withLockedValue { $0 } }

            private init(process: Process, port: Int, output: NIOLockedValueBox<String>) {
                self.process = process
                self.port = port
                self.output = output
            }

            static func start(_ arguments: [String]) throws -> ServedCampus {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Repository.binary)
                process.arguments = ["serve", "campus", "--port", "0"] + arguments
                process.environment = ChildProcess.environment()
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = FileHandle.nullDevice
                let output = NIOLockedValueBox("")
                pipe.fileHandleForReading.readabilityHandler = { handle in
                    let data = handle.availableData
                    if data.isEmpty {
                        handle.readabilityHandler = nil
                        return
                    }
                    output.withLockedValue { $0 += String(decoding: data, as: UTF8.self) }
                }
                try process.run()
                let deadline = Date().addingTimeInterval(20)
                while Date() < deadline && process.isRunning {
                    let text = output.withLockedValue { $0 }
                    if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("campus service listening") }
                    ),
                        let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }),
                        let port = url.split(separator: ":").last.flatMap({ Int($0) }),
                        text.contains("notification listening")
                    {
                        return ServedCampus(process: process, port: port, output: output)
                    }
                    usleep(20_000)
                }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                throw CampusServeError(message: "serve campus did not start: \(output.withLockedValue { $0 })")
            }

            /// Sends `signal` and waits (at most 10 s) for the exit status.
            func stop(_ signal: Int32) -> Int32? {
                kill(process.processIdentifier, signal)
                let deadline = Date().addingTimeInterval(10)
                while process.isRunning && Date() < deadline { usleep(10_000) }
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return nil
                }
                return process.terminationStatus
            }
        }

        struct CampusServeError: Error {
            var message: String
        }

        @Test("serve campus answers /health, /menu and /metrics (valid Prometheus text) and exits 0 on SIGTERM")
        func serve() async throws {
            let served = try ServedCampus.start([])
            #expect(served.stdout.contains("payment listening on http://127.0.0.1:"))
            #expect(served.stdout.contains("profile resilient"))
            let health = try await TestHTTP.request(port: served.port, path: "/health")
            #expect(health.status == 200 && health.body.contains("ok"))
            let menu = try await TestHTTP.request(port: served.port, path: "/menu")
            let menuObject = try JSONSerialization.jsonObject(with: Data(menu.body.utf8)) as? [String: Any]
            #expect((menuObject?["vendors"] as? [Any])?.count == 7)
            #expect((menuObject?["pickupPoints"] as? [String])?.contains("library-lockers") == true)
            #expect((menuObject?["slots"] as? [String])?.count == 18)
            let placed = try await TestHTTP.request(
                .POST, port: served.port, path: "/orders", body: CampusServiceTests.order)
            #expect(placed.status == 201)
            let metrics = try await TestHTTP.request(port: served.port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let sample = try Regex(
                #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$"#
            )
            var names: Set<String> = []
            for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
                #expect(line.wholeMatch(of: sample) != nil, "not a Prometheus sample: \(line)")
                names.insert(String(line.prefix { $0 != "{" && $0 != " " }))
            }
            for name in [
                "campus_http_requests_total", "campus_http_request_duration_seconds_bucket", "campus_orders",
                "campus_breaker_state", "campus_dependency_calls_total", "campus_orders_placed_total",
            ] {
                #expect(names.contains(name), "missing \(name) in \(names.sorted())")
            }
            #expect(metrics.body.contains(#"campus_http_requests_total{route="/orders",method="POST",status="201"} 1"#))
            #expect(served.stop(SIGTERM) == 0)
        }

        /// Places `count` orders, 8 at a time; returns the ids acknowledged with 201.
        static func placeOrders(port: Int, count: Int, prefix: String) async -> [String] {
            await withTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var ids: [String] = []
                        for i in stride(from: worker, to: count, by: 8) {
                            guard
                                let r = try? await TestHTTP.request(
                                    .POST, port: port, path: "/orders",
                                    headers: [("Idempotency-Key", "\(prefix)-\(i)")],
                                    body: CampusServiceTests.order),
                                r.status == 201,
                                let o = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                                let id = o["id"] as? String
                            else { continue }
                            ids.append(id)
                        }
                        return ids
                    }
                }
                var all: [String] = []
                for await ids in group { all += ids }
                return all
            }
        }

        /// How many of `ids` read back with 200.
        static func readable(port: Int, _ ids: [String]) async throws -> Int {
            var found = 0
            for id in ids where try await TestHTTP.request(port: port, path: "/orders/\(id)").status == 200 {
                found += 1
            }
            return found
        }

        @Test("resilient: SIGKILL right after placing orders loses none of the acknowledged ones")
        func resilientCrash() async throws {
            let dir = Repository.temporaryDirectory("campus-crash")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try ServedCampus.start(["--profile", "resilient", "--data", dir])
            let ids = await Self.placeOrders(port: first.port, count: 400, prefix: "crash")
            _ = first.stop(SIGKILL)
            #expect(ids.count == 400)
            let second = try ServedCampus.start(["--profile", "resilient", "--data", dir])
            #expect(try await Self.readable(port: second.port, ids) == ids.count)
            // A retry of an acknowledged request after the restart is the same order, not a second one.
            let retry = try await TestHTTP.request(
                .POST, port: second.port, path: "/orders", headers: [("Idempotency-Key", "crash-0")],
                body: CampusServiceTests.order)
            #expect(retry.status == 201 && retry.header("Idempotent-Replayed") == "true")
            #expect(second.stop(SIGTERM) == 0)
        }

        @Test("fragile: SIGKILL right after placing orders loses acknowledged ones")
        func fragileCrash() async throws {
            let dir = Repository.temporaryDirectory("campus-crash")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try ServedCampus.start(["--profile", "fragile", "--data", dir])
            let ids = await Self.placeOrders(port: first.port, count: 400, prefix: "crash")
            _ = first.stop(SIGKILL)
            #expect(ids.count == 400)
            let second = try ServedCampus.start(["--profile", "fragile", "--data", dir])
            let found = try await Self.readable(port: second.port, ids)
            #expect(found < ids.count, "fragile lost nothing: \(found) of \(ids.count) read back")
            #expect(second.stop(SIGTERM) == 0)
        }
    }
}
