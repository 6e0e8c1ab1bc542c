import Foundation
import NIOCore
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Proxy faults in drills: a target that calls its dependency through StormDrill's proxy")
    struct ProxyDrillTests {
        /// A dependency (200 on everything) and a target whose `POST /orders` asks it through the proxy port first.
        static func fixtures(
            proxyPort: Int, dependencyTimeout: TimeAmount = .seconds(2)
        ) async throws -> (
            dependency: FixtureServer, target: FixtureServer
        ) {
            let dependency = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: #"{"ok": true}"#) }
            let target = try await FixtureServer.start(threads: 2) { _ in
                var r = FixtureResponse(status: 201, body: #"{"id": "o1"}"#)
                r.dependency = (proxyPort, "/charges", dependencyTimeout)
                return r
            }
            return (dependency, target)
        }

        static func plan(
            target: FixtureServer, proxyPort: Int, dependencyPort: Int, proto: String, seconds: Int, rate: Int,
            faults: String
        ) -> String {
            """
            {"stormdrill": 1, "name": "dependency-fault", "target": {"baseURL": "\(target.baseURL)", "timeout": "3s"},
             "load": {"model": "open", "stages": [{"duration": "\(seconds)s", "rate": \(rate)}]},
             "journeys": [{"name": "order", "steps": [{"name": "place", "method": "POST", "path": "/orders",
               "body": {"student": "{{order.student}}"}, "expect": [201]}]}],
             "dependencies": [{"name": "payment", "listen": "127.0.0.1:\(proxyPort)",
                               "upstream": "127.0.0.1:\(dependencyPort)", "protocol": "\(proto)"}],
             "faults": [\(faults)]}
            """
        }

        static func run(_ planText: String, label: String) throws -> (ProcessResult, DrillReport) {
            let dir = Repository.temporaryDirectory(label)
            let plan = try DrillEndToEndTests.writePlan(planText, in: dir)
            let result = try ChildProcess.run(
                Repository.binary, ["run", plan, "--out", "\(dir)/reports", "--quiet"], timeout: 90,
                environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            return (result, report)
        }

        @Test("acceptance 1: payment down from 3 s for 4 s: actual window within 50 ms, verified, failures inside it")
        func paymentDown() async throws {
            let proxyPort = FreePort.find()
            let (dependency, target) = try await Self.fixtures(proxyPort: proxyPort)
            defer {
                Task {
                    await target.stop()
                    await dependency.stop()
                }
            }
            let (result, report) = try Self.run(
                Self.plan(
                    target: target, proxyPort: proxyPort, dependencyPort: dependency.port, proto: "tcp", seconds: 10,
                    rate: 50,
                    faults:
                        #"{"name": "payment-outage", "dependency": "payment", "type": "down", "at": "3s", "duration": "4s"}"#
                ), label: "proxy-down")
            #expect(result.status == 1, "failed orders fail the default SLO: \(result.stderr)")
            let fault = try #require(report.faults?.first)
            #expect(abs(try #require(fault.actualStartMs) - 3000) <= 50, "\(fault)")
            #expect(abs(try #require(fault.actualEndMs) - 7000) <= 50, "\(fault)")
            #expect(fault.verified == true, "\(fault)")
            #expect(fault.evidence?.contains("refused") == true, "\(fault)")
            #expect(fault.rollback?.hasPrefix("proxy enabled, answers again: ") == true, "\(fault.rollback ?? "")")
            // Failed orders fall inside the window; before and after it every order succeeds.
            let timeline = report.timeline
            for second in timeline {
                if second.t < 3 || second.t >= 8 {
                    #expect(second.errors == 0 && second.ok > 0, "t=\(second.t): \(second)")
                }
                if second.t >= 4 && second.t < 7 {
                    #expect(second.ok == 0 && second.errors > 0, "t=\(second.t): \(second)")
                }
            }
            let failed = report.totals.journeysFailed
            #expect(abs(failed - 200) <= 10, "4 s × 50/s failed: \(failed)")
            #expect(report.errors["http_502", default: 0] == failed, "\(report.errors)")
            // The dependency saw nothing while it was cut off.
            #expect(abs(dependency.requestCount - (500 - failed)) <= 2)
        }

        @Test("acceptance 2 (in a drill): a 100 ms latency toxic adds 100 ± 10 ms to the requests that use it")
        func latencyInDrill() async throws {
            let proxyPort = FreePort.find()
            let (dependency, target) = try await Self.fixtures(proxyPort: proxyPort)
            defer {
                Task {
                    await target.stop()
                    await dependency.stop()
                }
            }
            let (result, report) = try Self.run(
                Self.plan(
                    target: target, proxyPort: proxyPort, dependencyPort: dependency.port, proto: "tcp", seconds: 8,
                    rate: 40,
                    faults:
                        #"{"name": "slow-payment", "dependency": "payment", "type": "latency", "latency": "100ms", "at": "2s", "duration": "4s"}"#
                ), label: "proxy-latency")
            #expect(result.status == 0, "\(result.stderr)")
            let fault = try #require(report.faults?.first)
            #expect(fault.verified == true, "\(fault)")
            let start = try #require(fault.actualStartMs)
            let end = try #require(fault.actualEndMs)
            #expect(abs(start - 2000) <= 50 && abs(end - 6000) <= 50, "\(fault)")
            let before = report.timeline.filter { $0.t < 2 || $0.t >= 7 }.map(\.p50)
            let during = report.timeline.filter { $0.t >= 3 && $0.t < 6 }.map(\.p50)
            let base = before.sorted()[before.count / 2]
            for p50 in during {
                #expect(abs(p50 - base - 100) <= 10, "p50 \(p50) ms during vs \(base) ms outside")
            }
        }

        @Test("acceptance 3 (in a drill): http_error at rate 0.3 fails 30 ± 5 % of 1,000 orders; fail_first 5 fails 5")
        func httpFaultsInDrill() async throws {
            let proxyPort = FreePort.find()
            let (dependency, target) = try await Self.fixtures(proxyPort: proxyPort)
            defer {
                Task {
                    await target.stop()
                    await dependency.stop()
                }
            }
            let (_, errors) = try Self.run(
                Self.plan(
                    target: target, proxyPort: proxyPort, dependencyPort: dependency.port, proto: "http", seconds: 5,
                    rate: 200,
                    faults:
                        #"{"name": "gateway-errors", "dependency": "payment", "type": "http_error", "status": 503, "rate": 0.3, "at": "0s", "duration": "5s"}"#
                ), label: "proxy-http-error")
            #expect(errors.totals.journeys == 1000)
            let share = Double(errors.totals.journeysFailed) / 1000
            #expect(share >= 0.25 && share <= 0.35, "\(share)")
            #expect(errors.faults?.first?.verified == true, "\(String(describing: errors.faults))")

            let (_, first) = try Self.run(
                Self.plan(
                    target: target, proxyPort: proxyPort, dependencyPort: dependency.port, proto: "http", seconds: 2,
                    rate: 50,
                    faults:
                        #"{"name": "cold-start", "dependency": "payment", "type": "fail_first", "count": 5, "at": "0s", "duration": "2s"}"#
                ), label: "proxy-fail-first")
            #expect(first.totals.journeysFailed == 5, "\(first.totals)")
            #expect(first.totals.journeysOk == first.totals.journeys - 5)
            #expect(first.faults?.first?.verified == true, "\(String(describing: first.faults))")
        }
    }
}
