import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StormDrillEngine
import StormDrillFaults
import UnixSignals

/// `stormdrill proxy`: the fault proxy as its own process, driven by a Toxiproxy-compatible control API.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the fault proxy with a Toxiproxy-compatible control API (stops cleanly on SIGINT or SIGTERM).",
        discussion: """
            Toxiproxy clients (toxiproxy-python, chaostoolkit-toxiproxy, ...) work against --api unchanged. \
            --config creates proxies at start from Toxiproxy's populate format: a JSON array of \
            {"name", "listen", "upstream", "enabled"} objects, plus an optional "protocol": "http" for the \
            per-request HTTP faults. The API is bound to loopback unless --allow-remote is given.
            """
    )

    @Option(name: .long, help: "Address of the control API, host:port (port 0 picks a free one).")
    var api = "127.0.0.1:8474"

    @Option(name: .long, help: "Proxies to create at start (Toxiproxy's populate format).")
    var config: String?

    @Flag(name: .long, help: "Allow the control API on an address other than loopback.")
    var allowRemote = false

    func validate() throws {
        let address: HostPort
        do {
            address = try HostPort(parsing: api)
        } catch {
            throw ValidationError("--api: \(error)")
        }
        if !address.isLoopback && !allowRemote {
            throw ValidationError(
                "--api \(api) is not a loopback address: anyone who reaches the API can cut your dependencies; "
                    + "add --allow-remote to mean it")
        }
    }

    func run() async throws {
        var logger = Logger(label: "stormdrill.proxy")
        logger.logLevel = .warning
        let address = try HostPort(parsing: api)
        let registry = ProxyRegistry(logger: logger)
        if let config {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: config))
                let proxies = try await registry.populate(ProxyConfig.list(fromJSON: Array(data)))
                for proxy in proxies {
                    FileHandleOutput.standardOutput.write(
                        "proxy \(proxy.name) (\(proxy.proto.rawValue)) listening on \(proxy.listen)"
                            + " → \(proxy.upstream)" + (proxy.enabled ? "" : " (disabled)") + "\n")
                }
            } catch {
                FileHandleOutput.standardError.write("stormdrill proxy: \(config): \(error)\n")
                await registry.shutdown()
                throw ExitCode(2)
            }
        }
        let host = address.host
        let server = ToxiproxyAPIServer(
            host: host, port: address.port, api: ToxiproxyAPI(registry: registry, version: StormDrillVersion.current),
            logger: logger
        ) { bound in
            FileHandleOutput.standardOutput.write(
                "Toxiproxy API listening on http://\(HostPort(host: host, port: bound))\n")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileHandleOutput.standardError.write("stormdrill proxy: \(error)\n")
            await registry.shutdown()
            throw ExitCode(1)
        }
        await registry.shutdown()
        FileHandleOutput.standardError.write("fault proxy stopped\n")
    }
}
