import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Faults in drills: process and command faults, journal and recover, abortWhen, dry run")
    struct FaultDrillTests {
        /// Starts `stormdrill ARGS` with `environment`, sends `signal` after `after` seconds; returns the exit status
        /// (a process killed by a signal reports 128 + signal).
        static func runThenSignal(
            _ arguments: [String], environment: [String: String], signal: Int32, after: Double,
            once ready: @escaping () -> Bool = { true }
        ) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Repository.binary)
            process.arguments = arguments
            process.environment = ChildProcess.environment(environment)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // On a loaded machine start-up can take seconds: wait for the sign the drill got where the test needs it.
            let readyBy = Date().addingTimeInterval(30)
            while !ready() && process.isRunning && Date() < readyBy { usleep(20_000) }
            Thread.sleep(forTimeInterval: after)
            kill(process.processIdentifier, signal)
            let signalled = Date()
            while process.isRunning && Date().timeIntervalSince(signalled) < 15 { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal
                ? 128 + process.terminationStatus : process.terminationStatus
        }

        static func lines(_ path: String) -> [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// A 10 s drill against `baseURL` with one command fault from 1 s to 9 s that appends to `marks`.
        static func commandPlan(baseURL: String, marks: String, extra: String = "") -> String {
            """
            {"stormdrill": 1, "name": "command-fault", "target": {"baseURL": "\(baseURL)"},
             "load": {"model": "open", "stages": [{"duration": "10s", "rate": 20}]},
             "journeys": [{"name": "menu", "steps": [{"name": "menu", "method": "GET", "path": "/menu"}]}],
             "faults": [{"name": "flag-off", "type": "command", "at": "1s", "duration": "8s",
               "start": ["sh", "-c", "echo start >> \(marks)"],
               "rollback": ["sh", "-c", "echo rollback >> \(marks)"]}]\(extra)}
            """
        }

        @Test("acceptance 4: SIGINT during a command fault runs its rollback before exit 130")
        func sigintRollsBack() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("fault-sigint")
            let marks = "\(dir)/marks"
            let plan = try DrillEndToEndTests.writePlan(
                Self.commandPlan(baseURL: server.baseURL, marks: marks), in: dir)
            let state = "\(dir)/state"
            let status = try Self.runThenSignal(
                ["run", plan, "--out", "\(dir)/reports", "--quiet"], environment: ["STORMDRILL_STATE_DIR": state],
                signal: SIGINT, after: 1, once: { Self.lines(marks) == ["start"] })
            #expect(status == 130)
            #expect(Self.lines(marks) == ["start", "rollback"])
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            #expect(report.status == .interrupted)
            let fault = try #require(report.faults?.first)
            #expect(fault.outcome == .applied && fault.verified == true)
            #expect(fault.rollback?.hasPrefix("rollback exit 0") == true, "\(fault)")
            let start = try #require(fault.actualStartMs)
            let end = try #require(fault.actualEndMs)
            #expect(abs(start - 1000) <= 50, "\(fault)")
            #expect(end > start && end < 9000, "rolled back at the signal, not at the planned end: \(fault)")
            #expect(FaultJournalIndex.entries(state).isEmpty)
        }

        @Test("acceptance 4: SIGKILL leaves a journal entry; run refuses; recover rolls back exactly once")
        func sigkillThenRecover() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("fault-sigkill")
            let marks = "\(dir)/marks"
            let plan = try DrillEndToEndTests.writePlan(
                Self.commandPlan(baseURL: server.baseURL, marks: marks), in: dir)
            let state = "\(dir)/state"
            let env = ["STORMDRILL_STATE_DIR": state]
            let status = try Self.runThenSignal(
                ["run", plan, "--out", "\(dir)/reports", "--quiet"], environment: env, signal: SIGKILL, after: 1,
                once: { Self.lines(marks) == ["start"] })
            #expect(status == 128 + SIGKILL)
            #expect(Self.lines(marks) == ["start"])
            #expect(FaultJournalIndex.entries(state).count == 1)
            // The report folder keeps the journal entry and a report marked as not finished.
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            #expect(report.status == .aborted)
            let run = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/reports")[0]
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/reports/\(run)/journal").count == 1)

            let refused = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/more", "--quiet"], timeout: 30, environment: env)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("flag-off") && refused.stderr.contains("stormdrill recover"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/more"))

            let recovered = try ChildProcess.run(Repository.binary, ["recover"], timeout: 60, environment: env)
            #expect(recovered.status == 0, "\(recovered.stderr)")
            #expect(recovered.stderr.contains("recovered flag-off"))
            #expect(Self.lines(marks) == ["start", "rollback"])
            #expect(FaultJournalIndex.entries(state).isEmpty)
            let again = try ChildProcess.run(Repository.binary, ["recover"], timeout: 60, environment: env)
            #expect(again.status == 0 && again.stderr.contains("nothing to recover"))
            #expect(Self.lines(marks) == ["start", "rollback"])
        }

        @Test("acceptance 5: a tripped abortWhen rolls back every fault, status aborted, FAIL, exit 1")
        func abortWhenTrips() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 500, body: "{}") }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("fault-abort")
            let marks = "\(dir)/marks"
            let plan = try DrillEndToEndTests.writePlan(
                Self.commandPlan(
                    baseURL: server.baseURL, marks: marks,
                    extra: #", "abortWhen": [{"metric": "errorRate", "above": 0.5, "for": "2s"}]"#), in: dir)
            let started = Date()
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports"], timeout: 60,
                environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 9, "the drill stopped early")
            #expect(Self.lines(marks) == ["start", "rollback"])
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            #expect(report.status == .aborted)
            #expect(report.verdict == .fail)
            #expect(report.reasons.contains { $0.contains("aborted: errorRate above 0.5 for 2s") }, "\(report.reasons)")
            let abort = try #require(report.abort)
            #expect(abort.observed.count == 2 && abort.observed.allSatisfy { $0 == 1 })
            #expect(abort.atMs >= 1900 && abort.atMs <= 3200, "\(abort)")
            let fault = try #require(report.faults?.first)
            #expect(fault.rollback?.hasPrefix("rollback exit 0") == true)
            #expect(try #require(fault.actualEndMs) < 4000)
            #expect(result.stdout.contains("FAIL"))
        }

        @Test("acceptance 6: a killed target started by the plan is down for the window and serves after it")
        func killAndRestart() throws {
            let port = FreePort.find()
            let dir = Repository.temporaryDirectory("fault-kill")
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "crash-restart",
                 "target": {"baseURL": "http://127.0.0.1:\(port)", "timeout": "500ms",
                   "process": {"argv": ["\(Repository.binary)", "serve", "campus", "--port", "\(port)"],
                               "ready": "http://127.0.0.1:\(port)/health"}},
                 "load": {"model": "open", "stages": [{"duration": "8s", "rate": 50}]},
                 "journeys": [{"name": "menu", "steps": [{"name": "menu", "method": "GET", "path": "/menu"}]}],
                 "faults": [{"name": "crash", "type": "kill", "signal": "KILL", "at": "2s", "restartAfter": "2s"}]}
                """, in: dir)
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 90,
                environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect(result.status == 1, "errors while the target was down fail the default SLO: \(result.stderr)")
            let (path, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true, "\(fault)")
            #expect(fault.evidence?.contains("signal 9") == true, "\(fault)")
            #expect(fault.evidence?.contains("refuses") == true, "\(fault)")
            #expect(abs(try #require(fault.actualStartMs) - 2000) <= 50, "\(fault)")
            #expect(abs(try #require(fault.actualEndMs) - 4000) <= 50, "\(fault)")
            #expect(fault.rollback?.contains("serving again") == true, "\(fault)")
            // Down for the window: failures only from 2 s until shortly after the restart; served before and after.
            let timeline = report.timeline
            #expect(timeline.filter { $0.t < 2 }.allSatisfy { $0.errors == 0 && $0.ok > 0 }, "\(timeline)")
            #expect(timeline.filter { $0.t == 2 || $0.t == 3 }.allSatisfy { $0.errors > 0 }, "\(timeline)")
            #expect(timeline.filter { $0.t >= 7 }.allSatisfy { $0.errors == 0 && $0.ok > 0 }, "\(timeline)")
            #expect(report.errors["connect_refused", default: 0] > 0, "\(report.errors)")
            // The target's own output went to target.log beside the report.
            let log = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("target.log").path
            #expect(FileManager.default.fileExists(atPath: log))
            // And it was stopped at the end: nothing listens any more.
            let probe = try ChildProcess.run(
                "/bin/bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port) && echo open || echo closed"], timeout: 10)
            #expect(probe.stdout.contains("closed"))
            #expect(FaultJournalIndex.entries("\(dir)/state").isEmpty, "each spawn was journaled and resolved")
        }

        @Test("a target process that outlives a driver killed with SIGKILL is stopped by recover")
        func orphanedTarget() throws {
            let port = FreePort.find()
            let dir = Repository.temporaryDirectory("fault-orphan")
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "orphan",
                 "target": {"baseURL": "http://127.0.0.1:\(port)",
                   "process": {"argv": ["\(Repository.binary)", "serve", "campus", "--port", "\(port)"],
                               "ready": "http://127.0.0.1:\(port)/health"}},
                 "load": {"model": "open", "stages": [{"duration": "20s", "rate": 10}]},
                 "journeys": [{"name": "menu", "steps": [{"name": "menu", "method": "GET", "path": "/menu"}]}]}
                """, in: dir)
            let env = ["STORMDRILL_STATE_DIR": "\(dir)/state"]
            let status = try Self.runThenSignal(
                ["run", plan, "--out", "\(dir)/reports", "--quiet"], environment: env, signal: SIGKILL, after: 1,
                once: { FaultJournalIndex.entries("\(dir)/state").count == 1 })
            #expect(status == 128 + SIGKILL)
            let listening = "exec 3<>/dev/tcp/127.0.0.1/\(port) && echo open || echo closed"
            #expect(try ChildProcess.run("/bin/bash", ["-c", listening], timeout: 10).stdout.contains("open"))
            #expect(FaultJournalIndex.entries("\(dir)/state").count == 1)
            let recovered = try ChildProcess.run(Repository.binary, ["recover"], timeout: 60, environment: env)
            #expect(recovered.status == 0, "\(recovered.stderr)")
            #expect(recovered.stderr.contains("stopped with SIGTERM"), "\(recovered.stderr)")
            #expect(try ChildProcess.run("/bin/bash", ["-c", listening], timeout: 10).stdout.contains("closed"))
            #expect(FaultJournalIndex.entries("\(dir)/state").isEmpty)
        }

        @Test(
            "a target that ignores SIGTERM: a TERM kill escalates to SIGKILL, and the end of the drill still stops it")
        func targetIgnoresTerm() throws {
            let port = FreePort.find()
            let dir = Repository.temporaryDirectory("fault-ignore-term")
            let server =
                "import signal, http.server as h; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                + " h.ThreadingHTTPServer(('127.0.0.1', \(port)), h.SimpleHTTPRequestHandler).serve_forever()"
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "stubborn",
                 "target": {"baseURL": "http://127.0.0.1:\(port)", "timeout": "500ms",
                   "process": {"argv": ["python3", "-c", "\(server)"], "ready": "http://127.0.0.1:\(port)/"}},
                 "load": {"model": "open", "stages": [{"duration": "12s", "rate": 10}]},
                 "journeys": [{"name": "root", "steps": [{"name": "root", "method": "GET", "path": "/"}]}],
                 "faults": [{"name": "term", "type": "kill", "signal": "TERM", "at": "1s", "restartAfter": "8s"}]}
                """, in: dir)
            let started = Date()
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 90,
                currentDirectory: dir, environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect(Date().timeIntervalSince(started) < 40, "the drill ended")
            #expect(result.status == 1, "\(result.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true, "\(fault)")
            #expect(fault.evidence?.contains("SIGTERM was ignored for 5 s; SIGKILL sent") == true, "\(fault)")
            #expect(fault.rollback?.contains("serving again") == true, "\(fault)")
            let probe = try ChildProcess.run(
                "/bin/bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port) && echo open || echo closed"], timeout: 10)
            #expect(probe.stdout.contains("closed"), "the restarted target was stopped with SIGKILL at the end")
            #expect(FaultJournalIndex.entries("\(dir)/state").isEmpty)
        }

        @Test("a pause fault stops the target process (state T) and resumes it")
        func pauseAndResume() throws {
            let port = FreePort.find()
            let dir = Repository.temporaryDirectory("fault-pause")
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "freeze",
                 "target": {"baseURL": "http://127.0.0.1:\(port)", "timeout": "3s",
                   "process": {"argv": ["\(Repository.binary)", "serve", "campus", "--port", "\(port)"],
                               "ready": "http://127.0.0.1:\(port)/health"}},
                 "load": {"model": "open", "stages": [{"duration": "5s", "rate": 20}]},
                 "journeys": [{"name": "menu", "steps": [{"name": "menu", "method": "GET", "path": "/menu"}]}],
                 "slo": {"errorRate": 0.01},
                 "faults": [{"name": "freeze", "type": "pause", "at": "1s", "duration": "1s"}]}
                """, in: dir)
            let state = "\(dir)/state"
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 60,
                environment: ["STORMDRILL_STATE_DIR": state])
            #expect(result.status == 0, "requests wait out the pause within the 3 s timeout: \(result.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true && fault.evidence?.contains("state T") == true, "\(fault)")
            #expect(fault.rollback?.contains("SIGCONT") == true, "\(fault)")
            #expect(report.latency.max >= 700, "requests sent during the pause waited for it: \(report.latency)")
            #expect(report.totals.errors == 0)
            #expect(FaultJournalIndex.entries(state).isEmpty)
            // The pause was journaled before it was applied (with the pid) and marked resolved after SIGCONT.
            let run = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/reports")[0]
            let journal = "\(dir)/reports/\(run)/journal"
            let files = try FileManager.default.contentsOfDirectory(atPath: journal).sorted()
            let pauses = files.filter { $0.hasSuffix(".json") && $0.contains("freeze") }
            #expect(pauses.count == 1, "\(files)")
            let pauseFile = try #require(pauses.first)
            #expect(files.contains(pauseFile.replacingOccurrences(of: ".json", with: ".resolved")), "\(files)")
            // The target process itself was journaled too (and resolved when the drill stopped it).
            #expect(files.filter { $0.contains("target-process") }.count == 2, "\(files)")
            let entry = try String(contentsOfFile: "\(journal)/\(pauseFile)", encoding: .utf8)
            #expect(entry.contains("\"kind\" : \"pause\"") && entry.contains("\"pid\""), "\(entry)")
        }

        @Test("--dry-run prints the combined schedule and sends nothing")
        func dryRun() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{}") }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("fault-dry")
            let marks = "\(dir)/marks"
            let plan = try DrillEndToEndTests.writePlan(
                Self.commandPlan(baseURL: server.baseURL, marks: marks), in: dir)
            let result = try ChildProcess.run(
                Repository.binary, ["run", "--dry-run", plan, "--out", "\(dir)/reports"], timeout: 30)
            #expect(result.status == 0)
            #expect(result.stdout.contains("flag-off: apply run sh -c echo start"))
            #expect(result.stdout.contains("9s  fault  flag-off: roll back"))
            #expect(server.requestCount == 0)
            #expect(!FileManager.default.fileExists(atPath: marks))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/reports"))
        }
    }
}

/// Reads the journal index the way `stormdrill recover` does, for assertions.
enum FaultJournalIndex {
    static func entries(_ stateDirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/journal")) ?? [])
            .filter { $0.hasSuffix(".json") }
    }
}
