import StormDrillAnalysis
import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Faults in plans: decoding, validation, schedule and abort conditions")
    struct FaultPlanTests {
        /// A plan with 60 s of load and the given extra root members.
        static func plan(_ extra: String, target: String = #"{"baseURL": "http://127.0.0.1:18080"}"#) -> String {
            """
            {"stormdrill": 1, "name": "faulty", "target": \(target),
             "load": {"model": "open", "stages": [{"duration": "60s", "rate": 10}]},
             "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/"}]}],
             \(extra)}
            """
        }

        static let dependencies = """
            "dependencies": [
              {"name": "payment", "listen": "127.0.0.1:19001", "upstream": "127.0.0.1:9001", "protocol": "http"},
              {"name": "dispatch", "listen": "127.0.0.1:19002", "upstream": "127.0.0.1:9002"}]
            """

        static let process = """
            {"baseURL": "http://127.0.0.1:18080", "process": {"argv": ["stormdrill", "serve", "campus", "--port",
              "18080"], "ready": "http://127.0.0.1:18080/health"}}
            """

        static func decode(_ text: String) -> Result<Plan, PlanError> {
            PlanDecoder.decode(Array(text.utf8), file: "p.json")
        }

        static func errors(_ text: String) -> [String] {
            switch decode(text) {
            case .success: return []
            case .failure(let e): return e.diagnostics.map(\.description)
            }
        }

        @Test("the issue's example faults decode with Toxiproxy units")
        func exampleDecodes() throws {
            let text = Self.plan(
                Self.dependencies + """
                    , "faults": [
                      {"name": "payment-outage", "dependency": "payment", "type": "down", "at": "30s", "duration": "20s"},
                      {"name": "slow-dispatch", "dependency": "dispatch", "type": "latency", "latency": "800ms",
                       "jitter": "200ms", "at": "10s", "duration": "30s"},
                      {"name": "errors", "dependency": "payment", "type": "http_error", "status": 503, "rate": 0.3,
                       "at": "1s", "duration": "5s"},
                      {"name": "slices", "dependency": "dispatch", "type": "slicer", "average_size": 64,
                       "delay": "2ms", "at": "45s", "duration": "5s", "stream": "upstream", "toxicity": 0.5}],
                    "abortWhen": [{"metric": "errorRate", "above": 0.5, "for": "5s"},
                                  {"metric": "p99", "above": "2s", "for": "10s"}]
                    """)
            let plan = try Self.decode(text).get()
            #expect(plan.dependencies.count == 2)
            #expect(plan.dependencies[0].proto == .http && plan.dependencies[1].proto == .tcp)
            #expect(plan.dependencies[0].listen == HostPort(host: "127.0.0.1", port: 19001))
            #expect(plan.faults.map(\.name) == ["payment-outage", "slow-dispatch", "errors", "slices"])
            #expect(plan.faults[0].action == .down(dependency: "payment"))
            #expect(plan.faults[0].end == .seconds(50))
            guard case .toxic(let dep, let latency) = plan.faults[1].action else {
                Issue.record("not a toxic")
                return
            }
            #expect(dep == "dispatch")
            #expect(latency.type == .latency && latency.attributes == ["latency": 800, "jitter": 200])
            #expect(latency.stream == .downstream && latency.toxicity == 1)
            guard case .toxic(_, let slicer) = plan.faults[3].action else { return }
            #expect(slicer.attributes["delay"] == 2000)  // µs, as Toxiproxy's slicer takes it
            #expect(slicer.stream == .upstream && slicer.toxicity == 0.5)
            #expect(
                plan.abortWhen == [
                    AbortCondition(metric: .errorRate, above: 0.5, forSeconds: 5),
                    AbortCondition(metric: .p99, above: 2_000_000, forSeconds: 10),
                ])
        }

        @Test("process and command faults decode; kill's window is restartAfter")
        func processFaults() throws {
            let plan = try Self.decode(
                Self.plan(
                    """
                    "faults": [
                      {"name": "crash", "type": "kill", "signal": "SIGKILL", "restartAfter": "5s", "at": "10s"},
                      {"name": "freeze", "type": "pause", "at": "20s", "duration": "2s"},
                      {"name": "flag", "type": "command", "start": ["sh", "-c", "true"], "rollback": ["true"],
                       "at": "30s", "duration": "10s"}]
                    """, target: Self.process)
            ).get()
            #expect(plan.target.process?.argv.first == "stormdrill")
            #expect(plan.target.process?.ready.basePath == "/health")
            #expect(plan.faults[0].action == .kill(signal: .KILL, restartAfter: .seconds(5)))
            #expect(plan.faults[0].end == .seconds(15))
            #expect(plan.faults[1].action == .pause)
            #expect(plan.faults[2].action == .command(start: ["sh", "-c", "true"], rollback: ["true"]))
        }

        @Test(
            "invalid faults exit 2 with path, line and a useful message",
            arguments: [
                (
                    #"{"name": "x", "dependency": "payment", "type": "latancy", "latency": "1s", "at": "1s", "duration": "1s"}"#,
                    "faults[0].type", "did you mean \"latency\"?"
                ),
                (
                    #"{"name": "x", "dependency": "paymnt", "type": "down", "at": "1s", "duration": "1s"}"#,
                    "faults[0].dependency", "did you mean \"payment\"?"
                ),
                (
                    #"{"name": "x", "dependency": "payment", "type": "down", "at": "50s", "duration": "20s"}"#,
                    "faults[0].duration", "ends at 1m10s, after the load ends at 1m"
                ),
                (
                    #"{"name": "x", "dependency": "payment", "type": "down", "at": "60s", "duration": "1s"}"#,
                    "faults[0].at", "at or after the end of the load"
                ),
                (
                    #"{"name": "x", "dependency": "dispatch", "type": "http_error", "status": 500, "at": "1s", "duration": "1s"}"#,
                    "faults[0].dependency", "needs \"protocol\": \"http\""
                ),
                (
                    #"{"name": "x", "type": "command", "start": ["true"], "at": "1s", "duration": "1s"}"#,
                    "faults[0]", "missing required key \"rollback\""
                ),
                (
                    #"{"name": "x", "type": "kill", "at": "1s"}"#,
                    "faults[0].type", "add \"target.process\""
                ),
                (
                    #"{"name": "x", "dependency": "payment", "type": "http_error", "status": 503, "rate": 30, "at": "1s", "duration": "1s"}"#,
                    "faults[0].rate", "between 0 and 1"
                ),
                (
                    #"{"name": "x", "dependency": "payment", "type": "latency", "at": "1s", "duration": "1s"}"#,
                    "faults[0]", "latency needs \"latency\""
                ),
            ] as [(String, String, String)])
        func invalidFault(fault: String, path: String, message: String) {
            let errors = Self.errors(Self.plan(Self.dependencies + #", "faults": [\#(fault)]"#))
            #expect(
                errors.contains { $0.contains(" \(path): ") && $0.contains(message) && $0.contains("p.json:") },
                "\(errors)")
        }

        @Test("overlapping windows that conflict are rejected; compatible ones are not")
        func overlaps() {
            let conflict = Self.errors(
                Self.plan(
                    Self.dependencies + """
                        , "faults": [
                          {"name": "a", "dependency": "payment", "type": "down", "at": "10s", "duration": "20s"},
                          {"name": "b", "dependency": "payment", "type": "http_delay", "delay": "1s", "at": "20s",
                           "duration": "5s"}]
                        """))
            #expect(
                conflict.contains { $0.contains("faults[1].at") && $0.contains("overlaps fault \"a\" (10s–30s)") },
                "\(conflict)")
            let twoLatencies = Self.errors(
                Self.plan(
                    Self.dependencies + """
                        , "faults": [
                          {"name": "a", "dependency": "dispatch", "type": "latency", "latency": "1s", "at": "10s",
                           "duration": "20s"},
                          {"name": "b", "dependency": "dispatch", "type": "latency", "latency": "2s", "at": "29s",
                           "duration": "5s"}]
                        """))
            #expect(twoLatencies.contains { $0.contains("two latency faults on \"dispatch\"") }, "\(twoLatencies)")
            // Latency and bandwidth together, or back-to-back windows, or other dependencies: fine.
            let fine = Self.errors(
                Self.plan(
                    Self.dependencies + """
                        , "faults": [
                          {"name": "a", "dependency": "dispatch", "type": "latency", "latency": "1s", "at": "10s",
                           "duration": "20s"},
                          {"name": "b", "dependency": "dispatch", "type": "bandwidth", "rate": 10, "at": "15s",
                           "duration": "5s"},
                          {"name": "c", "dependency": "dispatch", "type": "latency", "latency": "2s", "at": "30s",
                           "duration": "5s"},
                          {"name": "d", "dependency": "payment", "type": "down", "at": "10s", "duration": "20s"}]
                        """))
            #expect(fine.isEmpty, "\(fine)")
        }

        @Test("bad dependencies: address format, duplicates, unknown protocol")
        func badDependencies() {
            let errors = Self.errors(
                Self.plan(
                    """
                    "dependencies": [
                      {"name": "a", "listen": "127.0.0.1", "upstream": "127.0.0.1:9001"},
                      {"name": "a", "listen": "127.0.0.1:19002", "upstream": "127.0.0.1:19002", "protocol": "htp"}]
                    """))
            #expect(errors.contains { $0.contains("dependencies[0].listen") && $0.contains("must be host:port") })
            #expect(errors.contains { $0.contains("dependencies[1].name") && $0.contains("duplicate") })
            #expect(errors.contains { $0.contains("dependencies[1].upstream") && $0.contains("must differ") })
            #expect(errors.contains { $0.contains("dependencies[1].protocol") && $0.contains("did you mean \"http\"") })
        }

        // MARK: - Schedule

        static func fault(_ name: String, at: Double, for d: Double?, _ action: FaultAction = .pause) -> Fault {
            Fault(name: name, at: .seconds(at), duration: d.map { .seconds($0) }, action: action)
        }

        @Test("the schedule hands out applies and rollbacks in time order, rollbacks first at the same instant")
        func scheduleOrder() {
            var s = FaultSchedule(faults: [
                Self.fault("a", at: 10, for: 5), Self.fault("b", at: 15, for: 5), Self.fault("c", at: 2, for: 1),
            ])
            #expect(s.nextDue() == .seconds(2))
            #expect(s.due(at: .seconds(1)).isEmpty)
            #expect(s.due(at: .seconds(2)) == [.apply(2)])
            #expect(s.nextDue() == .seconds(3))
            // A late wake-up gets everything that fell due, in order.
            #expect(s.due(at: .seconds(12)) == [.rollback(2), .apply(0)])
            #expect(s.due(at: .seconds(15)) == [.rollback(0), .apply(1)])
            #expect(s.active == [1])
            #expect(s.due(at: .seconds(15)).isEmpty)
            #expect(s.due(at: .seconds(20)) == [.rollback(1)])
            #expect(s.nextDue() == nil)
            #expect(s.phases == [.ended, .ended, .ended])
        }

        @Test("stop rolls back what is in force, latest first, skips the rest, and only once")
        func scheduleStop() {
            var s = FaultSchedule(faults: [
                Self.fault("a", at: 1, for: 10), Self.fault("b", at: 2, for: 10),
                Self.fault("kill", at: 3, for: nil, .kill(signal: .KILL, restartAfter: nil)),
                Self.fault("later", at: 30, for: 1),
            ])
            #expect(s.due(at: .seconds(5)) == [.apply(0), .apply(1), .apply(2)])
            #expect(s.stop() == [.rollback(1), .rollback(0)])  // the kill that is never restarted needs none
            #expect(s.phases == [.ended, .ended, .ended, .skipped])
            #expect(s.stop().isEmpty)
            #expect(s.due(at: .seconds(60)).isEmpty)
            #expect(s.nextDue() == nil)
        }

        @Test("stop before anything is applied rolls back nothing")
        func stopEarly() {
            var s = FaultSchedule(faults: [Self.fault("a", at: 1, for: 1)])
            #expect(s.stop().isEmpty)
            #expect(s.phases == [.skipped])
        }

        // MARK: - abortWhen

        @Test("an abort condition trips after N consecutive seconds above its limit; quiet seconds do not count")
        func abortMonitor() {
            var m = AbortMonitor(conditions: [
                AbortCondition(metric: .errorRate, above: 0.5, forSeconds: 3),
                AbortCondition(metric: .p99, above: 2_000_000, forSeconds: 2),
            ])
            #expect(m.observe(AbortSample(completed: 10, failed: 6)) == nil)
            #expect(m.observe(AbortSample(completed: 10, failed: 9)) == nil)
            #expect(m.observe(AbortSample(completed: 10, failed: 5)) == nil)  // exactly 0.5 is not above: reset
            #expect(m.observe(AbortSample(completed: 10, failed: 6)) == nil)
            #expect(m.observe(AbortSample(completed: 0, failed: 0)) == nil)  // nothing completed: no judgement
            #expect(m.observe(AbortSample(completed: 10, failed: 7)) == nil)
            let trip = m.observe(AbortSample(completed: 10, failed: 8))
            #expect(trip?.condition.metric == .errorRate)
            #expect(trip?.observed == [0.6, 0.7, 0.8])
            #expect(m.observe(AbortSample(completed: 10, failed: 10)) == nil)  // trips once

            var latency = AbortMonitor(conditions: [AbortCondition(metric: .p99, above: 2_000_000, forSeconds: 2)])
            #expect(latency.observe(AbortSample(completed: 5, failed: 0, p99: 2_500_000)) == nil)
            #expect(latency.observe(AbortSample(completed: 5, failed: 0, p99: 3_000_000))?.observed.count == 2)
            #expect(
                AbortCondition(metric: .p99, above: 2_000_000, forSeconds: 10).description == "p99 above 2s for 10s")
        }

        @Test("dry-run schedule lists stages and fault windows in time order")
        func dryRunText() throws {
            let plan = try Self.decode(
                Self.plan(
                    Self.dependencies + """
                        , "faults": [
                          {"name": "outage", "dependency": "payment", "type": "down", "at": "30s", "duration": "20s"},
                          {"name": "slow", "dependency": "dispatch", "type": "latency", "latency": "800ms",
                           "at": "5s", "duration": "10s"}]
                        """)
            ).get()
            let text = ScheduleDescription.render(plan)
            let lines = text.split(separator: "\n").map(String.init)
            let order = ["stage 1", "slow: apply", "slow: roll back", "outage: apply", "outage: roll back", "ends"]
            let positions = order.map { key in lines.firstIndex { $0.contains(key) } ?? -1 }
            #expect(!positions.contains(-1) && positions == positions.sorted(), "\(text)")
            #expect(text.contains("payment down") && text.contains("latency=800"))
            #expect(text.contains("nothing was sent"))
        }
    }
}
