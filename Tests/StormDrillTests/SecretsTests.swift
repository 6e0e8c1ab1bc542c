import Foundation
import NIOCore
import StormDrillPlan
import StormDrillReport
import StormDrillRunner
import Testing

extension StormDrillTests {
    @Suite("Secrets: {{env.NAME}}, the plan's secrets, and *** in every output")
    struct SecretsTests {
        /// The environment secret: quotes, '<&>' and '/' give it distinct JSON, HTML and percent-encoded forms.
        static let token = #"tok"en<&>/s3cr3t"#
        /// The secret var (set with --var): spaces are percent-encoded in a path.
        static let key = "K3y w1th space"
        static let tokenVariable = "SD_TEST_SECRET_TOKEN"

        /// Every form in which a planted secret could leak, plus fragments that would survive a cut mid-secret.
        static let leaks = [
            token, key, "s3cr3t", "w1th",
            #"tok\"en<&>/s3cr3t"#, #"tok\"en<&>\/s3cr3t"#, "tok&quot;en&lt;&amp;&gt;/s3cr3t",
            "tok%22en%3C&%3E/s3cr3t", "tok%22en%3C%26%3E%2Fs3cr3t", "K3y%20w1th%20space", "K3y+w1th+space",
        ]

        /// A 3 s drill: the secrets in a target header, a step header, the path, the body, a probe path, a command
        /// fault's argv (whose output echoes them) and a second command fault that fails with them in its output,
        /// which stops the drill with that output in the error.
        static func plan(baseURL: String) -> String {
            """
            {"stormdrill": 1, "name": "secrets",
             "vars": {"key": "not-the-key", "plain": "visible-value"},
             "secrets": ["key"],
             "target": {"baseURL": "\(baseURL)", "headers": {"Authorization": "Bearer {{env.\(tokenVariable)}}"}},
             "load": {"model": "open", "stages": [{"duration": "3s", "rate": 10}]},
             "journeys": [{"name": "order", "steps": [{"name": "place", "method": "POST",
               "path": "/orders/{{vars.key}}/{{env.\(tokenVariable)}}",
               "headers": {"X-Key": "{{vars.key}}", "X-Plain": "{{vars.plain}}"},
               "body": {"note": "token {{env.\(tokenVariable)}}", "key": "{{vars.key}}"}}]}],
             "probes": [{"name": "status", "path": "/status/{{vars.key}}", "every": "500ms",
               "condition": {"pointer": "/state", "equals": "ok"}}],
             "faults": [
               {"name": "echo-secret", "type": "command", "at": "300ms", "duration": "2s",
                "start": ["/bin/echo", "{{env.\(tokenVariable)}}", "{{vars.key}}"],
                "rollback": ["/bin/echo", "undo", "{{env.\(tokenVariable)}}", "{{vars.key}}"]},
               {"name": "fail-secret", "type": "command", "at": "1200ms", "duration": "1s",
                "start": ["/bin/sh", "-c", "echo refused \\"$1\\" \\"$2\\" >&2; exit 1", "sh",
                          "{{env.\(tokenVariable)}}", "{{vars.key}}"],
                "rollback": ["/bin/true"]}]}
            """
        }

        /// Every file under `directory`, recursively: path and contents.
        static func files(under directory: String) -> [(path: String, text: String)] {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            var out: [(String, String)] = []
            while let relative = enumerator?.nextObject() as? String {
                let path = "\(directory)/\(relative)"
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                let data = FileManager.default.contents(atPath: path) ?? Data()
                out.append((path, String(decoding: data, as: UTF8.self)))
            }
            return out
        }

        static func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        }

        static func expectNoLeak(_ text: String, in place: String) {
            for leak in leaks {
                #expect(!text.contains(leak), "\(place) shows the secret as \(leak)")
            }
        }

        /// The fixture saw the real values (the drill redacts its output, never the traffic).
        static func expectRealValuesOnTheWire(_ server: FixtureServer) throws {
            let posts = server.requests.filter { $0.method == "POST" }
            let request = try #require(posts.first)
            #expect(request.header("Authorization") == "Bearer " + token)
            #expect(request.header("X-Key") == key)
            #expect(request.header("X-Plain") == "visible-value")
            #expect(request.uri == "/orders/K3y%20w1th%20space/tok%22en%3C&%3E/s3cr3t")
            let body = try #require(
                JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String])
            #expect(body == ["note": "token " + token, "key": key])
            #expect(server.requests.contains { $0.uri == "/status/K3y%20w1th%20space" })
        }

        /// Files of a drill with the planted secrets: no leak anywhere, `***` where they were, journal files 0600
        /// with the rollback's secrets kept as placeholders.
        static func expectCleanRun(reports: String, state: String) throws {
            let written = files(under: reports) + files(under: state)
            #expect(written.count >= 6, "\(written.map(\.path))")
            for file in written { expectNoLeak(file.text, in: file.path) }
            let report = try #require(written.first { $0.path.hasSuffix("/report.json") })
            #expect(report.text.contains("***"))
            let decoded = try ReportStore.read(path: report.path)
            #expect(decoded.status == .aborted)
            #expect(decoded.interruption?.contains("refused *** ***") == true, "\(decoded.interruption ?? "")")
            let echo = try #require(decoded.faults?.first { $0.name == "echo-secret" })
            #expect(echo.evidence?.contains("*** ***") == true, "\(echo.evidence ?? "")")
            #expect(decoded.probes?.first?.request == "GET /status/***")
            for name in ["summary.md", "report.html", "junit.xml"] {
                let file = try #require(written.first { $0.path.hasSuffix("/" + name) })
                // summary.md escapes Markdown: *** is written \*\*\* (and shown as ***).
                #expect(file.text.contains("***") || file.text.contains(#"\*\*\*"#), "\(name)")
            }
            let journal = written.filter { $0.path.contains("/journal/") }
            #expect(journal.contains { $0.path.hasSuffix(".json") })
            for file in journal { #expect(mode(file.path) == 0o600, "\(file.path)") }
            let echoEntry = try #require(
                journal.first { $0.path.contains("echo-secret") && $0.path.hasSuffix(".json") })
            #expect(echoEntry.text.contains("{{env.\(tokenVariable)}}") && echoEntry.text.contains("{{vars.key}}"))
        }

        @Test("acceptance: secrets planted in a header, path, body, command argv and output appear in no file")
        func inProcessDrill() async throws {
            let server = try await FixtureServer.start(record: true) { request in
                request.uri.hasPrefix("/status")
                    ? FixtureResponse(status: 200, body: #"{"state": "ok"}"#)
                    : FixtureResponse(status: 201, body: "{}")
            }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("secrets-in-process")
            let path = try DrillEndToEndTests.writePlan(Self.plan(baseURL: server.baseURL), in: dir)
            // The loader reads the injected environment, not the test process's.
            #expect(ProcessInfo.processInfo.environment[Self.tokenVariable] == nil)
            let loaded = try PlanLoader.load(
                path: path, overrides: ["key": Self.key], environment: .values([Self.tokenVariable: Self.token])
            ).get()
            #expect(Set(loaded.plan.redactor.secrets.map(\.value)) == [Self.token, Self.key])
            let state = "\(dir)/state"
            var options = DrillRunner.Options(
                outDirectory: "\(dir)/reports", eventLoops: 1, handleSignals: false,
                journal: FaultJournal(stateDirectory: state))
            options.stopGrace = .seconds(1)
            let preflight = try await DrillPreflight.check(loaded.plan, outDirectory: options.outDirectory).get()
            let outcome = await DrillRunner(loaded: loaded, options: options).run(preflight)
            #expect(outcome.writeError == nil)
            // The report handed back (the CLI prints its summary from it) is redacted too.
            Self.expectNoLeak(SummaryRenderer.render(outcome.report, reportPath: outcome.reportPath), in: "summary")
            try Self.expectRealValuesOnTheWire(server)
            try Self.expectCleanRun(reports: "\(dir)/reports", state: state)
        }

        @Test("acceptance: stormdrill run prints no secret; the terminal shows *** instead")
        func cliDrill() async throws {
            let server = try await FixtureServer.start(record: true) { request in
                request.uri.hasPrefix("/status")
                    ? FixtureResponse(status: 200, body: #"{"state": "ok"}"#)
                    : FixtureResponse(status: 201, body: "{}")
            }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("secrets-cli")
            let path = try DrillEndToEndTests.writePlan(Self.plan(baseURL: server.baseURL), in: dir)
            let state = "\(dir)/state"
            let result = try ChildProcess.run(
                Repository.binary, ["run", path, "--out", "\(dir)/reports", "--var", "key=\(Self.key)"], timeout: 60,
                environment: ["STORMDRILL_STATE_DIR": state, Self.tokenVariable: Self.token])
            // The failing fault stops the drill: FAIL (1), or INVALID (3) when a loaded machine starves the generator.
            #expect(result.status == 1 || result.status == 3, "\(result.stderr)")
            Self.expectNoLeak(result.stdout, in: "stdout")
            Self.expectNoLeak(result.stderr, in: "stderr")
            #expect(result.stdout.contains("refused *** ***"), "\(result.stdout)")
            try Self.expectRealValuesOnTheWire(server)
            try Self.expectCleanRun(reports: "\(dir)/reports", state: state)
        }

        @Test("--dry-run shows *** for secrets in the schedule; an unset variable is a plan error naming it")
        func dryRun() throws {
            let dir = Repository.temporaryDirectory("secrets-dry-run")
            let path = try DrillEndToEndTests.writePlan(Self.plan(baseURL: "http://127.0.0.1:9"), in: dir)
            let result = try ChildProcess.run(
                Repository.binary, ["run", path, "--dry-run", "--var", "key=\(Self.key)"], timeout: 30,
                environment: [Self.tokenVariable: Self.token])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("run /bin/echo *** ***"), "\(result.stdout)")
            Self.expectNoLeak(result.stdout + result.stderr, in: "dry run")

            let unset = try ChildProcess.run(Repository.binary, ["run", path, "--dry-run"], timeout: 30)
            #expect(unset.status == 2)
            #expect(
                unset.stderr.contains("the environment variable \(Self.tokenVariable) is not set"), "\(unset.stderr)")
            // validate needs no value: the plan is checked without reading the environment.
            let validate = try ChildProcess.run(Repository.binary, ["validate", path], timeout: 30)
            #expect(validate.status == 0, "\(validate.stderr)")
        }
    }
}
