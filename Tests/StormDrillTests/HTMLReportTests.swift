import Foundation
import Testing

@testable import StormDrillReport

extension StormDrillTests {
    /// The self-contained HTML report and its SVG charts, checked on the markup (HTMLReportBrowserTests renders the
    /// same rich report in headless Chromium).
    @Suite("HTML report")
    struct HTMLReportTests {
        // MARK: - Synthetic reports

        /// The plan name of the rich report: markup characters that must come out escaped.
        static let richPlanName = #"Lunch <rush> & "payment" outage"#

        /// A rich synthetic report: a 30 s open-model drill at about 100 requests/s with the 100 ms detail, a
        /// `payment-down` fault from 10 s to 15 s causing incident #1 (recovered at 16.4 s), an unplanned incident #2
        /// (22.0–23.5 s), an incident-notice probe, an audit with lost orders, thresholds (one failing), SLO objectives
        /// and a capacity ramp with a knee and an uncovered forecast.
        static func richReport() -> DrillReport {
            // 300 slices of 100 ms: healthy, then mostly errors and slow during the fault, a latency blip at 22–23.5 s.
            var detail = TimelineDetail(resolutionMs: 100)
            for i in 0..<300 {
                let ms = Double(i) * 100
                let wobble = Int((sin(Double(i) / 3) * 1.5).rounded())
                let inFault = ms >= 10_200 && ms < 16_400
                let blip = ms >= 22_000 && ms < 23_500
                let ok = inFault ? 2 : 10 + wobble
                let errors = inFault ? 7 : (i % 37 == 0 ? 1 : 0)
                let p50 = inFault ? 180 + Double(i % 7) * 10 : blip ? 240 : 18 + Double(i % 5)
                let p99 = inFault ? 2_100 + Double(i % 9) * 40 : blip ? 900 : 45 + Double(i % 11) * 2
                detail.append(
                    sent: ok + errors, ok: ok, errors: errors, dropped: inFault && i % 4 == 0 ? 1 : 0,
                    journeysOk: ok / 2, journeysFailed: errors / 2, p50: p50, p99: p99)
            }
            let timeline = (0..<30).map { s -> TimelineEntry in
                let slice = (s * 10)..<(s * 10 + 10)
                let ok = slice.map { detail.ok[$0] }.reduce(0, +)
                let errors = slice.map { detail.errors[$0] }.reduce(0, +)
                return TimelineEntry(
                    t: s, sent: ok + errors, ok: ok, errors: errors,
                    dropped: slice.map { detail.dropped[$0] }.reduce(0, +),
                    p50: slice.map { detail.p50[$0] }.max() ?? 0, p99: slice.map { detail.p99[$0] }.max() ?? 0,
                    inFlight: 12, journeysStarted: ok / 2, journeysOk: ok / 2, journeysFailed: errors / 2,
                    offered: 5 + Double(s) * 5)
            }
            let latency = LatencySummary(
                count: 2_900, p50: 21.4, p90: 160, p95: 410, p99: 2_240, p999: 2_600, max: 2_710, mean: 88)
            let service = LatencySummary(
                count: 2_900, p50: 12.1, p90: 90, p95: 300, p99: 1_900, p999: 2_300, max: 2_400, mean: 60)
            let step = { (name: String, method: String, count: Int, errors: Int) in
                StepReport(
                    journey: "order", name: name, method: method, count: count, ok: count - errors, errors: errors,
                    errorsByClass: errors > 0 ? ["http_503": errors - 3, "timeout": 3] : [:], latency: latency,
                    serviceLatency: service)
            }
            let points = (0..<30).map { s -> CapacityPoint in
                let offered = 5 + Double(s) * 5
                let achieved = offered <= 100 ? offered * 0.98 : 100 - (offered - 100) * 0.1
                return CapacityPoint(
                    t: s, offered: offered, achieved: achieved, errorRate: offered <= 100 ? 0.002 : 0.08,
                    p99Ms: offered <= 100 ? 120 + offered : 900 + (offered - 100) * 20, dropped: offered > 120 ? 3 : 0,
                    withinSLO: offered <= 100)
            }
            return DrillReport(
                tool: ToolInfo(version: "0.9.0-test"), status: .completed, verdict: .fail,
                reasons: ["threshold lostOrders equals 0: 3 lost", "slo p99: 2.24s vs 800ms"],
                plan: PlanInfo(
                    name: richPlanName, description: "Payment goes down for five seconds at lunch.",
                    file: "plans/lunch-payment-outage.json", sha256: String(repeating: "ab", count: 32), seed: 42,
                    formatVersion: 1),
                target: TargetInfo(
                    url: "http://127.0.0.1:18080", embedded: "campus", timeoutMs: 2_000, connections: 16),
                load: LoadInfo(
                    model: "open", plannedDurationSeconds: 30, arrival: "poisson", shape: "lunch",
                    stages: [StageInfo(durationSeconds: 30, from: 5, to: 150)], maxInFlight: 200, plannedArrivals: 2_250
                ),
                startedAt: "2026-11-25T12:00:00.000Z", durationSeconds: 30.4,
                totals: Totals(
                    journeys: 1_460, journeysOk: 1_300, journeysFailed: 150, journeysAbandoned: 0, requests: 3_100,
                    ok: 2_800, errors: 300, dropped: 16, errorRate: 0.113,
                    throughput: Throughput(requestsPerSecond: 103.3, journeysPerSecond: 48.3)),
                latency: latency, serviceLatency: service,
                errors: ["http_503": 130, "timeout": 20, "dropped": 16],
                errorSamples: ["other: <script>alert(1)</script> & friends"],
                slo: [
                    ObjectiveResult(name: "p99", limit: "800ms", actual: 2_240, passed: false),
                    ObjectiveResult(name: "errorRate", limit: "0.2", actual: 0.113, passed: true),
                ],
                journeys: [
                    JourneyReport(
                        name: "order", weight: 1, count: 1_450, ok: 1_300, failed: 150,
                        errors: ["http_503": 130, "timeout": 20], latency: latency, serviceLatency: service)
                ],
                steps: [
                    step("menu", "GET", 1_460, 0), step("place order", "POST", 1_460, 150),
                    step("status", "GET", 180, 0),
                ],
                timeline: timeline,
                generator: GeneratorReport(
                    eventLoops: 2, lagP50Ms: 0.05, lagP99Ms: 0.4, lagMaxMs: 3.1, dropped: 16, saturated: false,
                    cpuBusyMax: 0.31, saturatedSeconds: 0, connectionsOpened: 18),
                faults: [
                    FaultReport(
                        name: "payment-down", type: "down", on: "payment", plannedStartMs: 10_000, plannedEndMs: 15_000,
                        actualStartMs: 10_000.4, actualEndMs: 15_000.9, outcome: .applied, verified: true,
                        evidence: "connect to 127.0.0.1:19001 refused (ECONNREFUSED) in 0.1 ms",
                        rollback: "proxy enabled")
                ],
                detail: detail,
                recovery: RecoveryReport(
                    resolutionMs: 100,
                    settings: RecoverySettingsReport(
                        errorTolerance: 0.05, latencyFactor: 3, latencyFloorMs: 50, throughputFloor: 0.5,
                        stableForMs: 2_000, minIncidentMs: 500),
                    baseline: BaselineReport(
                        fromMs: 2_000, toMs: 10_000, throughput: 100, errorRate: 0.003, p99Ms: 60, steady: true),
                    incidents: [
                        IncidentReport(
                            id: 1, startMs: 10_200, recoveredAtMs: 16_400, durationMs: 6_200, recovered: true,
                            fault: "payment-down", causes: ["errors", "latency", "throughput"], worstErrorRate: 0.78,
                            worstP99Ms: 2_420, throughputLost: 496, failedRequests: 434),
                        IncidentReport(
                            id: 2, startMs: 22_000, recoveredAtMs: 23_500, durationMs: 1_500, recovered: true,
                            fault: nil,
                            causes: ["latency"], worstErrorRate: 0, worstP99Ms: 900, throughputLost: 0,
                            failedRequests: 0),
                    ],
                    faults: [
                        FaultImpactReport(
                            fault: "payment-down", startMs: 10_000.4, endMs: 15_000.9, impacted: true, incident: 1,
                            timeToImpactMs: 199.6, impactDurationMs: 6_200, timeToRecoverMs: 1_399.1, recovered: true,
                            worstErrorRate: 0.78, worstP99Ms: 2_420, throughputLost: 496,
                            notices: [
                                NoticeReport(probe: "incident-notice", timeToNoticeMs: 1_200, timeToClearMs: 2_300)
                            ])
                    ],
                    mttrMs: 3_850, unrecovered: 0),
                probes: [
                    ProbeReport(
                        name: "incident-notice", request: "GET /status", condition: #"/incident != "none""#,
                        everyMs: 500, samples: 60, failedSamples: 1,
                        changes: [
                            ProbeChange(atMs: 250, holds: false), ProbeChange(atMs: 11_200, holds: true),
                            ProbeChange(atMs: 18_700, holds: false),
                        ])
                ],
                audit: AuditReport(
                    request: "GET /orders/{{extract.orderId}}", condition: "status 200 and /id exists",
                    acknowledged: 1_300,
                    checked: 1_298, found: 1_295, lost: 3, lostIds: ["ord-1041", "ord-1187", "ord-1203"], unverified: 2,
                    duplicates: 1, duplicateKeys: ["key-77"], durationMs: 840, incomplete: false,
                    compensation: CompensationAuditReport(
                        condition: "/voucher exists", eligible: 40, passed: 38, share: 0.95,
                        failedIds: ["ord-1150", "ord-1161"])),
                capacity: CapacityReport(
                    windowMs: 3_000, capacity: 100, throughputAtCapacity: 98, limitReached: true, brokeAtMs: 20_000,
                    brokeAtRate: 105, brokenBy: ["latency"], peakThroughput: 98, pastKnee: "plateau", points: points,
                    forecast: ForecastReport(
                        peakRate: 120, headroom: 1.25, required: 150, covered: false, margin: -0.333)),
                thresholds: [
                    ThresholdResult(
                        metric: "p99", during: "baseline", condition: "below 800ms", actual: 60, actualText: "60.0 ms",
                        passed: true),
                    ThresholdResult(
                        metric: "timeToRecover", during: "fault:payment-down", condition: "below 5s", actual: 1_399.1,
                        actualText: "1.40 s", passed: true),
                    ThresholdResult(
                        metric: "lostOrders", during: "whole", condition: "equals 0", actual: 3, actualText: "3",
                        passed: false),
                ])
        }

        /// A report as written before the optional sections existed: no detail, recovery, probes, audit, capacity,
        /// thresholds, faults or abort; and, here, nothing ran at all (empty timeline, no responses).
        static func minimalReport(timeline: [TimelineEntry] = []) -> DrillReport {
            DrillReport(
                tool: ToolInfo(version: "0.1.0"), status: .interrupted, interruption: "SIGINT after 0.4s of 10.0s",
                verdict: .invalid, reasons: ["the generator was saturated"],
                plan: PlanInfo(
                    name: "old drill", description: "", file: "old.json", sha256: "00", seed: 1, formatVersion: 1),
                target: TargetInfo(url: "http://127.0.0.1:1", embedded: nil, timeoutMs: 1_000, connections: 1),
                load: LoadInfo(model: "closed", plannedDurationSeconds: 10, users: 2, thinkTimeMs: 100),
                startedAt: "2026-01-02T03:04:05.678Z", durationSeconds: 0.4,
                totals: Totals(
                    journeys: 0, journeysOk: 0, journeysFailed: 0, journeysAbandoned: 0, requests: 0, ok: 0, errors: 0,
                    dropped: 0, errorRate: 0, throughput: Throughput(requestsPerSecond: 0, journeysPerSecond: 0)),
                latency: .empty, serviceLatency: .empty, errors: [:], errorSamples: [], slo: [], journeys: [],
                steps: [],
                timeline: timeline,
                generator: GeneratorReport(
                    eventLoops: 1, lagP50Ms: 0, lagP99Ms: 9, lagMaxMs: 12, dropped: 0, saturated: true, cpuBusyMax: 1,
                    saturatedSeconds: 3, connectionsOpened: 0))
        }

        // MARK: - Markup helpers

        /// The `<svg …>…</svg>` elements of a page.
        static func svgs(_ html: String) -> [String] {
            var result: [String] = []
            var rest = html[...]
            while let open = rest.range(of: "<svg"), let close = rest[open.lowerBound...].range(of: "</svg>") {
                result.append(String(rest[open.lowerBound..<close.upperBound]))
                rest = rest[close.upperBound...]
            }
            return result
        }

        static func occurrences(_ needle: String, in text: String) -> Int {
            text.components(separatedBy: needle).count - 1
        }

        /// Open and close tags balance for the elements that must be closed (void and self-closed ones skipped).
        static func unbalancedTags(_ html: String) -> [String] {
            let void: Set = ["meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"]
            var stack: [String] = []
            var problems: [String] = []
            var index = html.startIndex
            // Style sheet text holds no tags; skip it so selectors such as `a > b` do not confuse the scan.
            let text = html.replacingOccurrences(
                of: #"<style>[\s\S]*?</style>"#, with: "<style></style>", options: .regularExpression)
            index = text.startIndex
            while let lt = text[index...].firstIndex(of: "<") {
                guard let gt = text[lt...].firstIndex(of: ">") else {
                    problems.append("unterminated tag")
                    break
                }
                let tag = text[text.index(after: lt)..<gt]
                index = text.index(after: gt)
                if tag.hasPrefix("!") || tag.hasPrefix("?") { continue }
                if tag.hasSuffix("/") { continue }
                if tag.hasPrefix("/") {
                    let name = tag.dropFirst().lowercased()
                    if stack.last == name {
                        stack.removeLast()
                    } else {
                        problems.append("</\(name)> closes <\(stack.last ?? "nothing")>")
                        if let i = stack.lastIndex(of: name) { stack.removeSubrange(i...) }
                    }
                    continue
                }
                let name = String(tag.prefix { !$0.isWhitespace }).lowercased()
                if !void.contains(name) { stack.append(name) }
            }
            return problems + stack.map { "<\($0)> never closed" }
        }

        /// Whether `nan` or `inf` was written anywhere (a coordinate or label computed from a non-finite value).
        static func hasNonFinite(_ svg: String) -> Bool {
            svg.range(of: #"(?i)\b(nan|[-+]?inf(inity)?)\b"#, options: .regularExpression) != nil
        }

        static let externalReferencePatterns = [
            #"(?i)\b(src|href|action|poster|data|srcset|xlink:href)\s*=\s*["']?\s*(https?:)?//"#,
            #"(?i)url\(\s*["']?\s*(https?:)?//"#,
            #"(?i)@import"#,
            #"(?i)<link\b"#,
            #"(?i)<(img|iframe|object|embed)\b"#,
        ]

        // MARK: - Tests

        @Test("the rich report is self-contained: no script at all, no reference to the network")
        func selfContained() {
            let html = HTMLReportRenderer.render(Self.richReport())
            #expect(html.hasPrefix("<!doctype html>"))
            #expect(html.contains("<meta charset=\"utf-8\">"))
            #expect(!html.lowercased().contains("<script"))
            #expect(!html.lowercased().contains("javascript:"))
            #expect(html.range(of: #"(?i)<[^>]*\son[a-z]+\s*="#, options: .regularExpression) == nil, "event handler")
            for pattern in Self.externalReferencePatterns {
                let found = html.range(of: pattern, options: .regularExpression).map { String(html[$0]) }
                #expect(found == nil, "external reference matching \(pattern): \(found ?? "")")
            }
            // Links only within the page.
            let hrefs = html.matches(of: /href="([^"]*)"/).map { String($0.1) }
            #expect(!hrefs.isEmpty)
            #expect(hrefs.allSatisfy { $0.hasPrefix("#") }, "\(hrefs)")
        }

        @Test("the markup is well formed: every svg closed, tags balanced, one chart per time series and capacity")
        func wellFormed() {
            for report in [Self.richReport(), Self.minimalReport()] {
                let html = HTMLReportRenderer.render(report)
                #expect(Self.occurrences("<svg", in: html) == Self.occurrences("</svg>", in: html))
                let problems = Self.unbalancedTags(html)
                #expect(problems.isEmpty, "\(problems.prefix(10))")
                #expect(html.hasSuffix("</html>\n"))
            }
            let rich = Self.svgs(HTMLReportRenderer.render(Self.richReport()))
            #expect(rich.count == 4)
            for svg in rich {
                #expect(svg.contains("class=\"chart\""))
                #expect(svg.contains("viewBox=\"0 0 "))
                #expect(svg.contains("<polyline class=\"series-line\""))
                #expect(!Self.hasNonFinite(svg), "non-finite coordinates")
            }
        }

        @Test("the fault window is a labelled band in every time chart; incidents, recovery and the knee are marked")
        func faultWindowsAndMarkers() throws {
            let charts = Self.svgs(HTMLReportRenderer.render(Self.richReport()))
            try #require(charts.count == 4)
            for svg in charts.prefix(3) {
                #expect(svg.contains("class=\"band fault-window\""))
                #expect(svg.contains(">payment-down</text>"), "the fault's name as a label")
                #expect(svg.contains("class=\"band incident-window\""), "the unplanned incident, shaded differently")
                #expect(svg.contains(">incident #2</text>"))
                #expect(svg.contains(">#1 impact</text>"))
                #expect(svg.contains(">#1 recovered</text>"))
            }
            // The band spans 10 s to 15 s of the 30.4 s axis: about a sixth of the plot's width.
            let band = try #require(
                charts[0].firstMatch(of: /class="band fault-window" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"/))
            let plot = try #require(
                charts[0].firstMatch(of: /class="plot-area" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"/))
            let share = (Double(band.2)! / Double(plot.2)!)
            #expect(abs(share - 5.0 / 30.4) < 0.01, "band share \(share)")
            // The SLO limit and the baseline are drawn as reference lines on the latency chart.
            #expect(charts[2].contains("SLO p99 800ms"))
            #expect(charts[2].contains("baseline p99"))
            // The capacity chart marks the knee and the forecast requirement.
            #expect(charts[3].contains(">capacity 100/s</text>"))
            #expect(charts[3].contains(">forecast need 150/s</text>"))
        }

        @Test("the failing threshold is named and marked, and the sections of the rich report are all there")
        func sections() {
            let html = HTMLReportRenderer.render(Self.richReport())
            #expect(html.contains(#"<tr class="fail" title="lostOrders equals 0"><td>lostOrders</td>"#))
            #expect(html.contains("2 of 3") == false && html.contains("1 of 3 failed."))
            for id in [
                "figures", "charts", "capacity", "thresholds", "slo", "faults", "incidents", "audit", "probes",
                "journeys", "steps", "errors", "generator",
            ] {
                #expect(html.contains("<section id=\"\(id)\""), "missing section \(id)")
            }
            #expect(html.contains("class=\"verdict verdict-fail\""))
            for text in [
                "ord-1041", "ord-1203", "key-77", "ord-1150", "MTTR", "3.85s", "incident-notice", "shown after 1.20s",
                "proxy enabled", "✓ verified", "ECONNREFUSED", "1.40s after the fault ended", "NOT covered",
                "lag p50 / p99 / max", "3,100", "http_503",
            ] {
                #expect(
                    html.contains(SVGChart.escape(text)) || html.lowercased().contains(text.lowercased()),
                    "missing \(text)")
            }
        }

        @Test("every text from the report is escaped: a plan name with <&> and an error sample with a script tag")
        func escaping() {
            let html = HTMLReportRenderer.render(Self.richReport())
            #expect(html.contains("Lunch &lt;rush&gt; &amp; &quot;payment&quot; outage"))
            #expect(!html.contains("<rush>"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends"))
            #expect(!html.lowercased().contains("<script"))
            #expect(SVGChart.escape("a<b>&\"c'\u{1}") == "a&lt;b&gt;&amp;&quot;c&#39;")
        }

        @Test("an old report without any optional section renders, and its empty timeline says no data")
        func minimalReport() {
            let html = HTMLReportRenderer.render(Self.minimalReport())
            #expect(html.contains("class=\"verdict verdict-invalid\""))
            #expect(html.contains("SIGINT after 0.4s of 10.0s"))
            for id in ["capacity", "thresholds", "faults", "incidents", "audit", "probes", "steps", "errors", "slo"] {
                #expect(!html.contains("<section id=\"\(id)\""), "section \(id) should be left out")
            }
            #expect(!html.contains("MTTR") && !html.contains("Lost orders"))
            let charts = Self.svgs(html)
            #expect(charts.count == 3)
            for svg in charts {
                #expect(svg.contains("class=\"chart chart-empty\""))
                #expect(svg.contains(">no data</text>"))
                #expect(!svg.contains("<polyline"))
            }
            #expect(html.contains("saturated"))
        }

        @Test("without the 100 ms detail the charts are drawn from the per-second timeline")
        func timelineFallback() {
            var report = Self.richReport()
            report.detail = nil
            let charts = Self.svgs(HTMLReportRenderer.render(report))
            let line = charts[0].firstMatch(of: /<polyline class="series-line" points="([^"]*)"/)
            #expect(line.map { $0.1.split(separator: " ").count } == 30)
            #expect(HTMLReportRenderer.render(report).contains("Points are 1 s steps"))
        }

        @Test("long drills are aggregated to coarser steps; a short one keeps its 100 ms slices")
        func chartStep() {
            #expect(HTMLReportRenderer.chartStepMs(slices: 300, resolutionMs: 100) == 100)
            #expect(HTMLReportRenderer.chartStepMs(slices: 1_200, resolutionMs: 100) == 200)
            #expect(HTMLReportRenderer.chartStepMs(slices: 3_000, resolutionMs: 50) == 250)
            #expect(HTMLReportRenderer.chartStepMs(slices: 3_000, resolutionMs: 100) == 500)
            #expect(HTMLReportRenderer.chartStepMs(slices: 6_000, resolutionMs: 100) == 1_000)
            #expect(HTMLReportRenderer.chartStepMs(slices: 36_000, resolutionMs: 100) == 10_000)
            let html = HTMLReportRenderer.render(Self.richReport())
            #expect(html.contains("Points are 100 ms steps from the 100 ms timeline"))
        }

        // MARK: - SVGChart on its own

        @Test("a chart without data draws a visible note, not a broken or empty svg")
        func emptyChart() {
            let svg = SVGChart(title: "Nothing", y: .init(format: .percent)).render()
            #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
            #expect(svg.contains("class=\"no-data\""))
            #expect(svg.contains(">no data</text>"))
            var nan = SVGChart(title: "All NaN")
            nan.series = [.init(name: "x", x: [0, 1], y: [.nan, .infinity])]
            #expect(nan.render().contains(">no data</text>"))
            #expect(!nan.hasData)
        }

        @Test("non-finite values break the line, a single point is a dot, huge ranges stay finite, output is stable")
        func edgeCases() {
            var chart = SVGChart(title: "Edges <&>", id: "edges")
            chart.series = [
                .init(name: "gappy", x: [0, 1, 2, 3, 4, 5], y: [1, 2, .nan, 4, 5, -.infinity]),
                .init(name: "single", points: [.init(2.5, 3)]),
            ]
            let svg = chart.render()
            #expect(Self.occurrences("<polyline class=\"series-line\"", in: svg) == 2)
            #expect(svg.contains("<circle class=\"series-dot\""))
            #expect(svg.contains("<title>Edges &lt;&amp;&gt;</title>"))
            #expect(!Self.hasNonFinite(svg))
            #expect(svg == chart.render(), "deterministic")
            #expect(
                !svg.contains("xmlns")
                    && chart.render(standalone: true).contains("xmlns=\"http://www.w3.org/2000/svg\""))

            var huge = SVGChart(title: "Huge", x: .init(format: .seconds), y: .init(format: .milliseconds))
            huge.series = [.init(name: "h", points: [.init(0, -1e308), .init(1e200, 1e308), .init(2e200, 5)])]
            let hugeSVG = huge.render()
            #expect(!Self.hasNonFinite(hugeSVG))
            #expect(hugeSVG.count < 20_000, "labels stay compact")
            #expect(Self.unbalancedTags(hugeSVG).isEmpty)

            let single = SVGChart(
                title: "One run", x: .init(format: .date), y: .init(format: .milliseconds),
                series: [.init(name: "p99", points: [.init(1_764_000_000, 812)], style: .dots)])
            #expect(single.render().contains("<circle class=\"series-dot\""))
        }

        @Test("nice ticks and value formats")
        func ticksAndFormats() {
            #expect(SVGChart.format(1_500, .milliseconds) == "1.5 s")
            #expect(SVGChart.format(250, .milliseconds) == "250 ms")
            #expect(SVGChart.format(0.05, .percent) == "5%")
            #expect(SVGChart.format(150, .seconds) == "2m30s")
            #expect(SVGChart.format(12_500, .number(unit: "/s")) == "12.5k/s")
            #expect(SVGChart.format(.nan, .number()) == "–")
            #expect(SVGChart.format(1_764_000_000, .date) == "2025-11-24 16:00")
            var chart = SVGChart(title: "t", x: .init(format: .seconds), y: .init(format: .number()))
            chart.series = [.init(name: "s", x: [0, 30], y: [0, 97])]
            let labels = chart.render().matches(of: /text-anchor="end">([^<]*)</).map { String($0.1) }
            #expect(labels == ["0", "20", "40", "60", "80", "100"], "\(labels)")
        }
    }
}
