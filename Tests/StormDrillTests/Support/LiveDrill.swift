import Foundation
import NIOHTTP1
import StormDrillReport
import Testing

/// `stormdrill run PLAN --live 127.0.0.1:0` as a child process: the links it prints, its API, and its end.
final class LiveDrill: @unchecked Sendable {
    let process = Process()
    let folder: String
    let log: String
    let planPath: String
    /// Filled once the driver printed its links.
    private(set) var port = 0
    private(set) var token = ""
    private(set) var facilitatorURL = ""
    private(set) var joinURL = ""
    private(set) var targetURL = ""

    /// Writes `plan` into a fresh folder and starts the drill, its reports under `folder/reports`.
    init(plan: String, label: String = "live-drill", extra: [String] = []) throws {
        folder = Repository.temporaryDirectory(label)
        planPath = folder + "/plan.json"
        try plan.write(toFile: planPath, atomically: true, encoding: .utf8)
        log = folder + "/driver.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = ["run", planPath, "--live", "127.0.0.1:0", "--out", folder + "/reports"] + extra
        process.environment = ChildProcess.environment()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits for the driver's `facilitator:` line and reads the links from it.
    func waitForLinks(seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            let text = output
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("facilitator: ") }),
                let running = text.split(separator: "\n").first(where: { $0.contains("stormdrill: running") })
            {
                facilitatorURL = String(line.dropFirst("facilitator: ".count))
                token = String(facilitatorURL.split(separator: "=").last ?? "")
                let afterHost = facilitatorURL.split(separator: ":")[2]
                port = Int(afterHost.split(separator: "/")[0]) ?? 0
                joinURL =
                    text.split(separator: "\n").first { $0.hasPrefix("join: ") }.map { String($0.dropFirst(6)) } ?? ""
                if let r = running.range(of: "against ") {
                    targetURL = String(running[r.upperBound...].split(separator: " ")[0])
                }
                return
            }
            usleep(50_000)
        }
        throw DrillFailure("the driver printed no facilitator link:\n\(output)")
    }

    struct DrillFailure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    func post(_ path: String, _ body: String = "{}", authorized: Bool = false) async throws -> TestHTTP.Response {
        let headers = authorized ? [("Authorization", "Bearer \(token)")] : []
        return try await TestHTTP.request(.POST, port: port, path: path, headers: headers, body: body)
    }

    func state() async throws -> [String: Any] {
        let r = try await TestHTTP.request(port: port, path: "/api/state")
        return (try JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
    }

    /// Polls the state until `condition` holds (or throws after `seconds`).
    @discardableResult
    func waitFor(
        _ what: String, seconds: Double = 30, _ condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any] = [:]
        while Date() < deadline {
            if let s = try? await state() {
                last = s
                if condition(s) { return s }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DrillFailure(
            "\(what) did not happen within \(seconds) s; last state: \(String(describing: last).prefix(1500))")
    }

    /// A fault's entry of a state.
    static func fault(_ state: [String: Any], _ name: String) -> [String: Any] {
        (state["faults"] as? [[String: Any]])?.first { $0["name"] as? String == name } ?? [:]
    }

    /// Joins as a participant; returns its id.
    func join(_ nickname: String) async throws -> String {
        let r = try await post("/api/join", #"{"nickname": "\#(nickname)"}"#)
        let object = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
        return object?["participant"] as? String ?? ""
    }

    func feedback(_ participant: String, _ kind: String, _ text: String? = nil) async throws -> Int {
        var body = #"{"participant": "\#(participant)", "kind": "\#(kind)""#
        if let text { body += #", "text": "\#(text)""# }
        return try await post("/api/feedback", body + "}").status
    }

    /// Waits for the driver to exit; its status (or nil when it had to be killed).
    func waitForExit(seconds: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            usleep(2_000_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// The run folder (the only one under reports/).
    var runFolder: String? {
        let base = folder + "/reports"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.first.map { base + "/" + $0 }
    }

    func report() throws -> DrillReport {
        guard let dir = runFolder else { throw DrillFailure("no run folder:\n\(output)") }
        return try ReportStore.read(path: dir + "/report.json")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
