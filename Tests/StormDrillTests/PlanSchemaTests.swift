import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    /// `plans/schema.json` and the decoder must agree: every shipped plan is valid for both, every documented bad
    /// case is rejected by both. The schema is checked with the reference Python implementation (`jsonschema`),
    /// installed into `.build/python-tools` by `scripts/python-tools.sh`.
    @Suite("JSON Schema agrees with the decoder")
    struct PlanSchemaTests {
        struct Verdict: Decodable {
            var file: String
            var valid: Bool
            var errors: [String]?
        }

        static func validate(_ files: [String]) throws -> [String: Verdict] {
            let result = try ChildProcess.run(
                Repository.path("scripts/python-tools.sh"),
                ["run", Repository.path("Tests/schema/validate_plans.py"), Repository.path("plans/schema.json")]
                    + files,
                timeout: 600, currentDirectory: Repository.root.path)
            guard result.status == 0 else {
                Issue.record("schema validation could not run (exit \(result.status)): \(result.stderr)")
                return [:]
            }
            var out: [String: Verdict] = [:]
            for line in result.stdout.split(separator: "\n") where line.hasPrefix("{") {
                let v = try JSONDecoder().decode(Verdict.self, from: Data(line.utf8))
                out[(v.file as NSString).lastPathComponent] = v
            }
            return out
        }

        @Test("every shipped plan validates against both; every bad case is rejected by both")
        func agreement() throws {
            let good = Repository.shippedPlans
            let bad = Repository.badPlanFixtures
            #expect(good.count >= 3)
            let verdicts = try Self.validate(good + bad)
            #expect(verdicts.count == good.count + bad.count)
            for path in good {
                let name = (path as NSString).lastPathComponent
                #expect(verdicts[name]?.valid == true, "\(name): \(verdicts[name]?.errors ?? [])")
                #expect((try? PlanLoader.load(path: path).get()) != nil, "\(name) rejected by the decoder")
            }
            for path in bad {
                let name = (path as NSString).lastPathComponent
                #expect(verdicts[name]?.valid == false, "\(name) accepted by the schema")
                #expect((try? PlanLoader.load(path: path).get()) == nil, "\(name) accepted by the decoder")
            }
        }

        @Test("variants the decoder accepts are accepted by the schema too")
        func acceptedVariants() throws {
            let dir = Repository.temporaryDirectory("schema-variants")
            let base = """
                {"stormdrill": 1, "name": "v", "target": TARGET, "load": LOAD,
                 "journeys": [{"name": "j", "steps": STEPS}]}
                """
            let variants: [(String, String, String)] = [
                (
                    #"{"embedded": "campus"}"#,
                    #"{"model": "closed", "users": 3, "thinkTime": "0s", "duration": "1m"}"#,
                    #"[{"name": "s", "path": "/menu", "expect": 200}]"#
                ),
                (
                    #"{"baseURL": "https://127.0.0.1:8443/api", "timeout": "1m30s", "connections": 8}"#,
                    #"{"model": "open", "shape": {"name": "event-day-surge", "peakRate": 50.5, "duration": "10m"}}"#,
                    #"[{"name": "s", "method": "post", "path": "/o", "body": {"a": ["{{ order.items }}", 1, null]}, "extract": {"id": ""}}, {"name": "t", "path": "/o/{{extract.id}}", "think": "250ms"}]"#
                ),
                (
                    #"{"baseURL": "http://[::1]:9000"}"#,
                    #"{"model": "open", "arrival": "poisson", "stages": [{"duration": "10s", "to": 40}, {"duration": "5s", "from": 0, "to": 0.5}], "maxInFlight": 1}"#,
                    #"[{"name": "s", "path": "/x?y={{order.student}}", "headers": {"X-Key": "{{order.idempotencyKey}}"}}]"#
                ),
            ]
            var files: [String] = []
            for (i, v) in variants.enumerated() {
                let text = base.replacingOccurrences(of: "TARGET", with: v.0).replacingOccurrences(
                    of: "LOAD", with: v.1
                )
                .replacingOccurrences(of: "STEPS", with: v.2)
                let path = "\(dir)/variant-\(i).json"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                if case .failure(let e) = PlanLoader.load(path: path) {
                    Issue.record("decoder rejected variant \(i): \(e)")
                }
                files.append(path)
            }
            let verdicts = try Self.validate(files)
            for path in files {
                let name = (path as NSString).lastPathComponent
                #expect(verdicts[name]?.valid == true, "\(name): \(verdicts[name]?.errors ?? [])")
            }
        }
    }
}
