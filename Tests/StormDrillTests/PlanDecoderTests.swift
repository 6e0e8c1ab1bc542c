import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Plan decoding and validation")
    struct PlanDecoderTests {
        static func decode(_ text: String, file: String = "test.json") -> Result<Plan, PlanError> {
            PlanDecoder.decode(Array(text.utf8), file: file)
        }

        static func problems(_ text: String) -> [PlanDiagnostic] {
            if case .failure(let e) = decode(text) { return e.diagnostics }
            return []
        }

        static let minimal = """
            {"stormdrill": 1, "name": "m", "target": {"baseURL": "http://127.0.0.1:8080"},
             "load": {"model": "open", "stages": [{"duration": "10s", "rate": 50}]},
             "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/menu"}]}]}
            """

        @Test("every shipped plan decodes", arguments: Repository.shippedPlans)
        func shippedPlansDecode(path: String) throws {
            let result = PlanLoader.load(path: path)
            if case .failure(let e) = result { Issue.record("\(e)") }
            #expect((try? result.get()) != nil)
        }

        @Test("a minimal plan gets its defaults")
        func defaults() throws {
            let plan = try Self.decode(Self.minimal).get()
            #expect(plan.seed == 1)
            #expect(plan.target.timeout == .seconds(10))
            #expect(plan.slo.errorRate == 0.01)
            guard case .open(let open) = plan.load else {
                Issue.record("expected open model")
                return
            }
            #expect(open.arrival == .uniform)
            #expect(open.maxInFlight == OpenLoad.defaultMaxInFlight)
            #expect(plan.journeys[0].steps[0].method == .GET)
            #expect(plan.journeys[0].steps[0].accepts(status: 204))
            #expect(!plan.journeys[0].steps[0].accepts(status: 301))
        }

        /// Each fixture with the JSON path, line and column of its (first) problem and a fragment of the message.
        static let badCases: [(file: String, path: String, line: Int, column: Int, message: String)] = [
            ("misspelt-rate.json", "load.stages[1].rat", 9, 27, "did you mean \"rate\"?"),
            ("wrong-type.json", "load.stages[0].rate", 8, 35, "must be a number (got a string)"),
            ("negative-rate.json", "load.stages[1].rate", 9, 35, "must be greater than 0 (got -5)"),
            ("zero-rate.json", "load.stages[0].rate", 8, 35, "must be greater than 0 (got 0)"),
            ("zero-duration.json", "load.stages[0].duration", 8, 20, "must be greater than 0"),
            ("negative-duration.json", "load.duration", 8, 17, "must not be negative"),
            ("ramp-without-to.json", "load.stages[0]", 8, 34, "a ramp needs \"to\""),
            ("empty-journeys.json", "journeys", 9, 15, "at least one journey"),
            ("weights-sum-zero.json", "journeys", 9, 15, "weights sum to 0"),
            ("secrets-without-vars.json", "secrets[0]", 4, 15, "names a var but the plan defines no \"vars\""),
            (
                "unknown-template-variable.json", "journeys[0].steps[0].body.flavour", 11, 83,
                "unknown template variable {{order.flavour}}"
            ),
            ("extract-before-defined.json", "journeys[0].steps[0].path", 11, 43, "used before it is defined"),
            ("base-url-not-http.json", "target.baseURL", 4, 25, "must start with http:// or https://"),
            ("invalid-json.json", "load.stages[1]", 9, 5, "invalid JSON"),
            ("fault-unknown-type.json", "faults[0].type", 9, 63, "did you mean \"latency\"?"),
            ("fault-command-without-rollback.json", "faults[0]", 8, 5, "missing required key \"rollback\""),
            ("fault-rate-not-share.json", "faults[0].rate", 9, 102, "must be a share between 0 and 1"),
        ]

        @Test("each bad plan is rejected with file, line, column, path and message", arguments: badCases)
        func badPlans(c: (file: String, path: String, line: Int, column: Int, message: String)) throws {
            let file = Repository.path("Tests/StormDrillTests/Fixtures/bad-plans/\(c.file)")
            guard case .failure(let error) = PlanLoader.load(path: file) else {
                Issue.record("\(c.file) was accepted")
                return
            }
            let d = try #require(error.diagnostics.first)
            #expect(d.file == file)
            #expect(d.path == c.path)
            #expect(d.position.line == c.line)
            #expect(d.position.column == c.column)
            #expect(d.message.contains(c.message), "\(d.message)")
            #expect(d.description.hasPrefix("\(file):\(c.line):\(c.column): \(c.path): "))
        }

        @Test("every fixture in bad-plans is covered by a case", arguments: Repository.badPlanFixtures)
        func fixtureCovered(path: String) {
            let name = (path as NSString).lastPathComponent
            #expect(Self.badCases.contains { $0.file == name } || name == "several-problems.json")
        }

        @Test("all problems of a file are listed, not only the first")
        func severalProblems() throws {
            let file = Repository.path("Tests/StormDrillTests/Fixtures/bad-plans/several-problems.json")
            guard case .failure(let error) = PlanLoader.load(path: file) else {
                Issue.record("accepted")
                return
            }
            #expect(
                error.diagnostics.map(\.path) == [
                    "target.timout", "load.stages[0].rate", "load.stages[1].duration", "journeys[0].steps[0].path",
                ])
            #expect(error.diagnostics[0].message.contains("did you mean \"timeout\"?"))
        }

        @Test("a missing file is a plan error, not a crash")
        func missingFile() {
            guard case .failure(let error) = PlanLoader.load(path: "/nonexistent/plan.json") else {
                Issue.record("accepted")
                return
            }
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics[0].description.hasPrefix("/nonexistent/plan.json:1:1: $: "))
            #expect(error.diagnostics[0].message.contains("no such file"))
        }

        @Test("misspellings get suggestions at every level")
        func suggestions() {
            let text = Self.minimal
                .replacingOccurrences(of: "\"journeys\"", with: "\"journey\"")
                .replacingOccurrences(of: "\"model\"", with: "\"modle\"")
            let p = Self.problems(text)
            #expect(p.contains { $0.path == "journey" && $0.message.contains("did you mean \"journeys\"?") })
            #expect(p.contains { $0.path == "load" && $0.message.contains("missing required key \"model\"") })
        }

        @Test("misplaced keys say where they belong")
        func misplacedKeys() {
            let text = Self.minimal.replacingOccurrences(of: "\"name\": \"m\",", with: "\"name\": \"m\", \"rate\": 5,")
            let p = Self.problems(text)
            #expect(p.contains { $0.path == "rate" && $0.message.contains("belongs in a stage") })
        }

        @Test(
            "types, ranges and formats are checked",
            arguments: [
                (#"8080""#, #"8080", "timeout": 10"#, "target.timeout", "did you mean \"10s\"?"),
                (#"8080""#, #"8080", "timeout": "10 sec""#, "target.timeout", "invalid duration"),
                (#""rate": 50"#, #""rate": "50""#, "load.stages[0].rate", "write it without quotes"),
                (#""path": "/menu""#, #""path": "menu""#, "journeys[0].steps[0].path", "must start with \"/\""),
                (
                    #""path": "/menu""#, #""path": "/menu", "method": "FETCH""#, "journeys[0].steps[0].method",
                    "unknown method"
                ),
                (
                    #""path": "/menu""#, #""path": "/menu", "expect": [99]"#, "journeys[0].steps[0].expect[0]",
                    "at least 100"
                ),
                (
                    #""path": "/menu""#, #""path": "/menu", "extract": {"id": "id"}"#,
                    "journeys[0].steps[0].extract.id",
                    "did you mean \"/id\"?"
                ),
                (
                    #""path": "/menu""#, #""path": "/menu", "headers": {"Host": "x"}"#,
                    "journeys[0].steps[0].headers.Host",
                    "set by StormDrill"
                ),
                (#""stormdrill": 1"#, #""stormdrill": 2"#, "stormdrill", "unsupported plan format version 2"),
                (#""model": "open""#, #""model": "opne""#, "load.model", "did you mean \"open\"?"),
            ])
        func checks(c: (String, String, String, String)) {
            let text = Self.minimal.replacingOccurrences(of: c.0, with: c.1)
            #expect(text != Self.minimal)
            let p = Self.problems(text)
            #expect(p.contains { $0.path == c.2 && $0.message.contains(c.3) }, "\(p)")
        }

        @Test("slo errorRate must be a share")
        func sloShare() {
            let text = Self.minimal.dropLast() + #", "slo": {"errorRate": 5}}"#
            let p = Self.problems(String(text))
            #expect(p.contains { $0.path == "slo.errorRate" && $0.message.contains("between 0 and 1") })
        }

        @Test("closed model, shapes and ramps decode")
        func models() throws {
            let closed = try Self.decode(
                Self.minimal.replacingOccurrences(
                    of: #"{"model": "open", "stages": [{"duration": "10s", "rate": 50}]}"#,
                    with: #"{"model": "closed", "users": 20, "thinkTime": "500ms", "duration": "1m"}"#)
            ).get()
            guard case .closed(let c) = closed.load else {
                Issue.record("not closed")
                return
            }
            #expect(c.users == 20 && c.thinkTime == .milliseconds(500) && c.duration == .seconds(60))

            let shaped = try Self.decode(
                Self.minimal.replacingOccurrences(
                    of: #""stages": [{"duration": "10s", "rate": 50}]"#,
                    with: #""shape": {"name": "lunch-peak", "peakRate": 400, "duration": "5m"}"#)
            ).get()
            guard case .open(let o) = shaped.load else { return }
            #expect(o.shape?.name == .lunchPeak)
            #expect(o.duration == .seconds(300))
            #expect(o.peakRate == 400)

            let ramp = try Self.decode(
                Self.minimal.replacingOccurrences(
                    of: #"[{"duration": "10s", "rate": 50}]"#,
                    with: #"[{"duration": "10s", "rate": 50}, {"duration": "1m", "to": 400}]"#)
            ).get()
            guard case .open(let r) = ramp.load else { return }
            #expect(r.stages[1] == Stage(duration: .seconds(60), from: 50, to: 400))
        }

        @Test("closed-model keys in an open load are explained")
        func modelKeys() {
            let text = Self.minimal.replacingOccurrences(
                of: #""model": "open","#, with: #""model": "open", "users": 5,"#)
            #expect(
                Self.problems(text).contains {
                    $0.path == "load.users" && $0.message.contains("only for the closed model")
                })
        }

        @Test("durations parse in every unit")
        func durations() {
            #expect(PlanDuration(parsing: "250ms") == .milliseconds(250))
            #expect(PlanDuration(parsing: "10s") == .seconds(10))
            #expect(PlanDuration(parsing: "2m") == .seconds(120))
            #expect(PlanDuration(parsing: "1h") == .seconds(3600))
            #expect(PlanDuration(parsing: "1m30s") == .seconds(90))
            #expect(PlanDuration(parsing: "1.5s") == .milliseconds(1500))
            #expect(PlanDuration(parsing: "10") == nil)
            #expect(PlanDuration(parsing: "s") == nil)
            #expect(PlanDuration(parsing: "5 minutes") == nil)
            #expect(PlanDuration.seconds(90).description == "1m30s")
            #expect(PlanDuration.milliseconds(250).description == "250ms")
            #expect(PlanDuration.milliseconds(1500).description == "1.5s")
        }

        @Test("base URLs are parsed and checked")
        func baseURLs() throws {
            let u = try TargetURL.parse("http://127.0.0.1:8080/api/").get()
            #expect(u.host == "127.0.0.1" && u.port == 8080 && u.basePath == "/api")
            #expect(try TargetURL.parse("https://example.org").get().port == 443)
            #expect(try TargetURL.parse("http://[::1]:9000").get().host == "::1")
            #expect(try TargetURL.parse("http://[::1]:9000").get().hostHeader == "[::1]:9000")
            #expect((try? TargetURL.parse("ftp://x").get()) == nil)
            #expect((try? TargetURL.parse("http://x:99999").get()) == nil)
            #expect((try? TargetURL.parse("http://").get()) == nil)
        }

        @Test("the base path prefixes step paths")
        func basePath() throws {
            let plan = try Self.decode(
                Self.minimal.replacingOccurrences(
                    of: "http://127.0.0.1:8080", with: "http://127.0.0.1:8080/v2")
            ).get()
            #expect(plan.journeys[0].steps[0].path.staticBytes == Array("/v2/menu".utf8))
        }
    }
}

extension StormDrillTests.PlanDecoderTests {
    @Test("header values and vars cannot smuggle line breaks; vars in paths are percent-encoded")
    func injection() throws {
        let crlf = Self.minimal.replacingOccurrences(
            of: #""path": "/menu""#,
            with: #""path": "/menu", "headers": {"X-A": "a\r\nEvil: 1"}"#)
        #expect(Self.problems(crlf).contains { $0.message.contains("line breaks") })
        let withVars = Self.minimal.replacingOccurrences(
            of: #""name": "m","#,
            with: #""name": "m", "vars": {"bad": "a\nb", "sp": "x y"},"#)
        let header = withVars.replacingOccurrences(
            of: #""path": "/menu""#,
            with: #""path": "/menu", "headers": {"X-A": "{{vars.bad}}"}"#)
        #expect(Self.problems(header).contains { $0.message.contains("line break") })
        let path = withVars.replacingOccurrences(of: #""path": "/menu""#, with: #""path": "/m/{{vars.sp}}""#)
        let plan = try Self.decode(path).get()
        #expect(plan.journeys[0].steps[0].path.staticBytes == Array("/m/x%20y".utf8))
    }
}
