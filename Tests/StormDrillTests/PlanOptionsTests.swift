import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Plan options: --var overrides, placeholders in a target process, campus profile, --duration-scale")
    struct PlanOptionsTests {
        static let process = """
            {"stormdrill": 1, "name": "p", "vars": {"profile": "resilient", "port": "18090"},
             "target": {"baseURL": "http://127.0.0.1:18090", "process": {
               "argv": ["stormdrill", "serve", "campus", "--profile", "{{vars.profile}}", "--data", "{{run.dir}}/data",
                        "--port", "{{vars.port}}"],
               "env": {"CAMPUS_DATA": "{{run.dir}}"}, "ready": "http://127.0.0.1:18090/health"}},
             "load": {"model": "open", "stages": [{"duration": "2m", "from": 10, "to": 100}, {"duration": "3m", "rate": 100}]},
             "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/"}]}],
             "faults": [{"name": "crash", "type": "kill", "at": "4m", "restartAfter": "30s"},
                        {"name": "flag", "type": "command", "start": ["true"], "rollback": ["true"], "at": "0s",
                         "duration": "1m"}]}
            """

        static func decode(_ text: String, _ overrides: [String: String] = [:]) -> Result<Plan, PlanError> {
            PlanDecoder.decode(Array(text.utf8), file: "p.json", overrides: overrides)
        }

        @Test("vars fill argv and env of a target process; {{run.dir}} is kept for the driver")
        func placeholders() throws {
            let plan = try Self.decode(Self.process).get()
            let p = try #require(plan.target.process)
            #expect(
                p.argv == [
                    "stormdrill", "serve", "campus", "--profile", "resilient", "--data", "{{run.dir}}/data",
                    "--port", "18090",
                ])
            #expect(p.env == ["CAMPUS_DATA": "{{run.dir}}"])
        }

        @Test("--var replaces a var everywhere; an unknown var is an error with a suggestion")
        func overrides() throws {
            let plan = try Self.decode(Self.process, ["profile": "fragile"]).get()
            #expect(plan.target.process?.argv[4] == "fragile")
            guard case .failure(let error) = Self.decode(Self.process, ["profil": "fragile"]) else {
                Issue.record("accepted an unknown var")
                return
            }
            #expect(
                error.description.contains(
                    "--var profil: the plan defines no var \"profil\"; did you mean \"profile\"?"))
        }

        @Test("unknown placeholders in argv are errors")
        func unknownPlaceholder() {
            let text = Self.process.replacingOccurrences(of: "{{vars.port}}", with: "{{order.id}}")
            guard case .failure(let error) = Self.decode(text) else {
                Issue.record("accepted {{order.id}} in argv")
                return
            }
            #expect(error.description.contains("target.process.argv[8]"))
            #expect(error.description.contains("unknown placeholder {{order.id}}"))
        }

        @Test("the embedded campus takes a profile; other targets and other values are refused")
        func profile() throws {
            func plan(_ target: String) -> String {
                """
                {"stormdrill": 1, "name": "p", "vars": {"profile": "fragile"}, "target": \(target),
                 "load": {"model": "open", "stages": [{"duration": "10s", "rate": 10}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/"}]}]}
                """
            }
            let ok = try Self.decode(plan(#"{"embedded": "campus", "profile": "{{vars.profile}}"}"#)).get()
            #expect(ok.target.profile == "fragile")
            guard case .failure(let bad) = Self.decode(plan(#"{"embedded": "campus", "profile": "resilent"}"#)),
                case .failure(let url) = Self.decode(plan(#"{"baseURL": "http://127.0.0.1:1", "profile": "fragile"}"#))
            else {
                Issue.record("accepted a bad profile")
                return
            }
            #expect(bad.description.contains("did you mean \"resilient\"?"))
            #expect(url.description.contains("needs \"embedded\": \"campus\""))
        }

        @Test("--duration-scale shrinks stages and fault windows and keeps rates, think times and order")
        func scaling() throws {
            let plan = try Self.decode(Self.process).get().scaled(by: 0.05)
            guard case .open(let open) = plan.load else { return }
            #expect(open.stages.map(\.duration) == [.seconds(6), .seconds(9)])
            #expect(open.stages.map(\.from) == [10, 100] && open.stages.map(\.to) == [100, 100])
            #expect(plan.loadDuration == .seconds(15))
            #expect(plan.faults[0].at == .seconds(12))
            #expect(plan.faults[0].action == .kill(signal: .KILL, restartAfter: .seconds(1.5)))
            #expect(plan.faults[0].end == .seconds(13.5))
            #expect(plan.faults[1].at == .zero && plan.faults[1].end == .seconds(3))
        }

        @Test("an embedded campus plan may only proxy the platform's own dependencies, on loopback")
        func embeddedDependencies() {
            let text = """
                {"stormdrill": 1, "name": "p", "target": {"embedded": "campus"},
                 "dependencies": [{"name": "payments", "listen": "127.0.0.1:19101", "upstream": "127.0.0.1:19001"},
                                  {"name": "dispatch", "listen": "127.0.0.1:19102", "upstream": "10.0.0.2:19002"}],
                 "load": {"model": "open", "stages": [{"duration": "10s", "rate": 10}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/"}]}]}
                """
            guard case .failure(let error) = Self.decode(text) else {
                Issue.record("accepted")
                return
            }
            #expect(error.description.contains("dependencies[0].name: the embedded campus platform has no dependency"))
            #expect(error.description.contains("did you mean \"payment\"?"))
            #expect(
                error.description.contains(
                    "dependencies[1].upstream: the embedded platform starts dispatch on loopback"))
        }
    }
}
