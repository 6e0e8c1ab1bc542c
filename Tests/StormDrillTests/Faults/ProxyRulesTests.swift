import Foundation
import NIOCore
import NIOHTTP1
import StormDrillPlan
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// The registry's rules: loopback listeners, loopback or private upstreams (names resolved, every address
    /// checked, the checked address connected to), the cap of 256 proxies. No test sends traffic off loopback: the
    /// refused addresses are documentation or link-local ones that are never dialled, and names other than
    /// `localhost` are answered by a fixed resolver.
    @Suite("Fault proxy: address rules and proxy cap")
    struct ProxyRulesTests {
        typealias S = FaultTestSupport
        typealias API = ToxiproxyAPITests

        /// Fixed answers, so no test sends a DNS query.
        static let fixedDNS = UpstreamResolver { host in
            switch host {
            case "payment.internal": [NetworkAddress("10.0.0.5")!]
            case "mixed.example": [NetworkAddress("10.0.0.1")!, NetworkAddress("203.0.113.7")!]
            case "metadata.example": [NetworkAddress("169.254.169.254")!]
            case "127.evil.example": [NetworkAddress("203.0.113.7")!]
            case "pinned.stormdrill.test": [NetworkAddress("127.0.0.1")!]
            // IPv6 first, as many systems answer: Happy Eyeballs still reaches an upstream on 127.0.0.1.
            case "localhost": [NetworkAddress("::1")!, NetworkAddress("127.0.0.1")!]
            default: throw FaultProxyError.unresolvable(host)
            }
        }

        static func registry(allowRemote: Bool = false, maxProxies: Int = ProxyRules.defaultMaxProxies) -> ProxyRegistry
        {
            ProxyRegistry(
                rules: ProxyRules(allowRemote: allowRemote, maxProxies: maxProxies, resolver: fixedDNS),
                logger: S.quietLogger)
        }

        /// The error `create` throws, as text ("" if it did not throw).
        static func refusal(
            _ registry: ProxyRegistry, listen: String = "127.0.0.1:0", upstream: String, enabled: Bool = true
        ) async -> String {
            do {
                _ = try await registry.create(name: "p", listen: listen, upstream: upstream, enabled: enabled)
                try? await registry.delete("p")
                return ""
            } catch {
                return "\(error)"
            }
        }

        @Test("isLoopback parses the address: 127.evil.example and 127.0.0.1.nip.io are names, not loopback")
        func loopbackIsParsed() {
            #expect(StormDrillFaults.HostPort(host: "127.0.0.1", port: 1).isLoopback)
            #expect(StormDrillFaults.HostPort(host: "127.255.0.9", port: 1).isLoopback)
            #expect(StormDrillFaults.HostPort(host: "::1", port: 1).isLoopback)
            #expect(StormDrillFaults.HostPort(host: "LOCALHOST", port: 1).isLoopback)
            #expect(!StormDrillFaults.HostPort(host: "127.evil.example", port: 1).isLoopback)
            #expect(!StormDrillFaults.HostPort(host: "127.0.0.1.nip.io", port: 1).isLoopback)
            #expect(!StormDrillFaults.HostPort(host: "0.0.0.0", port: 1).isLoopback)
            #expect(!StormDrillFaults.HostPort(host: "10.0.0.1", port: 1).isLoopback)
        }

        @Test("listen: every interface, public, private and non-loopback names are refused; loopback is accepted")
        func listenAddresses() async throws {
            let registry = Self.registry()
            for listen in ["0.0.0.0:0", "[::]:0", "203.0.113.7:0", "10.0.0.5:0", "127.evil.example:0"] {
                let error = await Self.refusal(registry, listen: listen, upstream: "127.0.0.1:9", enabled: false)
                #expect(error.hasPrefix("address not allowed: listen "), "\(listen): \(error)")
                #expect(error.contains("--allow-remote"), "\(listen): \(error)")
            }
            #expect(
                await Self.refusal(registry, listen: "0.0.0.0:0", upstream: "127.0.0.1:9").contains("every interface"))
            #expect(await registry.list().isEmpty)
            for listen in ["127.0.0.1:0", "localhost:0", "[::1]:0", ":0"] {
                #expect(await Self.refusal(registry, listen: listen, upstream: "127.0.0.1:9", enabled: false) == "")
            }
            await registry.shutdown()
        }

        @Test("upstream: public, link-local, unspecified and names resolving to any of them are refused")
        func upstreamAddresses() async throws {
            let registry = Self.registry()
            let refused = [
                ("203.0.113.7:80", "is a public address"),
                ("169.254.169.254:80", "is link-local"),
                ("[fe80::1]:80", "is link-local"),
                ("0.0.0.0:80", "is every interface"),
                ("[2001:db8::1]:80", "is a public address"),
                ("mixed.example:80", "resolves to 203.0.113.7, which is a public address"),
                ("metadata.example:80", "resolves to 169.254.169.254, which is link-local"),
                ("127.evil.example:80", "resolves to 203.0.113.7"),
            ]
            for (upstream, reason) in refused {
                let error = await Self.refusal(registry, upstream: upstream)
                #expect(error.hasPrefix("address not allowed: upstream \(upstream)"), "\(upstream): \(error)")
                #expect(error.contains(reason), "\(upstream): \(error)")
                #expect(error.contains("--allow-remote"), "\(upstream): \(error)")
            }
            #expect(
                await Self.refusal(registry, upstream: "nowhere.example:80")
                    == "upstream host nowhere.example does not resolve to any address")
            #expect(await registry.list().isEmpty)
            // Loopback and private addresses, and names resolving only to them (localhost by the system resolver).
            for upstream in [
                "127.0.0.1:9", "10.1.2.3:80", "172.16.0.1:80", "192.168.1.1:80", "[fd00::1]:80",
                "payment.internal:80", "localhost:9",
            ] {
                #expect(await Self.refusal(registry, upstream: upstream) == "", "\(upstream)")
            }
            await registry.shutdown()
            // The system resolver: localhost comes from the hosts file, so no query leaves the machine.
            let system = ProxyRegistry(logger: S.quietLogger)
            _ = try await system.create(name: "local", upstream: "localhost:9", enabled: false)
            await #expect(throws: FaultProxyError.self) {
                try await system.create(name: "public", upstream: "203.0.113.7:9", enabled: false)
            }
            await system.shutdown()
        }

        @Test("an address change by update passes the same rules, and a refused one leaves the proxy as it was")
        func updateIsChecked() async throws {
            let registry = Self.registry()
            _ = try await registry.create(name: "db", upstream: "127.0.0.1:9", enabled: false)
            await #expect(throws: FaultProxyError.self) { try await registry.update("db", upstream: "203.0.113.7:80") }
            await #expect(throws: FaultProxyError.self) { try await registry.update("db", listen: "0.0.0.0:0") }
            let info = try await registry.get("db")
            #expect(info.upstream.description == "127.0.0.1:9")
            #expect(info.listen.description == "127.0.0.1:0")
            _ = try await registry.update("db", upstream: "payment.internal:5432")
            #expect(try await registry.get("db").upstream.description == "payment.internal:5432")
            await registry.shutdown()
        }

        @Test("allowRemote accepts any listen address and upstream (nothing is bound or dialled here)")
        func allowRemote() async throws {
            let registry = Self.registry(allowRemote: true)
            let info = try await registry.create(
                name: "open", listen: "0.0.0.0:0", upstream: "203.0.113.7:80", enabled: false)
            #expect(info.listen.description == "0.0.0.0:0")
            #expect(info.upstream.description == "203.0.113.7:80")
            _ = try await registry.create(name: "meta", upstream: "169.254.169.254:80", enabled: false)
            // With allowRemote a name is resolved at connect time, as Toxiproxy: an unknown one is accepted.
            _ = try await registry.create(name: "later", upstream: "not-yet.example:80", enabled: false)
            #expect(await registry.list().count == 3)
            await registry.shutdown()
        }

        @Test("the upstream is connected at the address checked, not looked up again by name")
        func checkedAddressIsConnected() async throws {
            let upstream = try await ProbeResponder.start(http: false)
            let registry = Self.registry()
            do {
                // Only the fixed resolver knows this name; a second lookup (the system's) would fail to connect.
                let info = try await registry.create(
                    name: "dep", upstream: "pinned.stormdrill.test:\(upstream.address.port)")
                let connection = try await S.connect(info)
                let rtt = try await S.pingRoundTrip(connection, count: 1)
                await connection.close()
                #expect(rtt != nil, "no PONG through the proxy")
                // localhost resolved to ::1 first: Happy Eyeballs over the checked addresses reaches 127.0.0.1.
                let local = try await registry.create(name: "local", upstream: "localhost:\(upstream.address.port)")
                let second = try await S.connect(local)
                #expect(try await S.pingRoundTrip(second, count: 1) != nil, "no PONG via localhost")
                await second.close()
            } catch {
                await registry.shutdown()
                await upstream.stop()
                throw error
            }
            await registry.shutdown()
            await upstream.stop()
        }

        @Test("API: the 257th proxy is refused with 429 (create and populate); a freed place can be used again")
        func proxyCap() async throws {
            try await API.withAPI(rules: ProxyRules(resolver: Self.fixedDNS)) { port, registry in
                for i in 0..<256 {
                    let r = try await API.call(
                        .POST, port, "/proxies", #"{"name":"p\#(i)","upstream":"127.0.0.1:9","enabled":false}"#)
                    try #require(r.status == 201, "proxy \(i): \(r.status)")
                }
                let extra = try await API.call(
                    .POST, port, "/proxies", #"{"name":"p256","upstream":"127.0.0.1:9","enabled":false}"#)
                API.expectError(extra, 429, "too many proxies: this proxy holds at most 256")
                let populate = try await API.call(
                    .POST, port, "/populate",
                    #"[{"name":"p0","upstream":"127.0.0.1:9","enabled":false},"#
                        + #"{"name":"q","upstream":"127.0.0.1:9","enabled":false}]"#)
                API.expectError(populate, 429, "too many proxies")
                #expect((API.object(populate.json)["proxies"] as? [Any])?.count == 1)
                #expect(await registry.list().count == 256)
                #expect(try await API.call(.DELETE, port, "/proxies/p7").status == 204)
                #expect(
                    try await API.call(
                        .POST, port, "/proxies", #"{"name":"p256","upstream":"127.0.0.1:9","enabled":false}"#
                    ).status == 201)
            }
        }

        @Test("API: non-loopback listen, public and link-local upstreams get 403 naming the address and the flag")
        func apiRefusesAddresses() async throws {
            try await API.withAPI(rules: ProxyRules(resolver: Self.fixedDNS)) { port, registry in
                let listen = try await API.call(
                    .POST, port, "/proxies", #"{"name":"a","listen":"0.0.0.0:0","upstream":"127.0.0.1:9"}"#)
                API.expectError(listen, 403, "address not allowed: listen 0.0.0.0:0 is every interface")
                let publicUpstream = try await API.call(
                    .POST, port, "/proxies", #"{"name":"a","upstream":"203.0.113.7:80"}"#)
                API.expectError(publicUpstream, 403, "address not allowed: upstream 203.0.113.7:80 is a public")
                let metadata = try await API.call(
                    .POST, port, "/proxies", #"{"name":"a","upstream":"169.254.169.254:80"}"#)
                API.expectError(metadata, 403, "address not allowed: upstream 169.254.169.254:80 is link-local")
                let unknown = try await API.call(.POST, port, "/proxies", #"{"name":"a","upstream":"nowhere.x:80"}"#)
                API.expectError(unknown, 400, "upstream host nowhere.x does not resolve")
                let populate = try await API.call(
                    .POST, port, "/populate",
                    #"[{"name":"a","upstream":"127.0.0.1:9"},{"name":"b","upstream":"203.0.113.7:1"}]"#)
                API.expectError(populate, 403, "address not allowed: upstream 203.0.113.7:1")
                #expect(await registry.list().map(\.name) == ["a"])
                let update = try await API.call(.POST, port, "/proxies/a", #"{"upstream":"203.0.113.7:80"}"#)
                API.expectError(update, 403, "address not allowed")
                #expect(try await registry.get("a").upstream.description == "127.0.0.1:9")
            }
            try await API.withAPI(rules: ProxyRules(allowRemote: true, resolver: Self.fixedDNS)) { port, _ in
                let r = try await API.call(
                    .POST, port, "/proxies", #"{"name":"a","upstream":"203.0.113.7:80","enabled":false}"#)
                #expect(r.status == 201)
            }
        }
    }
}
