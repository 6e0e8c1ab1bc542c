import Foundation
import Histogram
import StormDrillEngine
import StormDrillMonitoring
import StormDrillPlan
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Monitoring: the driver's metrics, the shipped rules, and a real Prometheus scraping a drill")
    struct MonitoringTests {
        static func step(_ journey: String, _ step: String, count: Int, ok: Int) -> MetricsSnapshot.Step {
            var s = MetricsSnapshot.Step(journey: journey, step: step)
            s.count = count
            s.ok = ok
            return s
        }

        /// The value of the one exposition line that starts with `prefix` (nil if none or several).
        static func value(_ text: String, _ prefix: String) -> Double? {
            let lines = text.split(separator: "\n").filter { $0.hasPrefix(prefix + " ") }
            guard lines.count == 1, let last = lines[0].split(separator: " ").last else { return nil }
            return Double(last)
        }

        @Test("counters follow the published totals and never go down; histograms are cumulative with +Inf")
        func exposition() throws {
            let metrics = DriverMetrics(
                plan: "weekly \"payment\"", runID: "20261204-run", version: "test",
                faults: [.init(name: "payment-outage", type: "down")])
            var s = MetricsSnapshot()
            var menu = Self.step("browse", "menu", count: 10, ok: 9)
            menu.errors.add(.http(503))
            menu.latency.cumulative = MetricsSnapshot.bucketBounds.indices.map { UInt64(min($0 + 1, 9)) }
            menu.latency.count = 9
            menu.latency.sumSeconds = 0.5
            s.steps = [menu]
            s.journeys = [.init(name: "browse", count: 10, ok: 9)]
            s.requestsSent = 11
            s.inFlight = 1
            metrics.publish(s)
            var text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(Self.value(text, #"stormdrill_requests_total{journey="browse",step="menu",outcome="ok"}"#) == 9)
            #expect(Self.value(text, #"stormdrill_requests_total{journey="browse",step="menu",outcome="error"}"#) == 1)
            #expect(
                Self.value(text, #"stormdrill_request_errors_total{journey="browse",step="menu",class="http_503"}"#)
                    == 1)
            #expect(Self.value(text, "stormdrill_requests_sent_total") == 11)
            #expect(Self.value(text, "stormdrill_journeys_in_flight") == 1)
            #expect(text.contains(#"plan="weekly \"payment\"""#), "label values are escaped")
            #expect(
                Self.value(text, #"stormdrill_request_latency_seconds_bucket{journey="browse",step="menu",le="+Inf"}"#)
                    == 9)
            #expect(
                Self.value(text, #"stormdrill_request_latency_seconds_bucket{journey="browse",step="menu",le="0.001"}"#)
                    == 1)
            #expect(Self.value(text, #"stormdrill_fault_active{fault="payment-outage",type="down"}"#) == 0)
            #expect(text.contains("# TYPE stormdrill_request_latency_seconds histogram"))

            metrics.faultChanged("payment-outage", active: true)
            s.steps[0].count = 25
            s.steps[0].ok = 20
            s.requestsSent = 30
            metrics.publish(s)
            text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(Self.value(text, #"stormdrill_requests_total{journey="browse",step="menu",outcome="ok"}"#) == 20)
            #expect(Self.value(text, #"stormdrill_requests_total{journey="browse",step="menu",outcome="error"}"#) == 5)
            #expect(Self.value(text, #"stormdrill_fault_active{fault="payment-outage",type="down"}"#) == 1)
            // A lower total (should never come) leaves the counter where it was.
            s.requestsSent = 3
            metrics.publish(s)
            text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(Self.value(text, "stormdrill_requests_sent_total") == 30)
        }

        @Test("the fixed buckets of a snapshot count the values at or below each bound")
        func buckets() throws {
            var h = LatencyHistogram.make()
            for us: UInt64 in [500, 900, 3_000, 40_000, 2_000_000, 20_000_000] { _ = h.record(us) }
            var result = DrillResult()
            var stats = LatencyStats()
            stats.count = 6
            stats.ok = 6
            stats.latency = h
            result.steps = [stats]
            result.journeys = [LatencyStats()]
            let text = EngineTests.plan(
                target: #"{"baseURL": "http://127.0.0.1:9"}"#,
                load: #"{"model": "open", "stages": [{"duration": "1s", "rate": 1}]}"#,
                steps: #"[{"name": "s", "path": "/"}]"#)
            let decoded = try PlanDecoder.decode(Array(text.utf8), file: "t").get()
            let plan = CompiledPlan(plan: decoded, url: TargetURL(scheme: "http", host: "127.0.0.1", port: 9))
            let snapshot = MetricsSnapshot(result: result, plan: plan, inFlight: 0)
            let b = snapshot.steps[0].latency
            let bounds = MetricsSnapshot.bucketBounds
            #expect(b.count == 6)
            #expect(b.cumulative[bounds.firstIndex(of: 0.001)!] == 2)
            #expect(b.cumulative[bounds.firstIndex(of: 0.005)!] == 3)
            #expect(b.cumulative[bounds.firstIndex(of: 0.05)!] == 4)
            #expect(b.cumulative[bounds.firstIndex(of: 2.5)!] == 5)
            #expect(b.cumulative[bounds.firstIndex(of: 10)!] == 5, "20 s is only in +Inf")
            #expect(abs(b.sumSeconds - 22.0444) < 0.05, "\(b.sumSeconds)")
        }

        @Test("promtool check rules passes on the shipped rules, and check config on the shipped prometheus.yml")
        func shippedRules() throws {
            let promtool = try PrometheusFixture.tool("promtool")
            let rules = try ChildProcess.run(
                promtool, ["check", "rules", Repository.path("monitoring/campus-rules.yml")], timeout: 60)
            #expect(rules.status == 0, "\(rules.stdout)\(rules.stderr)")
            #expect(rules.stdout.contains("SUCCESS: 5 rules found"), "\(rules.stdout)")
            let config = try ChildProcess.run(
                promtool, ["check", "config", Repository.path("monitoring/prometheus.yml")], timeout: 60)
            #expect(config.status == 0, "\(config.stdout)\(config.stderr)")
            let text = try String(contentsOfFile: Repository.path("monitoring/campus-rules.yml"), encoding: .utf8)
            for alert in [
                "PaymentDown", "DispatchBreakerOpen", "OrderErrorRatioHigh", "OrderLatencyHigh",
                "PaymentsPendingPiling",
            ] {
                #expect(text.contains("- alert: \(alert)\n"), "\(alert)")
            }
        }

        /// Runs the weekly payment-outage drill (scaled to ~36 s) with its metrics on `metricsPort` and its alerts
        /// read from `prometheus`; the report.
        static func paymentOutageDrill(
            metricsPort: Int, prometheus: PrometheusFixture, label: String
        ) throws
            -> DrillReport
        {
            let dir = Repository.temporaryDirectory(label)
            let result = try ChildProcess.run(
                Repository.binary,
                [
                    "run", Repository.path("plans/weekly-payment-outage.json"), "--duration-scale", "0.15",
                    "--metrics", "127.0.0.1:\(metricsPort)", "--var", "prometheus=\(prometheus.baseURL)", "--out",
                    "\(dir)/reports", "--quiet",
                ],
                timeout: 180, environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect([0, 1, 3].contains(result.status), "\(result.stderr)")
            return try DrillEndToEndTests.onlyReport(in: "\(dir)/reports").1
        }

        @Test(
            "acceptance 1 and 3: PaymentDown detects the outage in time and resolves; Prometheus has the total"
        )
        func realPrometheus() async throws {
            let port = FreePort.find()
            let prometheus = try PrometheusFixture(
                targets: ["stormdrill": "127.0.0.1:\(port)"],
                rules: [Repository.path("monitoring/campus-rules.yml")])
            defer { Task { await prometheus.stop() } }
            let report = try Self.paymentOutageDrill(
                metricsPort: port, prometheus: prometheus, label: "monitoring-drill")
            let monitoring = try #require(report.monitoring)
            #expect(monitoring.polls > 20 && monitoring.failedPolls == 0, "\(monitoring)")
            let alert = try #require(monitoring.alerts.first)
            #expect(alert.alert == "PaymentDown" && alert.fault == "payment-outage")
            #expect(alert.outcome == .detected, "\(alert)")
            let detect = try #require(alert.timeToDetectMs)
            #expect(detect <= alert.withinMs && detect >= 0, "\(alert)")
            #expect(alert.resolvedAtMs != nil, "PaymentDown still firing at the end: \(alert)")
            #expect(!report.reasons.contains { $0.contains("PaymentDown") }, "\(report.reasons)")
            let md = MarkdownSummaryRenderer.render(report)
            #expect(md.contains("## Monitoring") && md.contains("`PaymentDown`"))
            #expect(md.contains("| time to detect | within | time to notice | time to announce | time to recover |"))
            #expect(SummaryRenderer.render(report, reportPath: nil).contains(", alert after "))
            #expect(HTMLReportRenderer.render(report).contains("id=\"monitoring\""))
            // The series go stale when the driver exits: read each one's last sample.
            let total = try await prometheus.query("sum(last_over_time(stormdrill_requests_total[10m]))")
            let seen = try #require(total.first?.value, "\(prometheus.logText.suffix(1500))")
            // A scrape happens every second and the driver serves its final totals until the report is written, so
            // the only requests Prometheus may have missed are those of the last scrape interval.
            let lastSecond = report.timeline.last.map { $0.ok + $0.errors } ?? 0
            #expect(abs(Int(seen) - report.totals.requests) <= lastSecond, "\(seen) vs \(report.totals.requests)")
            let ok = try await prometheus.query(#"sum(last_over_time(stormdrill_requests_total{outcome="ok"}[10m]))"#)
            #expect(abs(Int(ok.first?.value ?? -1) - report.totals.ok) <= lastSecond)
            // The platform's own series come through the driver's endpoint in embedded mode.
            let calls = try await prometheus.query(
                #"sum(last_over_time(campus_dependency_calls_total{dependency="payment"}[10m]))"#)
            #expect((calls.first?.value ?? 0) > 0)
            let fault = try await prometheus.query(
                #"max_over_time(stormdrill_fault_active{fault="payment-outage"}[10m])"#)
            #expect(fault.first?.value == 1)
            let fired = try await prometheus.query(
                #"max_over_time(ALERTS{alertname="PaymentDown",alertstate="firing"}[10m])"#)
            #expect(fired.first?.value == 1, "PaymentDown never fired")
            // Every series the shipped rules and dashboard query exists (a renamed metric would silence an alert).
            // A drill without a failed request has no error-class series (counters appear with their first error).
            for name in try Self.queriedMetrics()
            where name != "stormdrill_request_errors_total" || report.totals.errors > 0 {
                let found = try await prometheus.query("count(last_over_time(\(name)[10m]))")
                #expect((found.first?.value ?? 0) > 0, "\(name) is queried but never exported")
            }
        }

        @Test("acceptance 1: the same drill with the PaymentDown rule removed FAILs, naming the missing alert")
        func missingRule() async throws {
            let shipped = try String(contentsOfFile: Repository.path("monitoring/campus-rules.yml"), encoding: .utf8)
            let start = try #require(shipped.range(of: "      - alert: PaymentDown\n"))
            let next = try #require(shipped.range(of: "      - alert: DispatchBreakerOpen\n"))
            let without = String(shipped[..<start.lowerBound]) + String(shipped[next.lowerBound...])
            let dir = Repository.temporaryDirectory("rules-without-payment")
            let rules = "\(dir)/rules.yml"
            try without.write(toFile: rules, atomically: true, encoding: .utf8)
            let port = FreePort.find()
            let prometheus = try PrometheusFixture(targets: ["stormdrill": "127.0.0.1:\(port)"], rules: [rules])
            defer { Task { await prometheus.stop() } }
            let report = try Self.paymentOutageDrill(
                metricsPort: port, prometheus: prometheus, label: "monitoring-miss")
            let alert = try #require(report.monitoring?.alerts.first)
            #expect(alert.outcome == .missed, "\(alert)")
            // INVALID (a generator that fell behind on a loaded machine) outranks FAIL and gives only its own reasons.
            if report.verdict != .invalid {
                #expect(report.verdict == .fail)
                #expect(
                    report.reasons.contains("expected alert PaymentDown never fired for fault payment-outage"),
                    "\(report.reasons)")
            }
        }

        @Test(
            "acceptance 2: a PromQL probe gives the notice time; a PromQL abortWhen on the alert stops the drill"
        )
        func promQLProbeAndAbort() async throws {
            let port = FreePort.find()
            let prometheus = try PrometheusFixture(
                targets: ["stormdrill": "127.0.0.1:\(port)"],
                rules: [Repository.path("monitoring/campus-rules.yml")])
            defer { Task { await prometheus.stop() } }
            let dir = Repository.temporaryDirectory("promql-probe")
            let plan = """
                {"stormdrill": 1, "name": "promql-probe", "seed": 4, "target": {"embedded": "campus"},
                 "dependencies": [{"name": "payment", "listen": "127.0.0.1:19101", "upstream": "127.0.0.1:19001",
                                   "protocol": "http"}],
                 "load": {"model": "open", "stages": [{"duration": "40s", "rate": 20}]},
                 "journeys": [{"name": "order", "steps": [{"name": "place-order", "method": "POST", "path": "/orders",
                   "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"},
                   "body": {"reference": "{{order.id}}", "student": "{{order.student}}", "dorm": "{{order.dorm}}",
                            "gate": "{{order.gate}}", "canteen": "{{order.canteen}}", "items": "{{order.items}}",
                            "total": "{{order.total}}", "slot": "{{order.slot}}", "payment": "{{order.payment}}",
                            "pickupPoint": "{{order.pickupPoint}}"},
                   "expect": [200, 201, 202]}]}],
                 "faults": [{"name": "payment-outage", "dependency": "payment", "type": "down", "at": "6s",
                             "duration": "30s"}],
                 "probes": [{"name": "payment-breaker", "kind": "prometheus",
                             "query": "max(campus_breaker_state{dependency=\\"payment\\"})", "every": "500ms",
                             "condition": {"above": 1}}],
                 "abortWhen": [{"query": "count(ALERTS{alertname=\\"PaymentDown\\",alertstate=\\"firing\\"})",
                                "above": 0, "for": "2s"}],
                 "thresholds": [{"metric": "timeToNotice", "below": "20s", "during": "fault:payment-outage"}],
                 "monitoring": {"prometheus": "\(prometheus.baseURL)"}}
                """
            let path = try DrillEndToEndTests.writePlan(plan, in: dir)
            let result = try ChildProcess.run(
                Repository.binary,
                ["run", path, "--metrics", "127.0.0.1:\(port)", "--out", "\(dir)/reports", "--quiet"],
                timeout: 120, environment: ["STORMDRILL_STATE_DIR": "\(dir)/state"])
            #expect(result.status == 1 || result.status == 3, "\(result.stderr)")
            let (_, report) = try DrillEndToEndTests.onlyReport(in: "\(dir)/reports")
            let probe = try #require(report.probes?.first { $0.name == "payment-breaker" })
            #expect(probe.request.hasPrefix("PromQL max(campus_breaker_state"), "\(probe.request)")
            #expect(probe.samples > 10 && probe.failedSamples == 0, "\(probe)")
            #expect(probe.changes.contains { $0.holds && $0.atMs > 6000 }, "\(probe.changes)")
            // The abort tripped on the platform's alert, during the outage and well before the load's end.
            let abort = try #require(report.abort, "\(report.reasons)")
            #expect(abort.condition.hasPrefix("PromQL count(ALERTS"), "\(abort.condition)")
            #expect(abort.atMs > 6000 && abort.atMs < 36_000, "\(abort)")
            #expect(report.status == .aborted)
            let notice = try #require(report.recovery?.faults.first?.notices.first { $0.probe == "payment-breaker" })
            let shown = try #require(notice.timeToNoticeMs, "\(notice)")
            #expect(shown >= 0 && shown < 20_000, "\(notice)")
        }

        /// The metric names the shipped rules and Grafana dashboard use.
        static func queriedMetrics() throws -> Set<String> {
            var names = Set<String>()
            for file in ["monitoring/campus-rules.yml", "monitoring/grafana-dashboard.json"] {
                let text = try String(contentsOfFile: Repository.path(file), encoding: .utf8)
                let pattern = try Regex(#"\b(stormdrill|campus)_[a-z_]+"#)
                for match in text.matches(of: pattern) { names.insert(String(text[match.range])) }
            }
            // The histograms' series are queried by their _bucket names; the family names are not series.
            return names.filter { !$0.hasSuffix("_") }
        }
    }
}
