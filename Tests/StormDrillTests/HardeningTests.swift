import Foundation
import NIOCore
import StormDrillPlan
import StormDrillReport
import StormDrillRunner
import Testing

extension StormDrillTests {
    /// The hardening issue's reproductions: each crashed a process, was silently accepted or sent on the wire, or
    /// answered with a misleading message. Each is now a clear error (with the plan path and the limit), a request
    /// that fails with a bounded class and never leaves the driver, or a refusal before any traffic.
    @Suite("Hardening: hostile input, the wire, where traffic may go")
    struct HardeningTests {
        static func problems(_ text: String) -> [String] {
            PlanDecoderTests.problems(text).map(\.description)
        }

        static func plan(
            target: String = #""baseURL": "http://127.0.0.1:8080""#, stages: String? = nil,
            journeys: String? = nil, extra: String = ""
        ) -> String {
            let s = stages ?? #"[{"duration": "10s", "rate": 50}]"#
            let j = journeys ?? #"[{"name": "j", "steps": [{"name": "s", "path": "/menu"}]}]"#
            return """
                {"stormdrill": 1, "name": "h", "target": {\(target)}, "load": {"model": "open", "stages": \(s)},
                 "journeys": \(j)\(extra)}
                """
        }

        // MARK: 1. stage durations summed past Int64

        @Test("15,251 stages of 168h: a clean error, not an overflow trap (15,250 too)", arguments: [15_250, 15_251])
        func stageSumOverflow(count: Int) {
            let stages =
                "[" + Array(repeating: #"{"duration": "168h", "rate": 1}"#, count: count).joined(separator: ",")
                + "]"
            let found = Self.problems(Self.plan(stages: stages))
            #expect(found.contains { $0.contains("load: the stages last") && $0.contains("more than the 168h limit") })
        }

        @Test("validate goes on past a plan with 15,251 stages of 168h to the next file")
        func validateGoesOn() throws {
            let dir = Repository.temporaryDirectory("hard-validate")
            let stages =
                "["
                + Array(repeating: #"{"duration": "168h", "rate": 1}"#, count: 15_251)
                .joined(separator: ",") + "]"
            let huge = try DrillEndToEndTests.writePlan(Self.plan(stages: stages), in: dir, name: "a-huge.json")
            let good = try DrillEndToEndTests.writePlan(Self.plan(), in: dir, name: "b-good.json")
            let r = try ChildProcess.run(Repository.binary, ["validate", huge, good], timeout: 60)
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("168h limit"), "\(r.stderr)")
            #expect((r.stdout + r.stderr).contains("b-good.json"), "\(r.stdout) \(r.stderr)")
        }

        // MARK: 4. what must never reach the wire

        @Test(
            "header values with NUL, 0x01, 0x7F or a line break are plan errors with the path",
            arguments: [#"a\u0000b"#, #"a\u0001b"#, #"a\u007Fb"#, #"a\r\nX-Injected: yes"#, #"\u0085"#])
        func controlInHeader(value: String) {
            let found = Self.problems(
                Self.plan(target: #""baseURL": "http://127.0.0.1:8080", "headers": {"X-Tenant": "\#(value)"}"#))
            #expect(
                found.contains { $0.contains("target.headers.X-Tenant") && $0.contains("header values must not") },
                "\(found)")
        }

        @Test("a header value may hold a tab and UTF-8 text")
        func tabAndUTF8InHeader() {
            #expect(
                Self.problems(
                    Self.plan(target: #""baseURL": "http://127.0.0.1:8080", "headers": {"X-Name": "a\tb Zoë"}"#)
                ).isEmpty)
        }

        @Test(
            "a baseURL with a space, a line break or a control character is a plan error",
            arguments: [
                #"http://127.0.0.1:8080/a b\r\nX-Injected: yes"#, #"http://127.0.0.1:8080/a b"#,
                #"http://127.0.0.1:8080/a\u0000"#, #"http://127.0.0.1\r\n:8080"#,
            ])
        func controlInBaseURL(url: String) {
            let found = Self.problems(Self.plan(target: #""baseURL": "\#(url)""#))
            #expect(found.contains { $0.contains("target.baseURL") && $0.contains("must not contain") }, "\(found)")
        }

        @Test("a var with a control character used in a header is a plan error")
        func controlVarInHeader() {
            let found = Self.problems(
                Self.plan(
                    target: #""baseURL": "http://127.0.0.1:8080", "headers": {"X-T": "{{vars.t}}"}"#,
                    extra: #", "vars": {"t": "a\u0001b"}"#))
            #expect(found.contains { $0.contains("control character") }, "\(found)")
        }

        @Test("an extracted value with CRLF or NUL used in a header fails with invalid_request and is never sent")
        func extractedHeaderInjection() async throws {
            let server = try await FixtureServer.start(record: true) { request in
                if request.uri == "/login" {
                    return FixtureResponse(
                        body: #"{"token": "tok\r\nX-Injected: evil\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n","#
                            + #" "nul": "a\u0000b"}"#)
                }
                return FixtureResponse(body: #"{"ok": true}"#)
            }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("hard-inject")
            let journeys = """
                [{"name": "crlf", "steps": [
                   {"name": "login", "method": "POST", "path": "/login", "extract": {"token": "/token"}},
                   {"name": "orders", "path": "/orders", "headers": {"Authorization": "Bearer {{extract.token}}"}}]},
                 {"name": "nul", "steps": [
                   {"name": "login", "method": "POST", "path": "/login", "extract": {"nul": "/nul"}},
                   {"name": "orders", "path": "/orders", "headers": {"X-Nul": "{{extract.nul}}"}}]}]
                """
            let plan = try DrillEndToEndTests.writePlan(
                Self.plan(
                    target: #""baseURL": "\#(server.baseURL)", "connections": 4"#,
                    stages: #"[{"duration": "1s", "rate": 40}]"#, journeys: journeys),
                in: dir)
            let r = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 60)
            #expect([0, 1, 3].contains(r.status), "\(r.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let logins = server.requests.filter { $0.uri == "/login" }.count
            #expect(logins >= 30)
            #expect(report.errors["invalid_request"] == logins, "\(report.errors)")
            #expect(report.errorSamples.contains { $0.contains("extract.token") || $0.contains("extract.nul") })
            // Nothing but the logins reached the target: no smuggled request, no injected header, no /orders.
            #expect(server.requests.allSatisfy { $0.uri == "/login" }, "\(server.requests.map(\.uri))")
            #expect(server.requests.allSatisfy { $0.header("X-Injected") == nil })
        }

        // MARK: 5. weights

        @Test("journey weights of 1e308 are refused with the limit; 1 and 1 split evenly")
        func hugeWeights() throws {
            let journeys = """
                [{"name": "a", "weight": 1e308, "steps": [{"name": "s", "path": "/a"}]},
                 {"name": "b", "weight": 1e308, "steps": [{"name": "s", "path": "/b"}]}]
                """
            let found = Self.problems(Self.plan(journeys: journeys))
            #expect(found.contains { $0.contains("journeys[0].weight") && $0.contains("at most 1000000") }, "\(found)")
            let even = journeys.replacingOccurrences(of: "1e308", with: "1")
            let plan = try PlanDecoderTests.decode(Self.plan(journeys: even)).get()
            #expect(plan.journeys.map(\.weight) == [1, 1])
        }

        // MARK: 6. messages that say what is wrong

        @Test("a duration too long for any clock says so, with the limit")
        func hugeDuration() {
            let found = Self.problems(Self.plan(stages: #"[{"duration": "99999999999h", "rate": 1}]"#))
            #expect(found.contains { $0.contains("is too long: at most 168h") }, "\(found)")
            #expect(!found.contains { $0.contains("use a number with a unit") }, "\(found)")
        }

        @Test("connections: 1e23 is too large (with the limit), not 'not a whole number'")
        func hugeConnections() {
            let found = Self.problems(
                Self.plan(target: #""baseURL": "http://127.0.0.1:8080", "connections": 1e23"#))
            #expect(found.contains { $0.contains("target.connections: is too large: at most 100000") }, "\(found)")
            let negative = Self.problems(
                Self.plan(target: #""baseURL": "http://127.0.0.1:8080", "connections": -1e23"#))
            #expect(negative.contains { $0.contains("target.connections: must be greater than 0") }, "\(negative)")
        }

        @Test("a whole-number field of report.json holding 1e300 is named, not 'not valid JSON'")
        func reportWithHugeNumber() throws {
            let dir = Repository.temporaryDirectory("hard-report")
            let folder = try Self.runSmallDrill(in: dir)
            let path = (folder as NSString).appendingPathComponent("report.json")
            var text = try String(contentsOfFile: path, encoding: .utf8)
            let range = try #require(text.range(of: #""requests" : \d+"#, options: .regularExpression))
            text.replaceSubrange(range, with: #""requests" : 1e300"#)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try ChildProcess.run(Repository.binary, ["report", folder], timeout: 60)
            #expect(r.status == 2)
            #expect(r.stderr.contains("holds 1e+300, too large for a whole number"), "\(r.stderr)")
            #expect(!r.stderr.contains("not valid JSON"), "\(r.stderr)")
        }

        /// A 1 s drill against the embedded campus platform; returns the run folder.
        static func runSmallDrill(in dir: String, extra: [String] = []) throws -> String {
            let plan = try DrillEndToEndTests.writePlan(
                Self.plan(target: #""embedded": "campus""#, stages: #"[{"duration": "1s", "rate": 10}]"#), in: dir)
            let r = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"] + extra, timeout: 90)
            #expect([0, 1, 3].contains(r.status), "\(r.stderr)")
            let (path, _) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            return (path as NSString).deletingLastPathComponent
        }

        // MARK: 7. the terminal

        @Test("control characters in a plan's name are escaped on the terminal")
        func controlInName() throws {
            let dir = Repository.temporaryDirectory("hard-name")
            let text = Self.plan().replacingOccurrences(
                of: #""name": "h""#, with: #""name": "evil\u0000\u001B]0;owned\u0007\r""#)
            let plan = try DrillEndToEndTests.writePlan(text, in: dir)
            let r = try ChildProcess.run(Repository.binary, ["run", plan, "--dry-run"], timeout: 60)
            let v = try ChildProcess.run(Repository.binary, ["validate", plan], timeout: 60)
            for output in [r.stdout, r.stderr, v.stdout, v.stderr] {
                #expect(!output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
            }
            #expect((r.stdout + v.stdout + v.stderr).contains(#"evil\u{0}\u{1B}]0;owned\u{7}\u{D}"#))
        }

        @Test("TerminalText escapes C0, DEL, C1 and bidi overrides, and leaves text, newlines and tabs alone")
        func terminalText() {
            #expect(TerminalText.escaped("plain\tline\nnext Zoë") == "plain\tline\nnext Zoë")
            #expect(
                TerminalText.escaped("a\u{0}b\u{1B}[2J\r\u{7F}\u{9B}\u{202E}")
                    == #"a\u{0}b\u{1B}[2J\u{D}\u{7F}\u{9B}\u{202E}"#)
        }

        // MARK: where traffic may go

        /// A resolver that answers from a table: no lookup leaves the machine, no traffic is sent.
        static func table(_ entries: [String: String]) -> TargetAddressCheck.Resolver {
            { host, port in
                guard let ip = entries[host] ?? (NetworkAddress(host) != nil ? host : nil) else {
                    throw TargetAddressCheck.Refusal(description: "unknown host")
                }
                return [try SocketAddress(ipAddress: ip, port: port)]
            }
        }

        @Test("a public target is refused with the host, the address and how to allow it")
        func publicTargetRefused() throws {
            let plan = try PlanDecoderTests.decode(Self.plan(target: #""baseURL": "http://staging.example:8080""#))
                .get()
            let check = TargetAddressCheck(resolver: Self.table(["staging.example": "203.0.113.7"]))
            guard case .failure(let refusal) = check.check(plan) else {
                Issue.record("a public target was allowed")
                return
            }
            for part in [
                "target.baseURL", "staging.example", "203.0.113.7", "public", "allowPublic",
                "--allow-target staging.example",
            ] {
                #expect(refusal.description.contains(part), "\(refusal)")
            }
            // Allowed by the command line (the host named) or by the plan: the checked address is the one to use.
            let allowed = TargetAddressCheck(
                allowedHosts: ["STAGING.example"], resolver: Self.table(["staging.example": "203.0.113.7"]))
            let resolved = try allowed.check(plan).get()
            #expect(resolved.target?.ipAddress == "203.0.113.7")
            var consenting = plan
            consenting.target.allowPublic = true
            #expect((try? check.check(consenting).get()) != nil)
        }

        @Test(
            "loopback and private targets need no consent; link-local and names that only look local do",
            arguments: [
                ("127.0.0.1", true), ("10.2.3.4", true), ("192.168.0.9", true), ("fd00::5", true),
                ("169.254.169.254", false), ("100.64.0.1", false), ("203.0.113.7", false),
            ])
        func scopes(ip: String, allowed: Bool) throws {
            let host = ip.contains(":") ? "[\(ip)]" : ip
            let plan = try PlanDecoderTests.decode(Self.plan(target: #""baseURL": "http://\#(host):8080""#)).get()
            let result = TargetAddressCheck(resolver: Self.table([:])).check(plan)
            #expect(((try? result.get()) != nil) == allowed, "\(result)")
        }

        @Test("a dependency upstream is checked, and pinned to the address that was checked")
        func dependencyUpstream() throws {
            let extra =
                #", "dependencies": [{"name": "payment", "listen": "127.0.0.1:19001", "upstream": "pay.internal:9000"}]"#
            let plan = try PlanDecoderTests.decode(Self.plan(extra: extra)).get()
            let refused = TargetAddressCheck(resolver: Self.table(["pay.internal": "198.51.100.3"])).check(plan)
            guard case .failure(let refusal) = refused else {
                Issue.record("a public upstream was allowed")
                return
            }
            #expect(refusal.description.contains("dependencies[0].upstream"))
            let ok = try TargetAddressCheck(resolver: Self.table(["pay.internal": "10.0.0.7"])).check(plan).get()
            #expect(ok.plan.dependencies[0].upstream.host == "10.0.0.7")
        }

        @Test("run refuses a public target (also one set by --var) before any traffic, exit 2, with how to allow it")
        func runRefusesPublicTarget() throws {
            let dir = Repository.temporaryDirectory("hard-public")
            let plan = try DrillEndToEndTests.writePlan(
                Self.plan(
                    target: #""baseURL": "http://{{vars.host}}:8080""#, extra: #", "vars": {"host": "127.0.0.1"}"#),
                in: dir)
            for arguments in [["--var", "host=203.0.113.7"], ["--var", "host=169.254.169.254"]] {
                let r = try ChildProcess.run(
                    Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"] + arguments, timeout: 60)
                #expect(r.status == 2, "\(r.stderr)")
                #expect(r.stderr.contains("refused before any traffic"), "\(r.stderr)")
                #expect(r.stderr.contains("--allow-target"), "\(r.stderr)")
                #expect(r.stderr.contains("allowPublic"), "\(r.stderr)")
            }
            // No report folder was made: nothing ran.
            #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/reports"))?.isEmpty ?? true)
        }

        @Test("an --out folder that cannot be written is refused before any traffic, with the reason")
        func unwritableOut() async throws {
            let server = try await FixtureServer.start { _ in FixtureResponse() }
            defer { Task { await server.stop() } }
            let dir = Repository.temporaryDirectory("hard-out")
            let plan = try DrillEndToEndTests.writePlan(
                Self.plan(target: #""baseURL": "\#(server.baseURL)""#, stages: #"[{"duration": "1s", "rate": 10}]"#),
                in: dir)
            let blocker = "\(dir)/not-a-folder"
            try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
            let r = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(blocker)/reports", "--quiet"], timeout: 60)
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("report folder cannot be made"), "\(r.stderr)")
            #expect(server.requestCount == 0)
        }
    }
}
