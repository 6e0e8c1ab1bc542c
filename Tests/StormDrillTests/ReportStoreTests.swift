import Foundation
import StormDrillAnalysis
import StormDrillEngine
import StormDrillPlan
import StormDrillReport
import Testing

import struct Histogram.Histogram

extension StormDrillTests {
    @Suite("Report building and writing")
    struct ReportStoreTests {
        static func plan() throws -> Plan {
            try PlanDecoder.decode(
                Array(
                    """
                    {"stormdrill": 1, "name": "lunch peak / week 3", "seed": 9, "target": {"baseURL": "http://127.0.0.1:1"},
                     "load": {"model": "open", "stages": [{"duration": "2s", "rate": 10}]},
                     "journeys": [{"name": "j", "steps": [{"name": "a", "path": "/a"}, {"name": "b", "path": "/b"}]}],
                     "slo": {"p99": "100ms", "errorRate": 0.1}}
                    """.utf8), file: "p.json"
            ).get()
        }

        /// A synthetic result: 20 journeys, 2 failed with 503, latencies 10…29 ms over two seconds.
        static func result() -> DrillResult {
            var r = DrillResult()
            r.plannedLoadNanoseconds = 2_000_000_000
            r.loadEndedNanoseconds = 2_000_000_000
            r.elapsedNanoseconds = 2_050_000_000
            r.journeysStarted = 20
            r.requestsSent = 38
            r.errors.add(.http(503), 2)
            r.steps = [LatencyStats(), LatencyStats()]
            r.journeys = [LatencyStats()]
            r.journeys[0].count = 20
            r.journeys[0].ok = 18
            r.requests.ok = 36
            r.generator.eventLoops = 2
            for i in 0..<20 { _ = r.generator.lag.record(UInt64(100 + i)) }
            var perBucket = Array(repeating: LatencyHistogram.makeCompact(), count: 20)
            for i in 0..<38 {
                let us = UInt64(10_000 + (i % 20) * 1000)
                _ = r.requests.latency.record(us)
                _ = r.requests.service.record(us - 500)
                _ = r.steps[i % 2].latency.record(us)
                _ = perBucket[i / 2].record(us)
            }
            r.requests.count = 38
            r.timeline = (0..<20).map { b in
                var bucket = TimelineBucket()
                bucket.sent = 2
                bucket.ok = b < 19 ? 2 : 0
                bucket.errors = b == 19 ? 2 : 0
                bucket.inFlightMax = 1
                bucket.latencies = SparseLatencies(perBucket[b])
                return bucket
            }
            return r
        }

        @Test("the report carries totals, percentiles, a per-second timeline and the verdict")
        func build() throws {
            let context = RunContext(
                plan: try Self.plan(), planFile: "p.json", planSHA256: "ab", startedAt: "2026-11-25T00:00:00.000Z",
                targetURL: "http://127.0.0.1:1", embedded: nil, connections: 4)
            let report = ReportBuilder.build(result: Self.result(), context: context, toolVersion: "t")
            #expect(report.schemaVersion == DrillReport.currentSchemaVersion)
            #expect(report.totals.journeys == 20 && report.totals.requests == 38 && report.totals.errors == 2)
            #expect(abs(report.totals.errorRate - 0.1) < 1e-9)
            #expect(abs(report.totals.throughput.requestsPerSecond - 19) < 1e-9)
            #expect(report.errors == ["http_503": 2])
            #expect(report.latency.count == 38)
            #expect(report.latency.p50 >= 18 && report.latency.p50 <= 20)
            #expect(report.latency.max >= 29 && report.latency.max < 29.1)
            #expect(report.timeline.count == 2)
            #expect(report.timeline.map(\.sent) == [20, 20])
            #expect(report.timeline[1].errors == 2)
            #expect(report.timeline[0].p99 > report.timeline[0].p50)
            #expect(report.steps.map(\.name) == ["a", "b"])
            #expect(report.generator.lagP99Ms < 1 && !report.generator.saturated)
            // errorRate 0.1 ≤ 0.1 passes; p99 ≈ 29 ms < 100 ms passes.
            #expect(report.slo.allSatisfy { $0.passed })
            #expect(report.verdict == .pass)
        }

        @Test("verdict rules: SLO breaches FAIL, a late generator is INVALID whatever the target did")
        func verdicts() throws {
            var plan = try Self.plan()
            plan.slo = ServiceLevelObjective(p99: .milliseconds(20), errorRate: 0.05)
            let context = RunContext(
                plan: plan, planFile: "p.json", planSHA256: "", startedAt: "", targetURL: "",
                embedded: nil, connections: 1)
            let failed = ReportBuilder.build(result: Self.result(), context: context, toolVersion: "t")
            #expect(failed.verdict == .fail)
            #expect(failed.reasons.contains { $0.hasPrefix("slo p99:") })
            #expect(failed.reasons.contains { $0.hasPrefix("slo errorRate:") })

            var late = Self.result()
            _ = late.generator.lag.record(20_000, count: 5)
            let invalid = ReportBuilder.build(result: late, context: context, toolVersion: "t")
            #expect(invalid.generator.saturated)
            #expect(invalid.verdict == .invalid)
            #expect(invalid.reasons.first?.contains("generator fell behind") == true)

            var busy = Self.result()
            busy.generator.saturatedSecondsRun = 3
            #expect(ReportBuilder.build(result: busy, context: context, toolVersion: "t").verdict == .invalid)
        }

        @Test("reports are written atomically into a per-run folder and read back")
        func write() throws {
            let base = Repository.temporaryDirectory("reports")
            let date = Date(timeIntervalSince1970: 1_795_600_000)
            let dir = try ReportStore.makeRunDirectory(base: base, startedAt: date, planName: "lunch peak / week 3")
            #expect((dir as NSString).lastPathComponent == "\(ReportStore.timestamp(date))-lunch-peak-week-3")
            let again = try ReportStore.makeRunDirectory(base: base, startedAt: date, planName: "lunch peak / week 3")
            #expect(again.hasSuffix("-2"))
            let context = RunContext(
                plan: try Self.plan(), planFile: "p.json", planSHA256: "ab", startedAt: "x",
                targetURL: "u", embedded: nil, connections: 1)
            let report = ReportBuilder.build(result: Self.result(), context: context, toolVersion: "t")
            let path = try ReportStore.write(report, to: dir)
            #expect(try ReportStore.read(path: path) == report)
            // No temporary file is left behind, and rewriting replaces the file.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.json"])
            var changed = report
            changed.status = .interrupted
            try ReportStore.write(changed, to: dir)
            #expect(try ReportStore.read(path: path).status == .interrupted)
            // Keys are sorted: byte-identical output for identical reports.
            #expect(try ReportStore.encode(report) == (try ReportStore.encode(report)))
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("\"schemaVersion\" : 1"))
        }

        @Test("the timestamp is UTC yyyyMMdd-HHmmss")
        func timestamp() {
            #expect(ReportStore.timestamp(Date(timeIntervalSince1970: 0)) == "19700101-000000")
            #expect(ReportStore.iso8601(Date(timeIntervalSince1970: 1.25)) == "1970-01-01T00:00:01.250Z")
            #expect(ReportStore.sanitize("../../etc") == "etc")
            #expect(ReportStore.sanitize("") == "drill")
        }

        @Test("the summary names the verdict, the figures and the report path")
        func summary() throws {
            let context = RunContext(
                plan: try Self.plan(), planFile: "p.json", planSHA256: "", startedAt: "",
                targetURL: "http://127.0.0.1:1", embedded: nil, connections: 1)
            let report = ReportBuilder.build(result: Self.result(), context: context, toolVersion: "t")
            let text = SummaryRenderer.render(report, reportPath: "reports/x/report.json")
            #expect(text.contains("verdict ....... PASS"))
            #expect(text.contains("journeys ...... 20 started: 18 ok, 2 failed"))
            #expect(text.contains("http_503: 2"))
            #expect(text.contains("reports/x/report.json"))
        }
    }
}
