import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Game-day plans: gameDay decodes, phase thresholds, typos explained")
    struct GameDayPlanTests {
        /// A plan with the payment dependency, two faults and the given `gameDay` (and extra root members).
        static func plan(_ gameDay: String, extra: String = "") -> String {
            """
            {"stormdrill": 1, "name": "gd", "vars": {"host": "10.0.0.5"},
             "target": {"baseURL": "http://127.0.0.1:18080"},
             "load": {"model": "open", "stages": [{"duration": "20m", "rate": 1}]},
             "journeys": [{"name": "menu", "steps": [{"name": "menu", "path": "/menu"}]}],
             "dependencies": [{"name": "payment", "listen": "127.0.0.1:19001", "upstream": "127.0.0.1:9001",
                               "protocol": "http"}],
             "faults": [{"name": "slow-payment", "dependency": "payment", "type": "latency", "latency": "2s",
                         "at": "5m", "duration": "5m"},
                        {"name": "payment-outage", "dependency": "payment", "type": "down", "at": "12m",
                         "duration": "3m"}],
             \(extra)
             "gameDay": \(gameDay)}
            """
        }

        static let issueExample = """
            {
              "title": "Payment outage rehearsal, Dorm 5",
              "appURL": "http://{{vars.host}}:8080/",
              "phases": [
                {"name": "warm-up", "at": "0s", "brief": "Order lunch as usual.", "expect": "Everything works."},
                {"name": "slow-payment", "at": "5m", "gate": true,
                 "brief": "Keep ordering. Tell us if paying feels slow.", "expect": "Paying takes a few seconds; no order lost.",
                 "hypothesis": "Orders still go through while payment is slow.",
                 "thresholds": [{"metric": "p99", "below": "3s"}],
                 "poll": "Did paying feel slower than usual?"},
                {"name": "payment-down", "at": "12m", "gate": true, "brief": "...", "expect": "A notice explains the outage."}
              ]
            }
            """

        @Test("the issue's example decodes: phases, gates, appURL with vars, the phase's threshold scoped to it")
        func issueExample() throws {
            let plan = try FaultPlanTests.decode(Self.plan(Self.issueExample)).get()
            let g = try #require(plan.gameDay)
            #expect(g.title == "Payment outage rehearsal, Dorm 5")
            #expect(g.appURL == "http://10.0.0.5:8080/")
            #expect(g.phases.map(\.name) == ["warm-up", "slow-payment", "payment-down"])
            #expect(g.phases.map(\.gate) == [false, true, true])
            #expect(g.phases[1].at == .seconds(300) && g.phases[1].poll == "Did paying feel slower than usual?")
            #expect(g.maxParticipants == 500 && g.pollWindow == .seconds(30))
            #expect(g.gates.map(\.phase) == [1, 2])
            #expect(g.phaseIndex(atScenario: .seconds(400)) == 1)
            let t = try #require(plan.checks.thresholds.first)
            #expect(t.during == .phase("slow-payment") && t.metric == .p99 && t.limit == 3000)
            // The scenario clock of the plan holds at both gates.
            #expect(ScenarioClock(plan: plan).pendingGates.map(\.at) == [300_000_000_000, 720_000_000_000])
            // --duration-scale moves phases with the faults.
            #expect(plan.scaled(by: 0.1).gameDay?.phases.map(\.at) == [.zero, .seconds(30), .seconds(72)])
        }

        @Test("phase:NAME is a phase for any threshold; timeToAnnounce is a fault measure that needs a game day")
        func phaseScopeAndAnnounce() throws {
            let plan = try FaultPlanTests.decode(
                Self.plan(
                    Self.issueExample,
                    extra: """
                        "thresholds": [{"metric": "errorRate", "below": 0.1, "during": "phase:payment-down"},
                          {"metric": "timeToAnnounce", "during": "fault:payment-outage", "below": "2m"}],
                        """)
            ).get()
            #expect(
                plan.checks.thresholds.map(\.during) == [
                    .phase("payment-down"), .fault("payment-outage"), .phase("slow-payment"),
                ])
            #expect(plan.checks.thresholds[1].metric == .timeToAnnounce && plan.checks.thresholds[1].limit == 120_000)
            let noGameDay = """
                {"stormdrill": 1, "name": "x", "target": {"baseURL": "http://127.0.0.1:1"},
                 "load": {"model": "open", "stages": [{"duration": "10s", "rate": 1}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}],
                 "thresholds": [{"metric": "timeToAnnounce", "below": "1m"}, {"metric": "p99", "below": "1s", "during": "phase:x"}]}
                """
            let errors = FaultPlanTests.errors(noGameDay)
            #expect(
                errors.contains {
                    $0.contains("thresholds[0].metric") && $0.contains("timeToAnnounce needs a \"gameDay\"")
                })
            #expect(errors.contains { $0.contains("thresholds[1].during") && $0.contains("unknown phase \"phase:x\"") })
        }

        @Test("typos and mistakes name the path, the line and the fix")
        func mistakes() {
            let cases: [(String, String, String)] = [
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s", "gatee": true}]}"#,
                    "gameDay.phases[0].gatee", #"did you mean "gate"?"#
                ),
                (#"{"titel": "t", "phases": [{"name": "a", "at": "0s"}]}"#, "gameDay.titel", #"did you mean "title"?"#),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "5m"}, {"name": "b", "at": "2m"}]}"#,
                    "gameDay.phases[1].at", "must come after the previous phase's"
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "25m"}]}"#, "gameDay.phases[0].at",
                    "must be before the end of the load (20m)"
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s"}, {"name": "a", "at": "1m"}]}"#,
                    "gameDay.phases[1].name", #"duplicate phase name "a""#
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s", "gate": "yes"}]}"#, "gameDay.phases[0].gate",
                    "must be true or false"
                ),
                (#"{"title": "t", "phases": []}"#, "gameDay.phases", "at least one phase"),
                (
                    #"{"title": "t", "appURL": "10.0.0.5:8080", "phases": [{"name": "a", "at": "0s"}]}"#,
                    "gameDay.appURL", "http:// or https://"
                ),
                (
                    #"{"title": "t", "maxParticipants": 0, "phases": [{"name": "a", "at": "0s"}]}"#,
                    "gameDay.maxParticipants", "greater than 0"
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s", "duration": "1m"}]}"#,
                    "gameDay.phases[0].duration", "a phase lasts until the next one begins"
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s", "thresholds": [{"metric": "p99", "below": "1s", "during": "whole"}]}]}"#,
                    "gameDay.phases[0].thresholds[0].during", "leave \"during\" out"
                ),
                (
                    #"{"title": "t", "phases": [{"name": "a", "at": "0s", "thresholds": [{"metric": "mttr", "below": "1s"}]}]}"#,
                    "gameDay.phases[0].thresholds[0].metric", "measured over the whole drill only"
                ),
            ]
            for (gameDay, path, message) in cases {
                let errors = FaultPlanTests.errors(Self.plan(gameDay))
                #expect(
                    errors.contains { $0.contains(path + ":") && $0.contains(message) && $0.hasPrefix("p.json:") },
                    "\(path) / \(message): \(errors)")
            }
            // A misspelt root key points at gameDay.
            let errors = FaultPlanTests.errors(
                Self.plan(Self.issueExample).replacingOccurrences(of: "\"gameDay\"", with: "\"gameday\""))
            #expect(errors.contains { $0.contains("gameday") && $0.contains("write \"gameDay\"") }, "\(errors)")
        }
    }
}
