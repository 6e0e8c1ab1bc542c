import Foundation
import NIOHTTP1
import StormDrillFaults
import Testing

extension StormDrillTests {
    /// The built `stormdrill proxy` binary driven by unmodified Toxiproxy clients: toxiproxy-python and the Chaos
    /// Toolkit with chaostoolkit-toxiproxy (installed by `scripts/python-tools.sh`), all on loopback.
    @Suite("Fault proxy: Toxiproxy clients against stormdrill proxy")
    struct ToxiproxyClientTests {
        /// A running `stormdrill proxy --api 127.0.0.1:0`, with the API port it printed.
        final class ProxyProcess {
            let process = Process()
            let output = Pipe()
            let errors = Pipe()
            private(set) var port = 0

            init(environment: [String: String] = [:]) throws {
                process.executableURL = URL(fileURLWithPath: Repository.binary)
                process.arguments = ["proxy", "--api", "127.0.0.1:0"]
                if !environment.isEmpty {
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                }
                process.standardOutput = output
                process.standardError = errors
                try process.run()
                var text = ""
                let deadline = Date().addingTimeInterval(20)
                while port == 0 && Date() < deadline && process.isRunning {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                    if let line = text.split(separator: "\n").first(where: { $0.contains("Toxiproxy API listening on") }
                    ),
                        let port = Int(line.split(separator: ":").last ?? "")
                    {
                        self.port = port
                    }
                }
            }

            /// SIGTERM, then the exit status (nil if it did not stop within 5 s and had to be killed).
            func terminate() -> Int32? {
                guard process.isRunning else { return process.terminationStatus }
                process.terminate()
                let deadline = Date().addingTimeInterval(5)
                while process.isRunning && Date() < deadline { usleep(10_000) }
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return nil
                }
                return process.terminationStatus
            }
        }

        static func runPython(_ script: String, _ arguments: [String]) throws -> (ProcessResult, [String: Any]) {
            let result = try ChildProcess.run(
                Repository.path("scripts/python-tools.sh"),
                ["run", Repository.path("Tests/toxiproxy/\(script)")] + arguments, timeout: 600,
                currentDirectory: Repository.root.path)
            let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            return (result, json)
        }

        @Test("toxiproxy-python: create, 100 ms latency adds 100±10 ms, remove, disable/enable, reset")
        func toxiproxyPython() throws {
            let proxy = try ProxyProcess()
            defer { _ = proxy.terminate() }
            try #require(proxy.port > 0, "stormdrill proxy did not report its API port")
            let (result, json) = try Self.runPython("toxiproxy_python_check.py", ["--api", "127.0.0.1:\(proxy.port)"])
            #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(json["ok"] as? Bool == true)
            let added = try #require(json["added_ms"] as? Double)
            #expect((90.0...110.0).contains(added))
            #expect(proxy.terminate() == 0)
        }

        @Test("with STORMDRILL_PROXY_TOKEN the binary answers 401 without it and 200 with Bearer or Basic")
        func tokenFromEnvironment() async throws {
            let proxy = try ProxyProcess(environment: [ProxyAPIToken.environmentVariable: "env-token-1"])
            defer { _ = proxy.terminate() }
            try #require(proxy.port > 0, "stormdrill proxy did not report its API port")
            let refused = try await TestHTTP.request(.GET, port: proxy.port, path: "/proxies")
            #expect(refused.status == 401)
            #expect(refused.body.contains("missing or wrong API token"))
            let bearer = try await TestHTTP.request(
                .GET, port: proxy.port, path: "/proxies", headers: [("Authorization", "Bearer env-token-1")])
            #expect(bearer.status == 200)
            // What Go's net/http and Python's requests send for http://stormdrill:env-token-1@127.0.0.1:PORT.
            let basic = "Basic " + Data("stormdrill:env-token-1".utf8).base64EncodedString()
            let viaURL = try await TestHTTP.request(
                .GET, port: proxy.port, path: "/proxies", headers: [("Authorization", basic)])
            #expect(viaURL.status == 200)
            #expect(proxy.terminate() == 0)
        }

        @Test("chaos run with chaostoolkit-toxiproxy's actions completes, and the journal says so")
        func chaosToolkit() throws {
            let proxy = try ProxyProcess()
            defer { _ = proxy.terminate() }
            try #require(proxy.port > 0, "stormdrill proxy did not report its API port")
            let journal = Repository.temporaryDirectory("stormdrill-chaos") + "/journal.json"
            let (result, json) = try Self.runPython(
                "run_experiment.py", ["--api", "127.0.0.1:\(proxy.port)", "--journal", journal])
            #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(json["status"] as? String == "completed")
            #expect(json["deviated"] as? Bool == false)
            let data = try Data(contentsOf: URL(fileURLWithPath: journal))
            let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(parsed["status"] as? String == "completed")
            #expect((parsed["run"] as? [Any])?.count == 10)
            #expect(proxy.terminate() == 0)
        }
    }
}
