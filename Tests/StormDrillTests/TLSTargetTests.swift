import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import StormDrillEngine
import StormDrillPlan
import StormDrillReport
import Testing

extension StormDrillTests {
    /// `https` targets on loopback: a test PKI made with the openssl CLI at test time, a TLS fixture server per
    /// certificate, and real drills (10 requests in 1 s to 127.0.0.1) that must succeed or fail with the right
    /// `tls_*` class and a message that says why.
    @Suite("https targets: certificate verification on loopback")
    struct TLSTargetTests {
        /// Certificates and keys in a temporary folder. Everything is signed by `ca.pem` except `unknown-ca`.
        struct PKI {
            var dir: String

            func cert(_ name: String) -> String { "\(dir)/\(name).pem" }
            func key(_ name: String) -> String { "\(dir)/\(name).key" }
        }

        /// The openssl CLI; its absence fails the test that needs it (no silent skip).
        static func openssl() throws -> String {
            for candidate in ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
            where FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            Issue.record("the openssl CLI is needed to make the test certificates and was not found")
            throw CancellationError()
        }

        static func openssl(_ arguments: [String], in dir: String) throws {
            let result = try ChildProcess.run(try openssl(), arguments, timeout: 30, currentDirectory: dir)
            guard result.status == 0 else {
                Issue.record("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
                throw CancellationError()
            }
        }

        /// A test CA, a second CA nobody trusts, and server certificates: `good` (IP:127.0.0.1, DNS:localhost),
        /// `wrong-host` (DNS:wrong.example only), `expired` (2020), `not-yet-valid` (from 2099), `unknown-ca` (good
        /// names, signed by the second CA). Also `no-certificate.pem`, a PEM file that holds only a key.
        static func makePKI() throws -> PKI {
            let dir = Repository.temporaryDirectory("tls-pki")
            try """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = unused
            [ca]
            default_ca = test
            [test]
            database = ./index.txt
            new_certs_dir = .
            serial = ./serial
            default_md = sha256
            policy = any
            copy_extensions = none
            unique_subject = no
            x509_extensions = leaf
            [any]
            commonName = supplied
            [leaf]
            subjectAltName = IP:127.0.0.1,DNS:localhost
            basicConstraints = CA:FALSE
            extendedKeyUsage = serverAuth
            [good]
            subjectAltName = IP:127.0.0.1,DNS:localhost
            basicConstraints = CA:FALSE
            extendedKeyUsage = serverAuth
            [wrong]
            subjectAltName = DNS:wrong.example
            basicConstraints = CA:FALSE
            extendedKeyUsage = serverAuth
            """.write(toFile: "\(dir)/openssl.cnf", atomically: true, encoding: .utf8)
            try "".write(toFile: "\(dir)/index.txt", atomically: true, encoding: .utf8)
            try "1000\n".write(toFile: "\(dir)/serial", atomically: true, encoding: .utf8)
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
            for (name, subject) in [("ca", "StormDrill Test CA"), ("other-ca", "Nobody's CA")] {
                try openssl(
                    ["req", "-config", "openssl.cnf", "-x509"] + ec + [
                        "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "30", "-subj", "/CN=\(subject)",
                        "-addext", "basicConstraints=critical,CA:TRUE",
                        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    ], in: dir)
            }
            func request(_ name: String) throws {
                try openssl(
                    ["req", "-config", "openssl.cnf", "-new"] + ec + [
                        "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
                    ], in: dir)
            }
            func sign(_ name: String, by ca: String, section: String, dates: [String] = ["-days", "30"]) throws {
                try request(name)
                try openssl(
                    [
                        "ca", "-batch", "-config", "openssl.cnf", "-cert", "\(ca).pem", "-keyfile", "\(ca).key",
                        "-extensions", section, "-in", "\(name).csr", "-out", "\(name).pem", "-notext",
                    ] + dates,
                    in: dir)
            }
            try sign("good", by: "ca", section: "good")
            try sign("wrong-host", by: "ca", section: "wrong")
            try sign("unknown-ca", by: "other-ca", section: "good")
            try sign(
                "expired", by: "ca", section: "good",
                dates: ["-startdate", "20200101000000Z", "-enddate", "20201231000000Z"])
            try sign(
                "not-yet-valid", by: "ca", section: "good",
                dates: ["-startdate", "20990101000000Z", "-enddate", "20991231000000Z"])
            try FileManager.default.copyItem(atPath: "\(dir)/good.key", toPath: "\(dir)/no-certificate.pem")
            try FileManager.default.createDirectory(atPath: "\(dir)/a-folder", withIntermediateDirectories: false)
            return PKI(dir: dir)
        }

        /// A loopback https fixture serving `name`'s certificate; every request gets 200 `{}`.
        static func server(_ pki: PKI, _ name: String) async throws -> FixtureServer {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(pki.cert(name)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.key(name), format: .pem)))
            configuration.applicationProtocols = ["http/1.1"]
            let context = try NIOSSLContext(configuration: configuration)
            return try await FixtureServer.start(tls: context) { _ in FixtureResponse(status: 200) }
        }

        /// Runs 10 GETs in 1 s against `https://HOST:PORT` with `tls` (a JSON object, or nil for none) as
        /// `target.tls`, the plan being decoded as if it were `plan.json` in the PKI folder (so `"ca": "ca.pem"`
        /// names the test CA).
        static func run(
            _ pki: PKI, server: FixtureServer, tls: String?, host: String = "127.0.0.1"
        ) async throws -> DrillResult {
            let tlsMember = tls.map { #", "tls": \#($0)"# } ?? ""
            let text = """
                {"stormdrill": 1, "name": "tls", "seed": 1,
                 "target": {"baseURL": "https://\(host):\(server.port)", "timeout": "2s"\(tlsMember)},
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 10}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/menu"}]}]}
                """
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "\(pki.dir)/plan.json").get()
            guard case .url(let url) = plan.target.endpoint else { throw CancellationError() }
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: server.port)
            let engine = try LoadEngine(plan: plan, url: url, address: address, options: .init(eventLoops: 1))
            let result = await engine.run(startingAt: .now() + .milliseconds(20))
            await engine.shutdown()
            return result
        }

        /// Asserts that all 10 requests failed with `cls`, none reached the server's HTTP layer, and a sample says
        /// `message`.
        static func expectFailures(
            _ result: DrillResult, _ cls: ErrorClass, saying message: String, server: FixtureServer,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(result.requests.count == 10, sourceLocation: sourceLocation)
            #expect(
                result.requests.errors[cls] == 10, "\(result.requests.errors.nonZero)", sourceLocation: sourceLocation)
            #expect(result.requests.ok == 0, sourceLocation: sourceLocation)
            #expect(server.requestCount == 0, sourceLocation: sourceLocation)
            #expect(
                result.errorSamples.contains("\(cls.key): \(message)"), "\(result.errorSamples)",
                sourceLocation: sourceLocation)
        }

        @Test("a certificate from the plan's CA for 127.0.0.1: every request succeeds")
        func goodCertificate() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "good")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#)
            #expect(result.requests.count == 10)
            #expect(result.requests.ok == 10, "\(result.requests.errors.nonZero) \(result.errorSamples)")
            #expect(server.requestCount == 10)
        }

        @Test("by name: https://localhost checks the certificate's DNS name and sends it as SNI")
        func goodCertificateByName() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "good")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#, host: "localhost")
            #expect(result.requests.ok == 10, "\(result.requests.errors.nonZero) \(result.errorSamples)")
        }

        @Test("a certificate from a CA the plan does not trust: tls_unknown_ca")
        func unknownCA() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "unknown-ca")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#)
            Self.expectFailures(
                result, .tlsUnknownCA, saying: "the certificate of 127.0.0.1 is not signed by a CA in target.tls.ca",
                server: server)
        }

        @Test("without target.tls the system's trust roots decide: the test CA is unknown to them")
        func systemTrustRoots() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "good")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: nil)
            Self.expectFailures(
                result, .tlsUnknownCA, saying: "the certificate of 127.0.0.1 is not signed by the system's trust roots",
                server: server)
        }

        @Test("a certificate for another host name: tls_hostname naming the host")
        func wrongHost() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "wrong-host")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#)
            Self.expectFailures(
                result, .tlsHostname, saying: "the certificate is not valid for 127.0.0.1", server: server)
        }

        @Test("serverName: the certificate is checked for that name instead of the baseURL's host")
        func serverName() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "wrong-host")
            defer { Task { await server.stop() } }
            let ok = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem", "serverName": "wrong.example"}"#)
            #expect(ok.requests.ok == 10, "\(ok.requests.errors.nonZero) \(ok.errorSamples)")
            let other = try await Self.run(
                pki, server: server, tls: #"{"ca": "ca.pem", "serverName": "right.example"}"#)
            #expect(other.requests.errors[.tlsHostname] == 10, "\(other.requests.errors.nonZero)")
            #expect(other.errorSamples.contains("tls_hostname: the certificate is not valid for right.example"))
        }

        @Test("an expired certificate: tls_expired with the date it expired")
        func expired() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "expired")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#)
            Self.expectFailures(
                result, .tlsExpired, saying: "the certificate of 127.0.0.1 expired 2020-12-31 00:00 UTC", server: server
            )
        }

        @Test("a certificate not valid yet: tls_expired with the date it starts")
        func notYetValid() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "not-yet-valid")
            defer { Task { await server.stop() } }
            let result = try await Self.run(pki, server: server, tls: #"{"ca": "ca.pem"}"#)
            Self.expectFailures(
                result, .tlsExpired, saying: "the certificate of 127.0.0.1 is not valid before 2099-01-01 00:00 UTC",
                server: server)
        }

        @Test("stormdrill run: a missing CA file or one without a certificate exits 2 before any traffic")
        func badCAFile() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "good")
            defer { Task { await server.stop() } }
            for (ca, message) in [
                ("missing.pem", "target.tls.ca: no such file \"\(pki.dir)/missing.pem\""),
                ("no-certificate.pem", "target.tls.ca: \"\(pki.dir)/no-certificate.pem\" holds no certificate"),
                ("a-folder", "target.tls.ca: cannot read \"\(pki.dir)/a-folder\" (not a readable file)"),
            ] {
                let plan = try DrillEndToEndTests.writePlan(
                    """
                    {"stormdrill": 1, "name": "tls-bad-ca",
                     "target": {"baseURL": "https://127.0.0.1:\(server.port)", "tls": {"ca": "\(ca)"}},
                     "load": {"model": "open", "stages": [{"duration": "1s", "rate": 5}]},
                     "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                    """, in: pki.dir)
                let out = "\(pki.dir)/reports"
                let result = try ChildProcess.run(Repository.binary, ["run", plan, "--out", out], timeout: 30)
                #expect(result.status == 2, "\(ca): \(result.stderr)")
                #expect(result.stderr.contains("\(plan): \(message)"), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out), "a report folder was made for \(ca)")
            }
            #expect(server.requestCount == 0)
        }

        @Test("stormdrill run: a relative ca is found next to the plan, whatever the working directory; PASS")
        func runnerPass() async throws {
            let pki = try Self.makePKI()
            let server = try await Self.server(pki, "good")
            defer { Task { await server.stop() } }
            let plan = try DrillEndToEndTests.writePlan(
                """
                {"stormdrill": 1, "name": "tls-pass",
                 "target": {"baseURL": "https://127.0.0.1:\(server.port)", "tls": {"ca": "ca.pem"}},
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 10}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                """, in: pki.dir)
            let out = "\(pki.dir)/reports"
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", out, "--quiet"], timeout: 60,
                currentDirectory: Repository.root.path)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: out)
            #expect(report.totals.ok == 10)
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(server.requestCount == 10)
        }

        // MARK: - Plan

        static func decode(
            _ target: String, vars: String = "{}", file: String = "/plans/drill.json"
        ) -> Result<
            Plan, PlanError
        > {
            let text = """
                {"stormdrill": 1, "name": "t", "vars": \(vars), "target": \(target),
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                """
            return PlanDecoder.decode(Array(text.utf8), file: file)
        }

        @Test("target.tls: ca resolved against the plan's folder, serverName kept, {{vars.*}} allowed")
        func decodesTLS() throws {
            let relative = try Self.decode(
                #"{"baseURL": "https://10.0.0.5:8443", "tls": {"ca": "certs/ca.pem", "serverName": "campus.example.edu"}}"#
            ).get()
            #expect(relative.target.tls == TargetTLS(ca: "/plans/certs/ca.pem", serverName: "campus.example.edu"))
            let absolute = try Self.decode(
                #"{"baseURL": "https://h", "tls": {"ca": "{{vars.ca}}"}}"#, vars: #"{"ca": "/etc/drill/ca.pem"}"#
            ).get()
            #expect(absolute.target.tls == TargetTLS(ca: "/etc/drill/ca.pem"))
            let bare = try Self.decode(#"{"baseURL": "https://h", "tls": {"ca": "ca.pem"}}"#, file: "plan.json").get()
            #expect(bare.target.tls?.ca == "ca.pem")
            let none = try Self.decode(#"{"baseURL": "https://h"}"#).get()
            #expect(none.target.tls == nil)
        }

        @Test(
            "target.tls errors: path, position and the fix",
            arguments: [
                (
                    #"{"baseURL": "http://h", "tls": {"ca": "ca.pem"}}"#,
                    #"target.tls: "tls" needs an https:// baseURL (got "http://")"#
                ),
                (
                    #"{"embedded": "campus", "tls": {"ca": "ca.pem"}}"#,
                    #"target.tls: "tls" is for an https:// baseURL; the embedded target speaks plain HTTP"#
                ),
                (
                    #"{"baseURL": "https://h", "tls": {"caa": "ca.pem"}}"#,
                    #"target.tls.caa: unknown key "caa"; did you mean "ca"?"#
                ),
                (
                    #"{"baseURL": "https://h", "tls": {"ca": "ca.pem", "insecure": true}}"#,
                    #"target.tls.insecure: unknown key "insecure"; certificate verification cannot be turned off; trust a private CA with "ca""#
                ),
                (
                    #"{"baseURL": "https://h", "tls": {}}"#,
                    #"target.tls: needs "ca" (a PEM file of CA certificates to trust) or "serverName""#
                ),
                (#"{"baseURL": "https://h", "tls": "ca.pem"}"#, "target.tls: must be an object (got a string)"),
                (#"{"baseURL": "https://h", "tls": {"ca": 1}}"#, "target.tls.ca: must be a string (got a number)"),
                (#"{"baseURL": "https://h", "tls": {"ca": " "}}"#, "target.tls.ca: must not be empty"),
                (
                    #"{"baseURL": "https://h", "tls": {"serverName": "127.0.0.1"}}"#,
                    #"target.tls.serverName: must be a DNS name, not an IP address (got "127.0.0.1"); an address is checked against the baseURL's host, so put it there"#
                ),
                (
                    #"{"baseURL": "https://h", "tls": {"serverName": "https://campus.example.edu"}}"#,
                    #"target.tls.serverName: must be a DNS name such as "campus.example.edu" (got "https://campus.example.edu")"#
                ),
                (
                    #"{"baseURL": "https://h", "tls": {"serverName": "{{vars.nope}}"}}"#,
                    "target.tls.serverName: unknown placeholder {{vars.nope}} here; use {{vars.NAME}} or {{env.NAME}}"
                ),
            ])
        func tlsErrors(target: String, expected: String) {
            switch Self.decode(target) {
            case .success:
                Issue.record("accepted \(target)")
            case .failure(let error):
                let lines = error.diagnostics.map { "\($0.path): \($0.message)" }
                #expect(lines == [expected], "\(error)")
                // The position is on line 1 of the plan, where "target" is, past its start.
                #expect(error.diagnostics.allSatisfy { $0.position.line == 1 && $0.position.column > 40 })
            }
        }

        @Test("plans/schema.json agrees: a tls block on an https target is valid, on http or empty it is not")
        func schema() throws {
            let dir = Repository.temporaryDirectory("tls-schema")
            let cases: [(String, String, Bool)] = [
                (
                    "tls-ok",
                    #"{"baseURL": "https://h:8443", "tls": {"ca": "ca.pem", "serverName": "campus.example.edu"}}"#, true
                ),
                ("tls-ca-only", #"{"baseURL": "HTTPS://h", "tls": {"ca": "/etc/ca.pem"}}"#, true),
                ("tls-on-http", #"{"baseURL": "http://h", "tls": {"ca": "ca.pem"}}"#, false),
                ("tls-on-embedded", #"{"embedded": "campus", "tls": {"ca": "ca.pem"}}"#, false),
                ("tls-empty", #"{"baseURL": "https://h", "tls": {}}"#, false),
                ("tls-insecure", #"{"baseURL": "https://h", "tls": {"insecure": true}}"#, false),
                ("tls-ip-name", #"{"baseURL": "https://h", "tls": {"serverName": "10.0.0.1"}}"#, false),
            ]
            var files: [String] = []
            for (name, target, valid) in cases {
                let path = "\(dir)/\(name).json"
                let text = """
                    {"stormdrill": 1, "name": "t", "target": \(target),
                     "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
                     "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                    """
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                let decoded = PlanLoader.load(path: path)
                #expect(((try? decoded.get()) != nil) == valid, "decoder on \(name): \(decoded)")
                files.append(path)
            }
            let verdicts = try PlanSchemaTests.validate(files)
            for (name, _, valid) in cases {
                #expect(
                    verdicts["\(name).json"]?.valid == valid,
                    "schema on \(name): \(verdicts["\(name).json"]?.errors ?? [])")
            }
        }
    }
}
