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
            per-request HTTP faults. The API is bound to loopback unless --allow-remote is given; proxies listen on \
            loopback and forward to loopback or private addresses only (host names are resolved and every address \
            checked) unless --allow-remote is given; at most --max-proxies of them exist at once. With a token \
            (--api-token or STORMDRILL_PROXY_TOKEN), every API request must carry it: Authorization: Bearer TOKEN, \
            X-StormDrill-Token: TOKEN, or HTTP Basic with the token as password \
            (http://stormdrill:TOKEN@127.0.0.1:8474 in a Go or requests-based client). A loopback-bound API \
            answers only Host headers that name loopback.
            """
    )

    @Option(name: .long, help: "Address of the control API, host:port (port 0 picks a free one).")
    var api = "127.0.0.1:8474"

    @Option(name: .long, help: "Proxies to create at start (Toxiproxy's populate format).")
    var config: String?

    @Flag(
        name: .long,
        help: "Allow the control API and proxies on addresses other than loopback, and upstreams anywhere.")
    var allowRemote = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Token every API request must carry (default: $\(ProxyAPIToken.environmentVariable); none if unset).",
            valueName: "token"))
    var apiToken: String?

    @Option(name: .long, help: "The most proxies that may exist at once.")
    var maxProxies = ProxyRules.defaultMaxProxies

    /// The token from --api-token, else from the environment; nil when neither is set (or both are empty).
    var token: ProxyAPIToken? {
        ProxyAPIToken(apiToken ?? ProcessInfo.processInfo.environment[ProxyAPIToken.environmentVariable] ?? "")
    }

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
        if maxProxies < 1 || maxProxies > 100_000 {
            throw ValidationError("--max-proxies must be from 1 to 100000 (got \(maxProxies))")
        }
    }

    func run() async throws {
        var logger = Logger(label: "stormdrill.proxy")
        logger.logLevel = .warning
        let address = try HostPort(parsing: api)
        let registry = ProxyRegistry(
            rules: ProxyRules(allowRemote: allowRemote, maxProxies: maxProxies), logger: logger)
        let token = self.token
        if !address.isLoopback {
            FileHandleOutput.standardError.write(
                "warning: the Toxiproxy API listens on \(address), not loopback: anyone who reaches it can change "
                    + "your proxies"
                    + (token == nil ? "; set --api-token or $\(ProxyAPIToken.environmentVariable)" : "")
                    + "\n")
        }
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
            host: host, port: address.port,
            api: ToxiproxyAPI(registry: registry, version: StormDrillVersion.current, token: token),
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
