import Foundation
import NIOCore
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("The stormdrill CLI end to end")
    struct DrillEndToEndTests {
        static func writePlan(_ text: String, in dir: String, name: String = "plan.json") throws -> String {
            let path = "\(dir)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Starts `stormdrill run`, sends `signal` after `after` seconds, and returns the exit status and how long
        /// the process took to exit after the signal (killed after 10 s).
        static func runAndSignal(plan: String, out: String, signal: Int32, after: Double) throws -> (Int32, Double) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Repository.binary)
            process.arguments = ["run", plan, "--out", out, "--quiet"]
            process.environment = ChildProcess.environment()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: after)
            let signalled = Date()
            kill(process.processIdentifier, signal)
            while process.isRunning && Date().timeIntervalSince(signalled) < 10 { usleep(20_000) }
            let elapsed = Date().timeIntervalSince(signalled)
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return (process.terminationStatus, elapsed)
        }

        static func onlyReport(in dir: String) throws -> (path: String, report: DrillReport) {
            let runs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }
            #expect(runs.count == 1, "\(runs)")
            let path = "\(dir)/\(try #require(runs.first))/report.json"
            return (path, try ReportStore.read(path: path))
        }

        @Test("acceptance: 50 journeys/s for 10 s against a 20 ms service: 500 journeys, service p50 20–23 ms, PASS")
        func twentyMillisecondService() async throws {
            let server = try await FixtureServer.start { req in
                req.method == "POST" && req.uri == "/orders"
                    ? FixtureResponse(status: 201, body: #"{"id": "o1"}"#, delay: .milliseconds(20))
                    : FixtureResponse(status: 404)
            }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("e2e-20ms")
            let plan = try Self.writePlan(
                """
                {"stormdrill": 1, "name": "twenty-ms", "seed": 1, "target": {"baseURL": "\(server.baseURL)"},
                 "load": {"model": "open", "arrival": "uniform", "stages": [{"duration": "10s", "rate": 50}]},
                 "journeys": [{"name": "order", "steps": [{"name": "place", "method": "POST", "path": "/orders",
                   "body": {"student": "{{order.student}}", "items": "{{order.items}}"}, "expect": [201]}]}],
                 "slo": {"p99": "200ms", "errorRate": 0.01}}
                """, in: dir)
            let out = "\(dir)/reports"
            let result = try ChildProcess.run(Repository.binary, ["run", plan, "--out", out], timeout: 60)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let (_, report) = try Self.onlyReport(in: out)
            #expect(abs(report.totals.journeys - 500) <= 5)
            #expect(abs(report.totals.journeysOk - 500) <= 5)
            #expect(report.totals.errors == 0 && report.errors.isEmpty)
            #expect(report.serviceLatency.p50 >= 20 && report.serviceLatency.p50 <= 23, "\(report.serviceLatency)")
            #expect(report.latency.p50 >= report.serviceLatency.p50)
            #expect(abs(report.timeline.count - 10) <= 1)
            #expect(report.verdict == .pass, "\(report.reasons)")
            #expect(report.status == .completed)
            #expect(server.requestCount == report.totals.requests)
            #expect(result.stdout.contains("verdict ....... PASS"))
            #expect(result.stdout.contains("report.json"))
        }

        @Test("acceptance: a port where nothing listens is a FAIL report with connect_refused, exit 1")
        func nothingListens() throws {
            let dir = Repository.temporaryDirectory("e2e-refused")
            let plan = try Self.writePlan(
                """
                {"stormdrill": 1, "name": "refused", "target": {"baseURL": "http://127.0.0.1:9"},
                 "load": {"model": "open", "stages": [{"duration": "2s", "rate": 25}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/health"}]}]}
                """, in: dir)
            let result = try ChildProcess.run(Repository.binary, ["run", plan, "--out", "\(dir)/r"], timeout: 30)
            #expect(result.status == 1, "\(result.stderr)")
            let (_, report) = try Self.onlyReport(in: "\(dir)/r")
            #expect(report.verdict == .fail)
            #expect(Array(report.errors.keys) == ["connect_refused"])
            #expect(report.errors["connect_refused"] == 50)
            #expect(report.reasons.contains { $0.contains("errorRate") })
        }

        @Test("acceptance: SIGINT in the middle of a 60 s run exits 130 within 6 s with an interrupted report")
        func interrupt() throws {
            let dir = Repository.temporaryDirectory("e2e-sigint")
            let plan = try Self.writePlan(
                """
                {"stormdrill": 1, "name": "long", "target": {"embedded": "campus"},
                 "load": {"model": "open", "stages": [{"duration": "60s", "rate": 40}]},
                 "journeys": [{"name": "j", "steps": [{"name": "menu", "path": "/menu"}]}]}
                """, in: dir)
            let (status, elapsed) = try Self.runAndSignal(plan: plan, out: "\(dir)/r", signal: SIGINT, after: 3)
            #expect(status == 130)
            #expect(elapsed < 6, "took \(elapsed) s")
            let (_, report) = try Self.onlyReport(in: "\(dir)/r")
            #expect(report.status == .interrupted)
            #expect(report.interruption?.contains("SIGINT") == true)
            #expect(report.totals.journeys > 40)
            #expect(report.totals.ok > 40)
            #expect(report.durationSeconds < 10)
        }

        @Test("SIGTERM exits 143 with an interrupted report")
        func terminate() throws {
            let dir = Repository.temporaryDirectory("e2e-sigterm")
            let plan = try Self.writePlan(
                """
                {"stormdrill": 1, "name": "long", "target": {"baseURL": "http://127.0.0.1:9"},
                 "load": {"model": "open", "stages": [{"duration": "60s", "rate": 5}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                """, in: dir)
            let (status, _) = try Self.runAndSignal(plan: plan, out: "\(dir)/r", signal: SIGTERM, after: 1.5)
            #expect(status == 143)
            let (_, report) = try Self.onlyReport(in: "\(dir)/r")
            #expect(report.status == .interrupted)
            #expect(report.interruption?.contains("SIGTERM") == true)
        }

        @Test("validate: shipped plans exit 0, every bad plan exits 2 with file:line:column: path")
        func validate() throws {
            let ok = try ChildProcess.run(Repository.binary, ["validate"] + Repository.shippedPlans)
            #expect(ok.status == 0, "\(ok.stderr)")
            // `validate plans/*.json` as the README writes it: the glob also matches the JSON Schema, which is skipped.
            let everything = try FileManager.default.contentsOfDirectory(atPath: Repository.path("plans"))
                .filter { $0.hasSuffix(".json") }.sorted().map { "plans/\($0)" }
            #expect(everything.contains("plans/schema.json"))
            let glob = try ChildProcess.run(
                Repository.binary, ["validate"] + everything,
                currentDirectory: Repository.root.path)
            #expect(glob.status == 0, "\(glob.stderr)")
            #expect(glob.stdout.contains("skip  plans/schema.json"))
            for file in Repository.badPlanFixtures {
                let bad = try ChildProcess.run(Repository.binary, ["validate", file])
                #expect(bad.status == 2, "\(file)")
                let first = bad.stderr.split(separator: "\n").first.map(String.init) ?? ""
                let pattern = #"^.+\.json:\d+:\d+: [$A-Za-z][^ ]*: .+"#
                #expect(first.range(of: pattern, options: .regularExpression) != nil, "\(first)")
            }
            let misspelt = try ChildProcess.run(
                Repository.binary,
                [
                    "validate", Repository.path("Tests/StormDrillTests/Fixtures/bad-plans/misspelt-rate.json"),
                ])
            #expect(misspelt.stderr.contains("did you mean \"rate\"?"))
            let missing = try ChildProcess.run(Repository.binary, ["validate", "/no/such/plan.json"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("/no/such/plan.json:1:1: $: "))
        }

        @Test("validate --expand prints the stages of a campus shape")
        func expand() throws {
            let dir = Repository.temporaryDirectory("e2e-expand")
            let plan = try Self.writePlan(
                """
                {"stormdrill": 1, "name": "lunch", "target": {"embedded": "campus"},
                 "load": {"model": "open", "shape": {"name": "lunch-peak", "peakRate": 400, "duration": "5m"}},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/menu"}]}]}
                """, in: dir)
            let r = try ChildProcess.run(Repository.binary, ["validate", "--expand", plan])
            #expect(r.status == 0)
            #expect(r.stdout.contains(#"{"duration": "1m15s", "rate": 400}"#), "\(r.stdout)")
            #expect(r.stdout.contains("lunch-peak"))
        }

        @Test("usage errors exit 2; --version and --help exit 0")
        func usage() throws {
            #expect(try ChildProcess.run(Repository.binary, ["frobnicate"]).status == 2)
            #expect(try ChildProcess.run(Repository.binary, ["run"]).status == 2)
            let version = try ChildProcess.run(Repository.binary, ["--version"])
            #expect(version.status == 0 && version.stdout.contains("0.1.0"))
            #expect(try ChildProcess.run(Repository.binary, ["--help"]).status == 0)
            let badPlan = try ChildProcess.run(
                Repository.binary,
                [
                    "run", Repository.path("Tests/StormDrillTests/Fixtures/bad-plans/zero-rate.json"),
                ])
            #expect(badPlan.status == 2)
        }
    }
}
