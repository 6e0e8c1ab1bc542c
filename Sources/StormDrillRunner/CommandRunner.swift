import Foundation
import StormDrillPlan
import Subprocess
import SystemPackage

/// What a finished command did, kept short for reports.
public struct CommandOutcome: Sendable, Hashable {
    /// Exit code, or 128 + signal number when killed.
    public var exitCode: Int32
    public var timedOut: Bool
    /// The last part of its standard output and error (at most 400 characters).
    public var outputTail: String
    public var milliseconds: Double

    public var succeeded: Bool { exitCode == 0 && !timedOut }

    /// `exit 0 in 12 ms`, `exit 2 in 5 ms: no such rule`.
    public var summary: String {
        var s = timedOut ? "timed out after \(Int(milliseconds)) ms" : "exit \(exitCode) in \(Int(milliseconds)) ms"
        let tail = outputTail.trimmingCharacters(in: .whitespacesAndNewlines)
        if !tail.isEmpty { s += ": " + String(tail.suffix(160)).replacingOccurrences(of: "\n", with: " ⏎ ") }
        return s
    }
}

/// Runs command faults' argv lists (start, rollback) to completion with a time limit.
public enum CommandRunner {
    /// How long a start or rollback command may take.
    public static let defaultTimeout: Duration = .seconds(30)

    /// The executable for `argv[0]`: a path as is, `stormdrill` as this very binary, anything else found on PATH.
    static func executable(_ name: String) -> Executable {
        if name == "stormdrill", let me = currentExecutable() { return .path(.init(me)) }
        if name.contains("/") { return .path(.init(name)) }
        return .name(name)
    }

    /// The running binary's path (/proc/self/exe).
    static func currentExecutable() -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
    }

    /// Runs `argv`; never throws: a program that cannot start is exit 127 with the reason as output. The output is
    /// kept as evidence with `redactor`'s secrets replaced by `***` before it is cut to its tail, so that no part
    /// of a secret survives at the cut.
    public static func run(
        _ argv: [String], timeout: Duration = defaultTimeout, redactor: SecretRedactor = SecretRedactor()
    ) async -> CommandOutcome {
        let started = ContinuousClock.now
        guard let program = argv.first else {
            return CommandOutcome(exitCode: 127, timedOut: false, outputTail: "empty argv", milliseconds: 0)
        }
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let task = Task { () -> CommandOutcome in
            do {
                let result = try await Subprocess.run(
                    executable(program), arguments: Arguments(Array(argv.dropFirst())),
                    platformOptions: options, output: .string(limit: 1 << 20), error: .combinedWithOutput)
                let code: Int32
                switch result.terminationStatus {
                case .exited(let c): code = c
                case .signaled(let s): code = 128 + s
                }
                return CommandOutcome(
                    exitCode: code, timedOut: false,
                    outputTail: String(redactor.redact(result.standardOutput).suffix(400)), milliseconds: 0)
            } catch {
                return CommandOutcome(
                    exitCode: 127, timedOut: false, outputTail: String(redactor.redact("\(error)").prefix(300)),
                    milliseconds: 0)
            }
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            task.cancel()
        }
        var outcome = await task.value
        let timedOut = !timer.isCancelled && task.isCancelled
        timer.cancel()
        outcome.timedOut = timedOut
        outcome.milliseconds = (ContinuousClock.now - started).milliseconds
        return outcome
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
