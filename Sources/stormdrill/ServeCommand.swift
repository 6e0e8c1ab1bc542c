import ArgumentParser
import CampusPlatform
import Logging
import ServiceLifecycle
import StormDrillPlan
import UnixSignals

/// `stormdrill serve campus`: the campus platform (order service plus its payment, dispatch and notification
/// dependencies) as a standalone process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run an embedded target as its own process (stops cleanly on SIGINT or SIGTERM).",
        discussion: """
            campus starts the order service on --port and its three dependencies on their own ports. Point the \
            order service at fault proxies with --payment-url, --dispatch-url and --notification-url.
            """
    )

    enum TargetName: String, ExpressibleByArgument, CaseIterable {
        case campus
    }

    @Argument(help: "The target to serve: campus.")
    var target: TargetName

    @Option(name: .long, help: "How the platform copes with failing dependencies: resilient or fragile.")
    var profile: CampusProfile = .resilient

    @Option(name: .long, help: "Folder for the SQLite store (default: a fresh temporary folder, removed on exit).")
    var data: String?

    @Option(
        name: .long,
        help: "Address the order service and student page bind (0.0.0.0 for phones); dependencies stay on 127.0.0.1.")
    var host = "127.0.0.1"

    @Option(name: .shortAndLong, help: "Port of the order service (0 picks a free one).")
    var port = 8080

    @Option(name: .long, help: "Port of the payment service (0 picks a free one).")
    var paymentPort = 0

    @Option(name: .long, help: "Port of the dispatch service (0 picks a free one).")
    var dispatchPort = 0

    @Option(name: .long, help: "Port of the notification service (0 picks a free one).")
    var notificationPort = 0

    @Option(name: .long, help: "Base URL the order service calls payment at (default: the payment service started).")
    var paymentURL: String?

    @Option(name: .long, help: "Base URL the order service calls dispatch at (default: the dispatch service started).")
    var dispatchURL: String?

    @Option(
        name: .long, help: "Base URL the order service calls notification at (default: the service started).")
    var notificationURL: String?

    @Option(name: .long, help: "Milliseconds one simulated minute lasts (the courier's speed).")
    var minuteMs = 100

    func validate() throws {
        for (name, value) in [
            ("--port", port), ("--payment-port", paymentPort), ("--dispatch-port", dispatchPort),
            ("--notification-port", notificationPort),
        ] where !(0...65535).contains(value) {
            throw ValidationError("\(name) must be 0 to 65535")
        }
        for (name, value) in [
            ("--payment-url", paymentURL), ("--dispatch-url", dispatchURL), ("--notification-url", notificationURL),
        ] {
            if let value, !value.hasPrefix("http://") {
                throw ValidationError("\(name) must be an http:// base URL")
            }
        }
        guard (1...60_000).contains(minuteMs) else { throw ValidationError("--minute-ms must be 1 to 60000") }
    }

    func run() async throws {
        var logger = Logger(label: "campus")
        logger.logLevel = .warning
        var timing = CampusTiming()
        timing.minute = .milliseconds(minuteMs)
        let configuration = CampusConfiguration(
            profile: profile, dataDirectory: data, host: host, orderPort: port, paymentPort: paymentPort,
            dispatchPort: dispatchPort, notificationPort: notificationPort, paymentURL: paymentURL,
            dispatchURL: dispatchURL, notificationURL: notificationURL, timing: timing)
        let host = self.host
        let profile = self.profile
        let data = self.data ?? "a temporary folder"
        let platform = CampusPlatformServices(configuration: configuration, logger: logger) { ports in
            FileHandleOutput.standardOutput.write(
                """
                campus service listening on http://\(host):\(ports.order) (profile \(profile.rawValue), data in \(data))
                payment listening on http://127.0.0.1:\(ports.payment)
                dispatch listening on http://127.0.0.1:\(ports.dispatch)
                notification listening on http://127.0.0.1:\(ports.notification)

                """)
        }
        if !NetworkAddress.isLoopback(host: host) {
            FileHandleOutput.standardError.write(
                "stormdrill serve: warning: the order service and the student page listen on \(host), reachable from"
                    + " the network: anyone who reaches it can browse the menu, place orders and read their status;"
                    + " payment, dispatch and notification stay on 127.0.0.1\n")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [platform], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileHandleOutput.standardError.write("stormdrill serve: \(error)\n")
            throw ExitCode(1)
        }
        FileHandleOutput.standardError.write("campus service stopped\n")
    }
}

extension CampusProfile: ExpressibleByArgument {}
