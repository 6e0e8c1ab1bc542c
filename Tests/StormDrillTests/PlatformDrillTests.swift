import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Drills against the campus platform: crash-restart and payment outage, resilient and fragile")
    struct PlatformDrillTests {
        /// Runs SQL against a campus database with Python's standard sqlite3 module; rows as tab-separated lines.
        static func query(_ database: String, _ sql: String) throws -> [String] {
            let script =
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                + " [print('\\t'.join(str(v) for v in row)) for row in c.execute(sys.argv[2])]"
            let result = try ChildProcess.run("/usr/bin/env", ["python3", "-c", script, database, sql], timeout: 30)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }

        /// Orders the platform acknowledged (2xx on place-order) according to the report.
        static func acknowledged(_ report: DrillReport) -> Int {
            report.steps.filter { $0.name == "place-order" }.map(\.ok).reduce(0, +)
        }

        static func crashRestart(profile: String) throws -> (report: DrillReport, rows: Int, keys: Int) {
            let dir = Repository.temporaryDirectory("crash-\(profile)")
            let result = try ChildProcess.run(
                Repository.binary,
                [
                    "run", Repository.path("plans/crash-restart-at-peak.json"), "--duration-scale", "0.06", "--var",
                    "profile=\(profile)", "--out", "\(dir)/reports", "--quiet",
                ],
                timeout: 120, environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect([0, 1, 3].contains(result.status), "\(result.stderr)")
            let (path, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let database = URL(fileURLWithPath: path).deletingLastPathComponent().path + "/campus-data/campus.sqlite"
            let counts = try Self.query(database, "SELECT count(*), count(DISTINCT idempotency_key) FROM orders")
            let fields = (counts.first ?? "").split(separator: "\t").compactMap { Int($0) }
            #expect(fields.count == 2)
            return (report, fields.first ?? -1, fields.last ?? -1)
        }

        @Test("acceptance 3: crash-restart-at-peak against resilient loses no acknowledged order, duplicates none")
        func crashResilient() throws {
            let (report, rows, keys) = try Self.crashRestart(profile: "resilient")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true && fault.rollback?.contains("serving again") == true, "\(fault)")
            let acked = Self.acknowledged(report)
            #expect(acked > 100)
            // Every acknowledged order was written first, so the database holds at least all of them (and orders
            // written whose answer the kill cut off); one row per idempotency key.
            #expect(rows >= acked, "\(rows) rows for \(acked) acknowledged orders")
            #expect(rows == keys, "an idempotency key yielded two orders")
            #expect(report.errors["connection_reset", default: 0] + report.errors["connect_refused", default: 0] > 0)
        }

        @Test("acceptance 3: crash-restart-at-peak against fragile loses acknowledged orders")
        func crashFragile() throws {
            let (report, rows, _) = try Self.crashRestart(profile: "fragile")
            let acked = Self.acknowledged(report)
            #expect(acked > 100)
            #expect(rows < acked, "fragile acknowledges before writing: \(rows) rows for \(acked) acknowledged orders")
        }

        /// A platform started as its own process (`serve campus`) with payment behind the drill's proxy.
        final class Platform {
            let process = Process()
            let port = FreePort.find()
            let paymentPort = FreePort.find()
            let proxyPort = FreePort.find()
            let dir: String

            init(profile: String, label: String) throws {
                dir = Repository.temporaryDirectory(label)
                process.executableURL = URL(fileURLWithPath: Repository.binary)
                process.arguments = [
                    "serve", "campus", "--profile", profile, "--data", "\(dir)/data", "--port", "\(port)",
                    "--payment-port", "\(paymentPort)", "--payment-url", "http://127.0.0.1:\(proxyPort)",
                ]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
            }

            func waitUntilUp() async throws {
                for _ in 0..<200 {
                    if (try? await TestHTTP.request(port: port, path: "/health"))?.status == 200 { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("serve campus did not start")
            }

            func stop() {
                process.terminate()
                process.waitUntilExit()
            }

            /// A plan against this platform: orders for `seconds`, one payment fault, each order optionally posted
            /// twice with the same Idempotency-Key (a client retry).
            func plan(seconds: Int, rate: Int, fault: String, retry: Bool = false) throws -> String {
                let place = """
                    {"name": "place-order", "method": "POST", "path": "/orders",
                     "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"},
                     "body": {"reference": "{{order.id}}", "student": "{{order.student}}", "dorm": "{{order.dorm}}",
                       "gate": "{{order.gate}}", "canteen": "{{order.canteen}}", "items": "{{order.items}}",
                       "total": "{{order.total}}", "slot": "{{order.slot}}", "payment": "{{order.payment}}",
                       "pickupPoint": "{{order.pickupPoint}}"}, "expect": [200, 201, 202]}
                    """
                let steps =
                    retry ? place + ", " + place.replacingOccurrences(of: "place-order", with: "retry-order") : place
                return try DrillEndToEndTests.writePlan(
                    """
                    {"stormdrill": 1, "name": "payment-fault", "target": {"baseURL": "http://127.0.0.1:\(port)",
                       "timeout": "5s"},
                     "dependencies": [{"name": "payment", "listen": "127.0.0.1:\(proxyPort)",
                                       "upstream": "127.0.0.1:\(paymentPort)", "protocol": "http"}],
                     "load": {"model": "open", "stages": [{"duration": "\(seconds)s", "rate": \(rate)}]},
                     "journeys": [{"name": "order", "steps": [\(steps)]}],
                     "faults": [\(fault)]}
                    """, in: dir)
            }

            func run(_ plan: String) throws -> (ProcessResult, DrillReport) {
                let result = try ChildProcess.run(
                    Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 90,
                    environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
                let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
                return (result, report)
            }
        }

        @Test("serve campus with a dependency port already taken exits with an error instead of hanging")
        func busyDependencyPort() async throws {
            let squatter = try await FixtureServer.start { _ in FixtureResponse(status: 200) }
            defer { Task { await squatter.stop() } }
            let result = try ChildProcess.run(
                Repository.binary, ["serve", "campus", "--port", "0", "--payment-port", "\(squatter.port)"], timeout: 40)
            #expect(result.seconds < 30, "serve campus hung for \(result.seconds) s")
            #expect(result.status != 0)
        }

        static let outage =
            #"{"name": "payment-outage", "dependency": "payment", "type": "down", "at": "3s", "duration": "4s"}"#

        @Test("acceptance 4: payment outage against fragile: the errors go to the students, no notice")
        func paymentOutageFragile() async throws {
            let platform = try Platform(profile: "fragile", label: "outage-fragile")
            defer { platform.stop() }
            try await platform.waitUntilUp()
            let (result, report) = try platform.run(try platform.plan(seconds: 10, rate: 30, fault: Self.outage))
            #expect(result.status == 1, "\(result.stderr)")
            #expect(report.totals.journeysFailed > 30, "\(report.totals)")
            #expect(report.errors.keys.allSatisfy { $0.hasPrefix("http_5") || $0 == "timeout" }, "\(report.errors)")
            let status = try await TestHTTP.request(port: platform.port, path: "/status")
            #expect(!status.body.contains("\"degraded\""), "fragile raises no notice: \(status.body)")
        }

        @Test("acceptance 5: client retries with one Idempotency-Key under payment http_error create no duplicates")
        func idempotentRetries() async throws {
            let platform = try Platform(profile: "resilient", label: "idempotent-retries")
            defer { platform.stop() }
            try await platform.waitUntilUp()
            let fault =
                #"{"name": "flaky-payment", "dependency": "payment", "type": "http_error", "status": 503, "rate": 0.5, "at": "0s", "duration": "6s"}"#
            let (_, report) = try platform.run(try platform.plan(seconds: 6, rate: 30, fault: fault, retry: true))
            let journeys = report.totals.journeys
            #expect(journeys > 150)
            let rows = try Self.query(
                "\(platform.dir)/data/campus.sqlite", "SELECT count(*), count(DISTINCT idempotency_key) FROM orders")
            #expect(rows == ["\(journeys)\t\(journeys)"], "each journey posted its order twice: \(rows)")
            // The platform's own retries of the charge reuse the order id: at most one charge per order.
            let summary = try await TestHTTP.request(port: platform.paymentPort, path: "/charges/summary")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(summary.body.utf8)) as? [String: Any])
            #expect((json["charges"] as? Int ?? Int.max) <= journeys, "\(summary.body)")
        }

        @Test("acceptance 4: payment outage against resilient: notice within 10 s, resolved after, none left pending")
        func paymentOutageResilient() async throws {
            let (port, paymentPort, proxyPort) = (FreePort.find(), FreePort.find(), FreePort.find())
            let dir = Repository.temporaryDirectory("outage-resilient")
            let platform = Process()
            platform.executableURL = URL(fileURLWithPath: Repository.binary)
            platform.arguments = [
                "serve", "campus", "--profile", "resilient", "--data", "\(dir)/data", "--port", "\(port)",
                "--payment-port", "\(paymentPort)", "--payment-url", "http://127.0.0.1:\(proxyPort)",
            ]
            platform.standardOutput = FileHandle.nullDevice
            platform.standardError = FileHandle.nullDevice
            try platform.run()
            defer {
                platform.terminate()
                platform.waitUntilExit()
            }
            var up = false
            for _ in 0..<200 where !up {
                up = (try? await TestHTTP.request(port: port, path: "/health"))?.status == 200
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(up, "serve campus did not start")
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "payment-outage", "target": {"baseURL": "http://127.0.0.1:\(port)",
                   "timeout": "5s"},
                 "dependencies": [{"name": "payment", "listen": "127.0.0.1:\(proxyPort)",
                                   "upstream": "127.0.0.1:\(paymentPort)", "protocol": "http"}],
                 "load": {"model": "open", "stages": [{"duration": "14s", "rate": 30}]},
                 "journeys": [{"name": "order", "steps": [{"name": "place-order", "method": "POST", "path": "/orders",
                   "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"},
                   "body": {"reference": "{{order.id}}", "student": "{{order.student}}", "dorm": "{{order.dorm}}",
                     "gate": "{{order.gate}}", "canteen": "{{order.canteen}}", "items": "{{order.items}}",
                     "total": "{{order.total}}", "slot": "{{order.slot}}", "payment": "{{order.payment}}",
                     "pickupPoint": "{{order.pickupPoint}}"}, "expect": [200, 201, 202]}]}],
                 "faults": [{"name": "payment-outage", "dependency": "payment", "type": "down", "at": "3s",
                             "duration": "4s"}]}
                """, in: dir)
            // Watch the notice the whole time, on the wall clock.
            let seen = StatusLog()
            let watcher = Task {
                while !Task.isCancelled {
                    if let r = try? await TestHTTP.request(port: port, path: "/status"),
                        let json = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                        let state = json["state"] as? String
                    {
                        seen.add(Date(), state)
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 90,
                environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            // Settling after recovery: give the platform's settler a few seconds, then stop watching.
            try await Task.sleep(for: .seconds(4))
            watcher.cancel()
            #expect([0, 1, 3].contains(result.status), "\(result.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let drillStart = try #require(formatter.date(from: report.startedAt))
            let outageStart = drillStart.addingTimeInterval(try #require(fault.actualStartMs) / 1000)
            let outageEnd = drillStart.addingTimeInterval(try #require(fault.actualEndMs) / 1000)
            let log = seen.entries
            let firstDegraded = log.first { $0.1 == "degraded" && $0.0 >= outageStart }?.0
            let noticeAfter = try #require(firstDegraded, "no degraded notice: \(log.map(\.1))").timeIntervalSince(
                outageStart)
            #expect(noticeAfter <= 10, "notice after \(noticeAfter) s")
            #expect(log.contains { $0.1 == "resolved" && $0.0 > outageEnd }, "never resolved: \(log.map(\.1))")
            // Students were not sent errors: orders during the outage were taken as payment pending.
            #expect(report.totals.journeysFailed == 0, "\(report.errors)")
            // After recovery none stays pending: every order is paid or refunded.
            let states = try Self.query(
                "\(dir)/data/campus.sqlite", "SELECT payment_state, count(*) FROM orders GROUP BY payment_state")
            let byState = Dictionary(
                uniqueKeysWithValues: states.compactMap { line -> (String, Int)? in
                    let f = line.split(separator: "\t")
                    guard f.count == 2, let n = Int(f[1]) else { return nil }
                    return (String(f[0]), n)
                })
            #expect(byState["pending", default: 0] == 0 && byState["refund_pending", default: 0] == 0, "\(byState)")
            #expect(byState["paid", default: 0] > 0, "\(byState)")
        }
    }
}

/// What a background poller saw, with when it saw it.
final class StatusLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Date, String)] = []

    func add(_ at: Date, _ state: String) {
        lock.lock()
        items.append((at, state))
        lock.unlock()
    }

    var entries: [(Date, String)] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
