import ArgumentParser
import Foundation
import StormDrillEngine
import StormDrillPlan
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `stormdrill`: chaos and stress drills for campus food-delivery platforms.
@main
struct StormDrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stormdrill",
        abstract: "Chaos and stress drills for campus food-delivery platforms.",
        discussion: """
            Exit status: 0 PASS, 1 FAIL, 2 invalid plan or usage, 3 INVALID run (the generator could not keep its \
            schedule), 130 interrupted by SIGINT, 143 by SIGTERM.
            """,
        version: StormDrillVersion.current,
        subcommands: [
            ValidateCommand.self, RunCommand.self, RecoverCommand.self, ServeCommand.self, ProxyCommand.self,
            CompareCommand.self, HistoryCommand.self, ReportCommand.self,
        ]
    )

    /// Usage errors exit with 2 (not ArgumentParser's 64), as plan errors do.
    static let usageExitCode: Int32 = 2

    static func main() async {
        do {
            var arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "run" { arguments = RunCommand.expandBareLive(arguments) }
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version
                self.exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                FileHandleOutput.standardError.write(message + "\n")
            }
            Glibc.exit(usageExitCode)
        }
    }
}

/// Unbuffered output: stdout for results, stderr for diagnostics and progress. Every write passes through the
/// loaded plan's secrets (`redactor`), so no line the CLI prints can show one.
enum FileHandleOutput {
    case standardOutput, standardError

    /// The secrets of the plan being run; set once it is loaded.
    static let redactor = Mutex(SecretRedactor())

    /// From now on, every write shows `redactor`'s secrets as `***`.
    static func hideSecrets(_ redactor: SecretRedactor) {
        FileHandleOutput.redactor.withLock { $0 = redactor }
    }

    private var handle: FileHandle { self == .standardOutput ? .standardOutput : .standardError }

    /// Writes `text` with control characters escaped (`TerminalText`): plan names, target answers and error
    /// messages are echoed here, and none of them may drive the terminal.
    func write(_ text: String) {
        handle.write(Data(FileHandleOutput.clean(text).utf8))
    }

    /// Writes the program's own terminal controls (the progress line's carriage return and erase), then `text`
    /// cleaned as by `write(_:)`.
    func write(control: String, _ text: String = "") {
        handle.write(Data((control + FileHandleOutput.clean(text)).utf8))
    }

    /// Secrets hidden first (a secret may itself hold control characters), then control characters escaped.
    private static func clean(_ text: String) -> String {
        TerminalText.escaped(FileHandleOutput.redactor.withLock { $0.redact(text) })
    }

    var isTerminal: Bool {
        isatty(handle.fileDescriptor) == 1
    }
}
