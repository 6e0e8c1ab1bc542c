import ArgumentParser
import Foundation
import StormDrillEngine
import StormDrillPlan

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

/// Unbuffered output: stdout for results, stderr for diagnostics and progress.
enum FileHandleOutput {
    case standardOutput, standardError

    private var handle: FileHandle { self == .standardOutput ? .standardOutput : .standardError }

    /// Writes `text` with control characters escaped (`TerminalText`): plan names, target answers and error
    /// messages are echoed here, and none of them may drive the terminal.
    func write(_ text: String) {
        handle.write(Data(TerminalText.escaped(text).utf8))
    }

    /// Writes the program's own terminal controls (the progress line's carriage return and erase), then `text`
    /// escaped as by `write(_:)`.
    func write(control: String, _ text: String = "") {
        handle.write(Data((control + TerminalText.escaped(text)).utf8))
    }

    var isTerminal: Bool {
        isatty(handle.fileDescriptor) == 1
    }
}
