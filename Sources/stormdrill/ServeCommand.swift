import ArgumentParser
import CampusPlatform
import Logging
import ServiceLifecycle
import UnixSignals

/// `stormdrill serve campus`: the embedded campus target as a standalone process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run an embedded target as its own process (stops cleanly on SIGINT or SIGTERM)."
    )

    enum TargetName: String, ExpressibleByArgument, CaseIterable {
        case campus
    }

    @Argument(help: "The target to serve: campus.")
    var target: TargetName

    @Option(name: .long, help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(name: .shortAndLong, help: "Port to listen on (0 picks a free one).")
    var port = 8080

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    }

    func run() async throws {
        var logger = Logger(label: "campus")
        logger.logLevel = .warning
        let host = self.host
        let server = CampusServer(host: host, port: port, logger: logger) { bound in
            FileHandleOutput.standardOutput.write("campus service listening on http://\(host):\(bound)\n")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileHandleOutput.standardError.write("stormdrill serve: \(error)\n")
            throw ExitCode(1)
        }
        FileHandleOutput.standardError.write("campus service stopped\n")
    }
}
