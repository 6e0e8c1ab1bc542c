import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// Who may drive the control API: the optional token (Bearer, X-StormDrill-Token, Basic) and the Host check of
    /// a loopback-bound API against DNS rebinding.
    @Suite("Fault proxy: API token and Host check")
    struct ProxyAPIAccessTests {
        typealias S = FaultTestSupport
        typealias API = ToxiproxyAPITests

        static func basic(_ user: String, _ password: String) -> String {
            "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }

        @Test("with a token: none or a wrong one gets 401 and changes nothing; Bearer, the header and Basic pass")
        func token() async throws {
            let token = try #require(ProxyAPIToken("s3cret-token"))
            #expect("\(token)" == "ProxyAPIToken(12 bytes)")
            try await API.withAPI(token: token) { port, registry in
                let create = #"{"name":"db","upstream":"127.0.0.1:9","enabled":false}"#
                let refused: [[(String, String)]] = [
                    [],
                    [("Authorization", "Bearer wrong")],
                    [("Authorization", "Bearer s3cret-toke")],
                    [("Authorization", "Bearer s3cret-token-and-more")],
                    [("Authorization", "s3cret-token")],
                    [("X-StormDrill-Token", "S3CRET-TOKEN")],
                    [("Authorization", Self.basic("stormdrill", "nope"))],
                    [("Authorization", "Basic !!not-base64!!")],
                ]
                for headers in refused {
                    let r = try await API.call(.POST, port, "/proxies", create, headers: headers)
                    API.expectError(r, 401, "missing or wrong API token")
                    let get = try await TestHTTP.request(.GET, port: port, path: "/version", headers: headers)
                    #expect(get.status == 401, "\(headers)")
                    #expect(get.header("WWW-Authenticate") == "Bearer")
                }
                #expect(await registry.list().isEmpty)
                let accepted: [[(String, String)]] = [
                    [("Authorization", "Bearer s3cret-token")],
                    [("Authorization", "bearer s3cret-token")],
                    [("X-StormDrill-Token", "s3cret-token")],
                    [("Authorization", Self.basic("stormdrill", "s3cret-token"))],
                    [("Authorization", Self.basic("", "s3cret-token"))],
                ]
                for headers in accepted {
                    let r = try await API.call(.GET, port, "/version", headers: headers)
                    #expect(r.status == 200, "\(headers)")
                }
                let created = try await API.call(
                    .POST, port, "/proxies", create, headers: [("X-StormDrill-Token", "s3cret-token")])
                #expect(created.status == 201)
                #expect(await registry.list().map(\.name) == ["db"])
            }
            #expect(ProxyAPIToken("") == nil)
        }

        @Test("without a token the API answers as before")
        func noToken() async throws {
            try await API.withAPI { port, _ in
                let plain = try await API.call(.GET, port, "/version")
                #expect(plain.status == 200)
                let anyBearer = try await API.call(.GET, port, "/version", headers: [("Authorization", "Bearer x")])
                #expect(anyBearer.status == 200)
            }
        }

        @Test("loopback-bound API: a Host other than loopback (DNS rebinding) gets 403 and changes nothing")
        func hostCheck() async throws {
            try await API.withAPI { port, registry in
                for host in [
                    "evil.example:\(port)", "evil.example", "127.0.0.1.evil.example:\(port)", "127.evil.example",
                    "10.0.0.1:\(port)", "0.0.0.0:\(port)", "[::1", "",
                ] {
                    let r = try await API.call(
                        .POST, port, "/proxies", #"{"name":"x","upstream":"127.0.0.1:9","enabled":false}"#,
                        headers: [("Host", host)])
                    API.expectError(r, 403, "Host \(host) not allowed")
                }
                #expect(await registry.list().isEmpty)
                for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LocalHost", "[::1]:\(port)", "127.0.0.2"] {
                    #expect(
                        try await API.call(.GET, port, "/version", headers: [("Host", host)]).status == 200, "\(host)")
                }
            }
        }

        @Test("a request without Host (HTTP/1.0) is answered: browsers, which DNS rebinding needs, always send one")
        func noHost() async throws {
            try await API.withAPI { port, _ in
                let connection = try await ProbeConnection.connect(
                    to: StormDrillFaults.HostPort(host: "127.0.0.1", port: port), http: false)
                try await connection.send("GET /version HTTP/1.0\r\n\r\n")
                let (met, record) = await connection.wait(timeout: .seconds(5)) { S.text($0).contains("\"version\"") }
                await connection.close()
                #expect(met)
                #expect(S.text(record).hasPrefix("HTTP/1.0 200") || S.text(record).hasPrefix("HTTP/1.1 200"))
            }
        }

        @Test("Host values: loopback names and addresses with or without port pass, anything else does not")
        func hostValues() {
            for ok in ["127.0.0.1:8474", "localhost", "localhost:1", "[::1]:8474", "[::1]", "127.1.2.3"] {
                #expect(APIAccessGuard.isLoopbackHost(ok), "\(ok)")
            }
            for bad in ["evil.example", "127.0.0.1.evil.example:8474", "::1", "[::1", "192.168.0.1:8474", ""] {
                #expect(!APIAccessGuard.isLoopbackHost(bad), "\(bad)")
            }
        }
    }
}
