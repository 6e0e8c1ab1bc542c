import Foundation

/// The drill report as one self-contained HTML page (`report.html`): inline CSS and inline SVG charts, no script,
/// no external reference, readable on a laptop and printable. Rendered from the `DrillReport` alone, so any
/// `report.json` (including one written before the optional sections existed) can be rendered again; each optional
/// section is left out when the report has none.
///
/// The page: a header (plan, verdict badge, status, start, target, load), the verdict's reasons, key figures, charts
/// over drill time (throughput, error rate, latency; fault windows shaded and labelled, unplanned incidents shaded
/// differently, impact starts and recovery points marked), the capacity chart, then tables of thresholds, SLO
/// objectives, faults with their recovery measures, incidents, audits, probes, journeys, steps, errors and the
/// generator's health. Every text from the report is escaped.
public enum HTMLReportRenderer {
    /// The complete page, starting with `<!doctype html>`.
    public static func render(_ report: DrillReport) -> String {
        var page = Page(report: report)
        return page.render()
    }

    /// The time step the charts use for a drill of `slices` slices of `resolutionMs`: the slice itself while that
    /// gives at most 600 points, else the first of 200 ms, 250 ms, 500 ms, 1 s, 2 s, 5 s… that does and is a whole
    /// number of slices (with 100 ms slices: 200 ms up to 2 minutes, 500 ms up to 5, then 1 s up to 10).
    static func chartStepMs(slices: Int, resolutionMs: Double) -> Double {
        let resolution = resolutionMs > 0 && resolutionMs.isFinite ? resolutionMs : 100
        let spanMs = Double(slices) * resolution
        for candidate in [resolution, 200, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000] {
            let k = candidate / resolution
            guard k >= 1, abs(k - k.rounded()) < 1e-9 else { continue }
            if spanMs / candidate <= 600 { return candidate }
        }
        return Swift.max(1, (spanMs / 600 / resolution).rounded(.up)) * resolution
    }
}

// MARK: - Series over drill time

extension HTMLReportRenderer {
    /// The report's timeline as chart points: rates per second at the middle of each step.
    struct TimeSeries {
        /// Seconds from the drill start (middle of each step).
        var t: [Double] = []
        var okPerSecond: [Double] = []
        var errorsPerSecond: [Double] = []
        var droppedPerSecond: [Double] = []
        /// errors / (ok + errors); NaN when nothing completed.
        var errorRate: [Double] = []
        /// ms; NaN when nothing completed.
        var p50: [Double] = []
        var p99: [Double] = []
        /// Length of one step, seconds.
        var stepSeconds: Double = 1
        /// Where the points came from, for the captions.
        var source = ""

        var isEmpty: Bool { t.isEmpty }

        /// From the 100 ms `detail` when present (aggregated to at most about 600 points), else from the per-second
        /// `timeline`.
        init(_ report: DrillReport) {
            if let detail = report.detail, detail.count > 0 {
                self.init(detail: detail)
            } else {
                self.init(timeline: report.timeline)
            }
        }

        init(detail d: TimelineDetail) {
            let resolution = d.resolutionMs > 0 && d.resolutionMs.isFinite ? d.resolutionMs : 100
            let stepMs = HTMLReportRenderer.chartStepMs(slices: d.count, resolutionMs: resolution)
            let k = Swift.max(1, Int((stepMs / resolution).rounded()))
            stepSeconds = stepMs / 1000
            let slice = HTMLReportRenderer.duration(resolution)
            source = "\(HTMLReportRenderer.duration(stepMs)) steps from the \(slice) timeline"
            func at<T: Numeric>(_ a: [T], _ i: Int) -> T { i < a.count ? a[i] : 0 }
            var start = 0
            while start < d.count {
                let end = Swift.min(start + k, d.count)
                var ok = 0
                var errors = 0
                var dropped = 0
                var p99 = -Double.infinity
                var p50Sum = 0.0
                var p50Weight = 0.0
                for i in start..<end {
                    let o = at(d.ok, i)
                    let e = at(d.errors, i)
                    ok += o
                    errors += e
                    dropped += at(d.dropped, i)
                    let q99 = at(d.p99, i)
                    if q99 > 0, q99.isFinite { p99 = Swift.max(p99, q99) }
                    let q50 = at(d.p50, i)
                    if q50 > 0, q50.isFinite {
                        let w = Double(Swift.max(o + e, 1))
                        p50Sum += q50 * w
                        p50Weight += w
                    }
                }
                let seconds = Double(end - start) * resolution / 1000
                t.append((Double(start) * resolution + Double(end - start) * resolution / 2) / 1000)
                okPerSecond.append(Double(ok) / seconds)
                errorsPerSecond.append(Double(errors) / seconds)
                droppedPerSecond.append(Double(dropped) / seconds)
                errorRate.append(ok + errors > 0 ? Double(errors) / Double(ok + errors) : .nan)
                self.p99.append(p99 > 0 ? p99 : .nan)
                p50.append(p50Weight > 0 ? p50Sum / p50Weight : .nan)
                start = end
            }
        }

        init(timeline: [TimelineEntry]) {
            stepSeconds = 1
            source = "1 s steps"
            for e in timeline.sorted(by: { $0.t < $1.t }) {
                t.append(Double(e.t) + 0.5)
                okPerSecond.append(Double(e.ok))
                errorsPerSecond.append(Double(e.errors))
                droppedPerSecond.append(Double(e.dropped))
                errorRate.append(e.ok + e.errors > 0 ? Double(e.errors) / Double(e.ok + e.errors) : .nan)
                p50.append(e.p50 > 0 ? e.p50 : .nan)
                p99.append(e.p99 > 0 ? e.p99 : .nan)
            }
        }
    }
}

// MARK: - The page

extension HTMLReportRenderer {
    /// One column of a table: its heading and whether its cells are numbers (right-aligned).
    struct Column {
        var title: String
        var numeric = false

        static func text(_ title: String) -> Column { Column(title: title) }
        static func number(_ title: String) -> Column { Column(title: title, numeric: true) }
    }

    /// One table row: cells already escaped HTML, an optional class (`fail`, `warn`) and tooltip.
    struct Row {
        var cells: [String]
        var cssClass: String?
        var title: String?
    }

    /// Writes the page section by section.
    struct Page {
        let report: DrillReport
        var out = ""

        init(report: DrillReport) { self.report = report }

        mutating func render() -> String {
            let r = report
            out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            out += "<meta name=\"color-scheme\" content=\"light\">\n"
            out += "<meta name=\"generator\" content=\"\(h(r.tool.name)) \(h(r.tool.version))\">\n"
            out += "<title>\(h(r.plan.name)) — \(h(r.verdict.rawValue)) — StormDrill report</title>\n"
            out += "<style>\n\(HTMLReportRenderer.css)</style>\n</head>\n<body>\n<main>\n"
            header()
            reasons()
            figures()
            charts()
            capacity()
            thresholds()
            objectives()
            faults()
            gameDay()
            incidents()
            audit()
            probes()
            journeys()
            steps()
            errors()
            generator()
            footer()
            out += "</main>\n</body>\n</html>\n"
            return out
        }

        // MARK: Building blocks

        mutating func open(_ id: String, _ title: String) {
            out += "<section id=\"\(id)\">\n<h2>\(h(title))</h2>\n"
        }

        mutating func close() { out += "</section>\n" }

        /// A paragraph of already escaped HTML.
        mutating func paragraph(_ html: String, class cssClass: String? = nil) {
            out += cssClass.map { "<p class=\"\($0)\">" } ?? "<p>"
            out += html + "</p>\n"
        }

        /// A table that scrolls sideways on its own when it is wider than the page.
        mutating func table(_ columns: [Column], _ rows: [Row], class cssClass: String? = nil) {
            out += "<div class=\"table-wrap\"><table\(cssClass.map { " class=\"\($0)\"" } ?? "")>\n"
            if !columns.isEmpty {
                out += "<thead><tr>"
                for c in columns {
                    out += c.numeric ? "<th class=\"num\">\(h(c.title))</th>" : "<th>\(h(c.title))</th>"
                }
                out += "</tr></thead>\n"
            }
            out += "<tbody>\n"
            for row in rows {
                out += "<tr"
                if let c = row.cssClass { out += " class=\"\(c)\"" }
                if let t = row.title { out += " title=\"\(h(t))\"" }
                out += ">"
                for (i, cell) in row.cells.enumerated() {
                    let numeric = i < columns.count && columns[i].numeric
                    out += numeric ? "<td class=\"num\">\(cell)</td>" : "<td>\(cell)</td>"
                }
                out += "</tr>\n"
            }
            out += "</tbody>\n</table></div>\n"
        }

        /// A two-column table of labelled values.
        mutating func facts(_ items: [(label: String, value: String, bad: Bool)]) {
            out += "<div class=\"table-wrap\"><table class=\"facts\">\n<tbody>\n"
            for item in items {
                out += "<tr\(item.bad ? " class=\"fail\"" : "")><th>\(h(item.label))</th>"
                out += "<td class=\"num\">\(h(item.value))</td></tr>\n"
            }
            out += "</tbody>\n</table></div>\n"
        }

        mutating func idList(_ ids: [String]) {
            out += "<ul class=\"ids\">" + ids.map { "<li><code>\(h($0))</code></li>" }.joined() + "</ul>\n"
        }

        mutating func figure(_ chart: SVGChart, caption: String) {
            out += "<figure class=\"chart-figure\">\n\(chart.render())\n"
            out += "<figcaption>\(h(caption))</figcaption>\n</figure>\n"
        }

        // MARK: Header, reasons, key figures

        mutating func header() {
            let r = report
            out += "<header class=\"report-header\">\n<p class=\"kicker\">StormDrill drill report</p>\n"
            out += "<div class=\"title-row\"><h1>\(h(r.plan.name))</h1>"
            out += "<span class=\"verdict verdict-\(r.verdict.rawValue.lowercased())\" id=\"verdict\">"
            out += "\(h(r.verdict.rawValue))</span></div>\n"
            if !r.plan.description.isEmpty { paragraph(h(r.plan.description), class: "description") }
            out += "<dl class=\"meta\">\n"
            var status = "<span class=\"status status-\(r.status.rawValue)\">\(h(r.status.rawValue))</span>"
            if let why = r.interruption, !why.isEmpty { status += " — \(h(why))" }
            if let a = r.abort {
                status += " — abort condition <code>\(h(a.condition))</code> tripped at \(h(offset(a.atMs)))"
            }
            meta("Status", status)
            meta("Started at", h(HTMLReportRenderer.prettyDate(r.startedAt)))
            var target = "<code>\(h(r.target.url))</code>"
            if let embedded = r.target.embedded { target += " (embedded \(h(embedded)))" }
            target += " · \(r.target.connections) connections · timeout \(h(SummaryRenderer.ms(r.target.timeoutMs)))"
            meta("Target", target)
            meta("Load", h(loadText()))
            let ran = SummaryRenderer.seconds(r.durationSeconds)
            meta("Duration", h("\(ran) (planned \(SummaryRenderer.seconds(r.load.plannedDurationSeconds)))"))
            out += "</dl>\n"
            nav()
            out += "</header>\n"
        }

        mutating func meta(_ term: String, _ html: String) {
            out += "<div><dt>\(h(term))</dt><dd>\(html)</dd></div>\n"
        }

        /// `open/poisson, shape lunch, 1 stage up to 150 journeys/s, at most 200 in flight`.
        func loadText() -> String {
            let l = report.load
            var s = l.model
            if let a = l.arrival { s += "/\(a)" }
            if let shape = l.shape { s += ", shape \(shape)" }
            if let stages = l.stages, !stages.isEmpty {
                let peak = stages.map { Swift.max($0.from, $0.to) }.max() ?? 0
                s += ", \(stages.count) stage\(stages.count == 1 ? "" : "s")"
                s += " up to \(SummaryRenderer.rate(peak)) journeys/s"
            }
            if let m = l.maxInFlight { s += ", at most \(m) in flight" }
            if let u = l.users { s += ", \(u) users" }
            if let think = l.thinkTimeMs { s += ", think \(SummaryRenderer.ms(think))" }
            return s
        }

        /// Links to the sections the page has.
        mutating func nav() {
            let r = report
            var links = [("figures", "Key figures"), ("charts", "Charts")]
            if r.capacity != nil { links.append(("capacity", "Capacity")) }
            if !(r.thresholds ?? []).isEmpty { links.append(("thresholds", "Thresholds")) }
            if !r.slo.isEmpty { links.append(("slo", "SLO")) }
            if !(r.faults ?? []).isEmpty || !(r.recovery?.faults ?? []).isEmpty { links.append(("faults", "Faults")) }
            if r.recovery != nil { links.append(("incidents", "Incidents")) }
            if r.audit != nil { links.append(("audit", "Audit")) }
            if !(r.probes ?? []).isEmpty { links.append(("probes", "Probes")) }
            if !r.journeys.isEmpty { links.append(("journeys", "Journeys")) }
            if !r.steps.isEmpty { links.append(("steps", "Steps")) }
            if !r.errors.isEmpty || !r.errorSamples.isEmpty { links.append(("errors", "Errors")) }
            links.append(("generator", "Generator"))
            out += "<nav class=\"toc\">"
            out += links.map { "<a href=\"#\($0.0)\">\(h($0.1))</a>" }.joined(separator: " ")
            out += "</nav>\n"
        }

        mutating func reasons() {
            let r = report
            let verdict = r.verdict.rawValue
            out += "<section id=\"reasons\" class=\"reasons verdict-box-\(verdict.lowercased())\">\n"
            if r.reasons.isEmpty {
                paragraph(r.verdict == .pass ? "Every check passed." : "The verdict is \(h(verdict)).")
            } else {
                out += "<h2>Why \(h(verdict))</h2>\n<ul>\n"
                for reason in r.reasons { out += "<li>\(h(reason))</li>\n" }
                out += "</ul>\n"
            }
            close()
        }

        mutating func figures() {
            let r = report
            let t = r.totals
            open("figures", "Key figures")
            out += "<div class=\"cards\">\n"
            var journeys = "\(count(t.journeysOk)) ok · \(count(t.journeysFailed)) failed"
            if t.journeysAbandoned > 0 { journeys += " · \(count(t.journeysAbandoned)) abandoned" }
            card("Journeys", count(t.journeys), journeys)
            let requests = SummaryRenderer.rate(t.throughput.requestsPerSecond)
            card(
                "Throughput", "\(SummaryRenderer.rate(t.throughput.journeysPerSecond)) journeys/s",
                "\(requests) requests/s · \(count(t.requests)) requests")
            card(
                "Error rate", SummaryRenderer.percent(t.errorRate),
                "\(count(t.errors)) failed requests of \(count(t.requests))", bad: t.errorRate > 0.01)
            card(
                "Latency p50 / p99", latencyPair(r.latency),
                "from the intended send time (\(count(r.latency.count)) responses)")
            card("Service p50 / p99", latencyPair(r.serviceLatency), "first byte sent to last byte received")
            card("Dropped", count(t.dropped), "arrivals not sent (maxInFlight)", bad: t.dropped > 0)
            if let rec = r.recovery {
                let n = rec.incidents.count
                var detail = "\(n) incident\(n == 1 ? "" : "s")"
                if rec.unrecovered > 0 { detail += ", \(rec.unrecovered) not recovered" }
                card("MTTR", rec.mttrMs.map(SummaryRenderer.ms) ?? "—", detail, bad: rec.unrecovered > 0)
            }
            if let a = r.audit {
                var detail = "of \(count(a.acknowledged)) acknowledged"
                if a.duplicates > 0 { detail += " · \(count(a.duplicates)) duplicate keys" }
                card("Lost orders", count(a.lost), detail, bad: a.lost > 0 || a.duplicates > 0)
            }
            if let c = r.capacity {
                let value = c.capacity.map { "\(SummaryRenderer.rate($0)) journeys/s" } ?? "none found"
                card("Capacity", (c.limitReached ? "" : "≥ ") + value, "knee: \(c.pastKnee)", bad: c.capacity == nil)
            }
            out += "</div>\n"
            close()
        }

        mutating func card(_ label: String, _ value: String, _ detail: String, bad: Bool = false) {
            out += "<div class=\"card\(bad ? " card-bad" : "")\"><div class=\"card-label\">\(h(label))</div>"
            out += "<div class=\"card-value\">\(h(value))</div><div class=\"card-detail\">\(h(detail))</div></div>\n"
        }

        func latencyPair(_ l: LatencySummary) -> String {
            l.count > 0 ? "\(SummaryRenderer.ms(l.p50)) / \(SummaryRenderer.ms(l.p99))" : "no responses"
        }

        // MARK: Charts over drill time

        mutating func charts() {
            let r = report
            let series = TimeSeries(r)
            let bands = timeBands()
            let markers = timeMarkers()
            let lastPoint = (series.t.last ?? 0) + series.stepSeconds / 2
            let end = Swift.max(r.durationSeconds.isFinite ? r.durationSeconds : 0, lastPoint, 1)
            let x = SVGChart.Axis(label: "drill time", format: .seconds, minimum: 0, maximum: end)
            open("charts", "Over drill time")
            if series.isEmpty {
                paragraph("The report has no timeline: nothing to draw.", class: "note")
            } else {
                var note = "Points are \(h(series.source))."
                if !bands.isEmpty {
                    note += " Shaded: fault windows (labelled with the fault's name)"
                    note += bands.contains { $0.style == .incident } ? " and unplanned incidents." : "."
                }
                if !markers.isEmpty {
                    note += " Dashed lines: impact starts, recovery points\(r.abort == nil ? "" : ", the abort")."
                }
                paragraph(note, class: "note")
            }

            // 1. Throughput.
            var throughput = SVGChart(
                title: "Throughput", id: "chart-throughput", x: x,
                y: .init(label: "requests/s", format: .number(unit: "/s")), bands: bands, markers: markers)
            throughput.series = [
                .init(name: "ok/s", x: series.t, y: series.okPerSecond, style: .area, color: SVGChart.green),
                .init(name: "errors/s", x: series.t, y: series.errorsPerSecond, color: SVGChart.red),
            ]
            if series.droppedPerSecond.contains(where: { $0 > 0 }) {
                throughput.series.append(
                    .init(
                        name: "dropped/s", x: series.t, y: series.droppedPerSecond, style: .dashed,
                        color: SVGChart.orange))
            }
            if let b = r.recovery?.baseline, b.throughput > 0 {
                let label = "baseline \(SummaryRenderer.rate(b.throughput)) ok/s"
                throughput.references.append(.init(y: b.throughput, label: label, style: .baseline))
            }
            decorate(&throughput)
            figure(throughput, caption: "Requests completed per second: successful (ok/s) and failed (errors/s).")

            // 2. Error rate.
            var errorRate = SVGChart(
                title: "Error rate", id: "chart-error-rate", x: x,
                y: .init(label: "failed share of requests", format: .percent), bands: bands, markers: markers)
            errorRate.series = [
                .init(name: "error rate", x: series.t, y: series.errorRate, style: .area, color: SVGChart.red)
            ]
            if let limit = objectiveLimit("errorRate") {
                errorRate.references.append(.init(y: limit, label: "SLO \(SummaryRenderer.percent(limit))"))
            }
            if let rec = r.recovery, let b = rec.baseline {
                let threshold = b.errorRate + rec.settings.errorTolerance
                if threshold > 0, threshold < 1 {
                    let label = "degraded above \(SummaryRenderer.percent(threshold))"
                    errorRate.references.append(.init(y: threshold, label: label, style: .baseline))
                }
            }
            decorate(&errorRate)
            figure(errorRate, caption: "Failed over completed requests in each step (gaps: nothing completed).")

            // 3. Latency.
            var latency = SVGChart(
                title: "Latency", id: "chart-latency", x: x,
                y: .init(label: "latency (ms)", format: .milliseconds), bands: bands, markers: markers)
            latency.series = [
                .init(name: "p50", x: series.t, y: series.p50, color: SVGChart.blue),
                .init(name: "p99", x: series.t, y: series.p99, color: SVGChart.purple),
            ]
            // The SLO line only when it is near the data: a 1 s limit over 5 ms latencies would flatten the lines.
            let highest = series.p99.filter(\.isFinite).max() ?? 0
            if let limit = objectiveLimit("p99"), limit <= max(highest, 1) * 4 {
                latency.references.append(.init(y: limit, label: "SLO p99 \(SummaryRenderer.ms(limit))"))
            }
            if let b = r.recovery?.baseline, b.p99Ms > 0 {
                let label = "baseline p99 \(SummaryRenderer.ms(b.p99Ms))"
                latency.references.append(.init(y: b.p99Ms, label: label, style: .baseline))
            }
            decorate(&latency)
            figure(
                latency,
                caption: "Request latency from the intended send time (coordinated-omission correct), per step: "
                    + "p50 and p99 of the requests that completed in it.")
            close()
        }

        /// Fault windows (actual, else planned; skipped faults are not drawn) and unplanned incidents, in seconds.
        func timeBands() -> [SVGChart.Band] {
            let r = report
            var bands: [SVGChart.Band] = []
            if let faults = r.faults, !faults.isEmpty {
                for f in faults where f.outcome != .skipped {
                    let start = f.actualStartMs ?? f.plannedStartMs
                    let end = f.actualEndMs ?? f.plannedEndMs
                    let detail = "\(f.name): \(f.type) on \(f.on), \(offset(start))–\(end.map(offset) ?? "end")"
                    bands.append(
                        .init(from: start / 1000, to: end.map { $0 / 1000 }, label: f.name, detail: detail))
                }
            } else {
                for f in r.recovery?.faults ?? [] {
                    let detail = "\(f.fault): \(offset(f.startMs))–\(f.endMs.map(offset) ?? "end")"
                    bands.append(
                        .init(from: f.startMs / 1000, to: f.endMs.map { $0 / 1000 }, label: f.fault, detail: detail))
                }
            }
            for incident in r.recovery?.incidents ?? [] where incident.fault == nil {
                let end = incident.recoveredAtMs ?? (incident.startMs + incident.durationMs)
                let causes = incident.causes.joined(separator: ", ")
                let until = incident.recoveredAtMs.map(offset) ?? "not recovered"
                bands.append(
                    .init(
                        from: incident.startMs / 1000, to: end / 1000, label: "incident #\(incident.id)",
                        style: .incident,
                        detail: "unplanned incident #\(incident.id) (\(causes)): "
                            + "\(offset(incident.startMs))–\(until)"))
            }
            return bands
        }

        /// Impact starts and recovery points of the incidents, and the abort.
        func timeMarkers() -> [SVGChart.Marker] {
            var markers: [SVGChart.Marker] = []
            for i in report.recovery?.incidents ?? [] {
                markers.append(.init(x: i.startMs / 1000, label: "#\(i.id) impact", style: .impact))
                if let at = i.recoveredAtMs {
                    markers.append(.init(x: at / 1000, label: "#\(i.id) recovered", style: .recovery))
                }
            }
            if let a = report.abort { markers.append(.init(x: a.atMs / 1000, label: "abort", style: .neutral)) }
            return markers
        }

        /// The plan's SLO limit for an objective, in chart units (ms, share); nil when absent or unreadable.
        func objectiveLimit(_ name: String) -> Double? {
            guard let o = report.slo.first(where: { $0.name == name }) else { return nil }
            return name == "errorRate"
                ? HTMLReportRenderer.parseShare(o.limit) : HTMLReportRenderer.parseMilliseconds(o.limit)
        }

        // MARK: Capacity

        mutating func capacity() {
            guard let c = report.capacity else { return }
            open("capacity", "Capacity")
            var facts: [String] = []
            if let cap = c.capacity {
                var s = "<strong>\(c.limitReached ? "" : "at least ")\(h(SummaryRenderer.rate(cap))) journeys/s"
                s += "</strong> carried within the SLO"
                if let at = c.throughputAtCapacity {
                    s += " (achieved \(h(SummaryRenderer.rate(at))) journeys/s there)"
                }
                facts.append(s)
            } else {
                facts.append("<strong>no rate</strong> was carried within the SLO for a whole window")
            }
            facts.append("window \(h(SummaryRenderer.ms(c.windowMs)))")
            if let at = c.brokeAtMs {
                var s = "SLO first broke at \(h(offset(at)))"
                if let rate = c.brokeAtRate { s += " (offered \(h(SummaryRenderer.rate(rate))) journeys/s)" }
                if !c.brokenBy.isEmpty { s += " by \(h(c.brokenBy.joined(separator: ", ")))" }
                facts.append(s)
            } else if !c.limitReached {
                facts.append("the SLO never broke")
            }
            facts.append("peak \(h(SummaryRenderer.rate(c.peakThroughput))) journeys/s")
            facts.append("past the knee: \(h(c.pastKnee))")
            paragraph(facts.joined(separator: " · "))
            if let f = c.forecast {
                var s = "Forecast: peak \(h(SummaryRenderer.rate(f.peakRate))) journeys/s × headroom "
                s += "\(h(SummaryRenderer.fixed(f.headroom, 2))) = "
                s += "<strong>\(h(SummaryRenderer.rate(f.required))) journeys/s required</strong>: "
                s += f.covered ? "covered" : "NOT covered"
                if let m = f.margin { s += " (margin \(h(signedPercent(m))))" }
                paragraph(s + ".", class: f.covered ? "good" : "bad")
            }

            let points = c.points.sorted { ($0.offered, $0.t) < ($1.offered, $1.t) }
            let offered = points.map(\.offered)
            var chart = SVGChart(
                title: "Achieved against offered rate", id: "chart-capacity",
                x: .init(label: "offered (journeys/s)", format: .number(unit: "/s")),
                y: .init(label: "achieved (journeys/s)", format: .number(unit: "/s")),
                y2: .init(label: "p99 (ms)", format: .milliseconds))
            let p99 = points.map { $0.p99Ms > 0 ? $0.p99Ms : .nan }
            chart.series = [
                .init(name: "achieved", x: offered, y: points.map(\.achieved), style: .dots, color: SVGChart.green),
                .init(name: "p99", x: offered, y: p99, color: SVGChart.purple, axis: .right),
            ]
            if let lo = offered.min(), let hi = offered.max(), hi > lo {
                chart.series.append(
                    .init(name: "achieved = offered", x: [lo, hi], y: [lo, hi], style: .dashed, color: SVGChart.grey))
            }
            if let cap = c.capacity {
                chart.markers.append(.init(x: cap, label: "capacity \(SummaryRenderer.rate(cap))/s", style: .knee))
            }
            if let f = c.forecast {
                let label = "forecast need \(SummaryRenderer.rate(f.required))/s"
                chart.markers.append(.init(x: f.required, label: label, style: .forecast))
            }
            if let limit = objectiveLimit("p99") {
                chart.references.append(.init(y: limit, label: "SLO p99 \(SummaryRenderer.ms(limit))", axis: .right))
            }
            figure(
                chart,
                caption: "One point per second of the ramp: journeys completed successfully against the planned "
                    + "arrival rate, and the p99 latency (right axis).")
            close()
        }

        // MARK: Thresholds and SLO

        mutating func thresholds() {
            guard let list = report.thresholds, !list.isEmpty else { return }
            let failed = list.filter { !$0.passed }.count
            open("thresholds", "Thresholds")
            paragraph(failed == 0 ? "All \(list.count) passed." : "\(failed) of \(list.count) failed.")
            table(
                [.text("Metric"), .text("Phase"), .text("Condition"), .number("Actual"), .text("Result")],
                list.map { t in
                    Row(
                        cells: [
                            h(t.metric), h(t.during), "<code>\(h(t.condition))</code>", h(t.actualText),
                            badge(t.passed),
                        ],
                        cssClass: t.passed ? "pass" : "fail", title: t.title)
                })
            close()
        }

        mutating func objectives() {
            guard !report.slo.isEmpty else { return }
            open("slo", "SLO objectives")
            table(
                [.text("Objective"), .number("Limit"), .number("Actual"), .text("Result")],
                report.slo.map { o in
                    let actual =
                        o.name == "errorRate" ? SummaryRenderer.percent(o.actual) : SummaryRenderer.ms(o.actual)
                    return Row(
                        cells: [h(o.name), h(o.limit), h(actual), badge(o.passed)],
                        cssClass: o.passed ? "pass" : "fail")
                })
            close()
        }

        // MARK: Faults and recovery

        mutating func faults() {
            let faults = report.faults ?? []
            let impacts = report.recovery?.faults ?? []
            guard !faults.isEmpty || !impacts.isEmpty else { return }
            var rows: [Row] = []
            var used = Set<Int>()
            for f in faults {
                let index = impacts.indices.first { !used.contains($0) && impacts[$0].fault == f.name }
                if let index { used.insert(index) }
                rows.append(faultRow(f, index.map { impacts[$0] }))
            }
            for (i, impact) in impacts.enumerated() where !used.contains(i) {
                rows.append(faultRow(nil, impact))
            }
            open("faults", "Faults and recovery")
            let titles = ["Fault", "Window", "Applied", "Impact", "Depth", "Recovery", "Notice", "Rollback"]
            table(titles.map(Column.text), rows, class: "faults")
            close()
        }

        /// One fault as realised, joined with its impact and recovery measures.
        func faultRow(_ f: FaultReport?, _ impact: FaultImpactReport?) -> Row {
            let none = "—"
            var bad = f?.outcome == .failed || f?.verified == false || impact?.recovered == false
            if f?.rollback == "failed" { bad = true }

            var fault = "<strong>\(h(f?.name ?? impact?.fault ?? ""))</strong>"
            if let f { fault += "<br>" + small("\(f.type) on \(f.on)") }

            var window = ""
            if let f {
                window =
                    f.outcome == .skipped
                    ? "skipped" : "\(h(offset(f.actualStartMs)))–\(h(f.actualEndMs.map(offset) ?? "end"))"
                window += "<br>" + small("planned \(offset(f.plannedStartMs))–\(f.plannedEndMs.map(offset) ?? "end")")
            } else if let impact {
                window = "\(h(offset(impact.startMs)))–\(h(impact.endMs.map(offset) ?? "end"))"
            }

            var applied = none
            if let f {
                switch (f.outcome, f.verified) {
                case (.applied, .some(true)): applied = "<span class=\"ok\">✓ verified</span>"
                case (.applied, .some(false)): applied = "<span class=\"bad\">✗ not verified</span>"
                case (.applied, .none): applied = "applied"
                case (.failed, _): applied = "<span class=\"bad\">FAILED</span>"
                case (.skipped, _): applied = "skipped"
                }
                if let e = f.evidence, !e.isEmpty { applied += "<br>" + small(e) }
                if let e = f.error, !e.isEmpty { applied += "<br><span class=\"small bad\">\(h(e))</span>" }
            }

            let rollback = f?.rollback.map { $0 == "failed" ? "<span class=\"bad\">failed</span>" : h($0) } ?? none
            guard let impact else {
                return Row(
                    cells: [fault, window, applied, small("no recovery analysis"), none, none, none, rollback],
                    cssClass: bad ? "fail" : nil)
            }

            var hit = "none detected"
            var depth = none
            var recovery = none
            if impact.impacted {
                hit = "after \(h(impact.timeToImpactMs.map(SummaryRenderer.ms) ?? none))"
                if let id = impact.incident { hit += "<br>" + small("incident #\(id)") }
                depth = "errors \(h(SummaryRenderer.percent(impact.worstErrorRate)))"
                depth += "<br>p99 \(h(SummaryRenderer.ms(impact.worstP99Ms)))"
                depth += "<br>" + small("\(count(Int(impact.throughputLost.rounded()))) requests lost")
                if !impact.recovered {
                    recovery = "<span class=\"bad\">not recovered</span>"
                } else {
                    recovery =
                        impact.timeToRecoverMs.map {
                            $0 == 0 ? "before the fault ended" : "\(h(SummaryRenderer.ms($0))) after the fault ended"
                        } ?? ""
                    if let d = impact.impactDurationMs {
                        recovery += "<br>" + small("degraded for \(SummaryRenderer.ms(d))")
                    }
                }
            }

            let notices = impact.notices.map { n -> String in
                var s = small("\(n.probe):") + " "
                guard let shown = n.timeToNoticeMs else { return s + "<span class=\"bad\">never shown</span>" }
                s += "shown after \(h(SummaryRenderer.ms(shown)))"
                s += n.timeToClearMs.map { ", cleared \(h(SummaryRenderer.ms($0))) after recovery" } ?? ", not cleared"
                return s
            }
            let notice = notices.isEmpty ? none : notices.joined(separator: "<br>")
            return Row(
                cells: [fault, window, applied, hit, depth, recovery, notice, rollback], cssClass: bad ? "fail" : nil)
        }

        mutating func incidents() {
            guard let rec = report.recovery else { return }
            open("incidents", "Incidents")
            if let b = rec.baseline {
                var s = "Baseline \(h(offset(b.fromMs)))–\(h(offset(b.toMs))): "
                s += "\(h(SummaryRenderer.rate(b.throughput))) ok/s, "
                s += "error rate \(h(SummaryRenderer.percent(b.errorRate))), p99 \(h(SummaryRenderer.ms(b.p99Ms)))"
                s += b.steady ? " (steady)." : " <span class=\"bad\">(not steady: comparisons are rough)</span>."
                paragraph(s)
            } else {
                paragraph("No baseline could be measured.")
            }
            var summary = "MTTR \(rec.mttrMs.map(SummaryRenderer.ms) ?? "—")"
            summary += " · \(rec.incidents.count) incident\(rec.incidents.count == 1 ? "" : "s")"
            if rec.unrecovered > 0 { summary += " · \(rec.unrecovered) not recovered by the end" }
            paragraph(h(summary))
            let s = rec.settings
            var settings = "Degraded: error rate above baseline + \(SummaryRenderer.percent(s.errorTolerance)), "
            settings += "p99 above \(SummaryRenderer.fixed(s.latencyFactor, 1))× baseline "
            settings += "(and +\(SummaryRenderer.ms(s.latencyFloorMs))), "
            settings += "or throughput below \(SummaryRenderer.percent(s.throughputFloor)) of baseline; "
            settings += "recovered when within tolerance for \(SummaryRenderer.ms(s.stableForMs)); "
            settings += "shorter than \(SummaryRenderer.ms(s.minIncidentMs)) is noise."
            paragraph(h(settings), class: "small")
            guard !rec.incidents.isEmpty else {
                paragraph("No incident: the target stayed within tolerance of its baseline.")
                close()
                return
            }
            table(
                [
                    .text("#"), .text("Cause"), .number("Start"), .number("Recovered at"), .number("Duration"),
                    .text("Out of tolerance"), .number("Worst error rate"), .number("Worst p99"),
                    .number("Requests lost"), .number("Failed requests"),
                ],
                rec.incidents.map { i in
                    Row(
                        cells: [
                            "\(i.id)", i.fault.map { "fault " + h($0) } ?? "<strong>unplanned</strong>",
                            h(offset(i.startMs)),
                            i.recoveredAtMs.map { h(offset($0)) } ?? "<span class=\"bad\">not recovered</span>",
                            h(SummaryRenderer.ms(i.durationMs)), h(i.causes.joined(separator: ", ")),
                            h(SummaryRenderer.percent(i.worstErrorRate)), h(SummaryRenderer.ms(i.worstP99Ms)),
                            count(Int(i.throughputLost.rounded())), count(i.failedRequests),
                        ],
                        cssClass: (i.fault == nil ? "unplanned" : "planned") + (i.recovered ? "" : " fail"))
                })
            close()
        }

        // MARK: Audit and probes

        mutating func audit() {
            guard let a = report.audit else { return }
            open("audit", "Audit")
            paragraph(
                "Every acknowledged order looked up again with <code>\(h(a.request))</code>; found means "
                    + "<code>\(h(a.condition))</code>. Took \(h(SummaryRenderer.ms(a.durationMs))).")
            if a.incomplete { paragraph("The audit was cut short: the counts cover what was checked.", class: "bad") }
            var items: [(label: String, value: String, bad: Bool)] = [
                ("Acknowledged", count(a.acknowledged), false),
                ("Checked", count(a.checked), false),
                ("Found", count(a.found), false),
                ("Lost", count(a.lost), a.lost > 0),
                ("Unverified (no usable answer)", count(a.unverified), a.unverified > 0),
                ("Duplicates (keys acknowledged with two ids)", count(a.duplicates), a.duplicates > 0),
            ]
            if let c = a.compensation {
                let share = SummaryRenderer.percent(c.share)
                let value = "\(count(c.passed)) of \(count(c.eligible)) eligible — \(share)"
                items.append(("Compensated (\(c.condition))", value, c.passed < c.eligible))
            }
            facts(items)
            if !a.lostIds.isEmpty {
                let shown = Array(a.lostIds.prefix(AuditReport.maximumListedIds))
                let of = a.lost > shown.count ? " (first \(shown.count) of \(count(a.lost)))" : ""
                out += "<h3>Lost order ids\(of)</h3>\n"
                idList(shown)
            }
            if !a.duplicateKeys.isEmpty {
                out += "<h3>Duplicated idempotency keys</h3>\n"
                idList(Array(a.duplicateKeys.prefix(20)))
            }
            if let c = a.compensation, !c.failedIds.isEmpty {
                out += "<h3>Not compensated</h3>\n"
                idList(Array(c.failedIds.prefix(20)))
            }
            close()
        }

        mutating func probes() {
            guard let probes = report.probes, !probes.isEmpty else { return }
            open("probes", "Probes")
            table(
                [
                    .text("Probe"), .text("Request"), .text("Condition"), .number("Every"), .number("Samples"),
                    .number("Failed"), .text("Changes"),
                ],
                probes.map { p in
                    let shown = p.changes.prefix(30)
                    var changes = shown.map { "\(h(offset($0.atMs))) \($0.holds ? "<strong>holds</strong>" : "clear")" }
                        .joined(separator: " → ")
                    if p.changes.count > shown.count { changes += " … \(p.changes.count - shown.count) more" }
                    return Row(cells: [
                        h(p.name), "<code>\(h(p.request))</code>", "<code>\(h(p.condition))</code>",
                        h(SummaryRenderer.ms(p.everyMs)), count(p.samples), count(p.failedSamples),
                        p.changes.isEmpty ? "—" : "<span class=\"small\">\(changes)</span>",
                    ])
                })
            close()
        }

        // MARK: Journeys, steps, errors, generator

        static let latencyColumns: [Column] = [
            .number("p50"), .number("p99"), .number("Service p50"), .number("Service p99"),
        ]

        func latencyCells(_ l: LatencySummary, _ service: LatencySummary) -> [String] {
            [l, service].flatMap { s in
                s.count > 0 ? [h(SummaryRenderer.ms(s.p50)), h(SummaryRenderer.ms(s.p99))] : ["—", "—"]
            }
        }

        mutating func journeys() {
            guard !report.journeys.isEmpty else { return }
            open("journeys", "Journeys")
            table(
                [.text("Journey"), .number("Weight"), .number("Ended"), .number("Ok"), .number("Failed")]
                    + Self.latencyColumns,
                report.journeys.map { j in
                    Row(
                        cells: [
                            h(j.name), h(SummaryRenderer.fixed(j.weight, 2)), count(j.count), count(j.ok),
                            count(j.failed),
                        ] + latencyCells(j.latency, j.serviceLatency),
                        cssClass: j.failed > 0 ? "warn" : nil)
                })
            close()
        }

        mutating func steps() {
            guard !report.steps.isEmpty else { return }
            open("steps", "Steps")
            table(
                [
                    .text("Journey"), .text("Step"), .number("Requests"), .number("Ok"), .number("Errors"),
                    .text("Error classes"),
                ] + Self.latencyColumns,
                report.steps.map { s in
                    let classes = s.errorsByClass.sorted {
                        $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value
                    }
                    .prefix(4).map { "\($0.key): \(count($0.value))" }.joined(separator: ", ")
                    return Row(
                        cells: [
                            h(s.journey), "\(h(s.name)) \(small(s.method))", count(s.count), count(s.ok),
                            count(s.errors), small(classes),
                        ] + latencyCells(s.latency, s.serviceLatency),
                        cssClass: s.errors > 0 ? "warn" : nil)
                })
            paragraph(
                "p50 and p99 from the intended send time; service: first byte sent to last byte received.",
                class: "small")
            close()
        }

        mutating func errors() {
            let r = report
            guard !r.errors.isEmpty || !r.errorSamples.isEmpty else { return }
            open("errors", "Errors")
            if !r.errors.isEmpty {
                let total = r.errors.values.reduce(0, +)
                let sorted = r.errors.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }
                table(
                    [.text("Class"), .number("Count"), .number("Share")],
                    sorted.map { name, n in
                        let share = total > 0 ? Double(n) / Double(total) : 0
                        return Row(cells: ["<code>\(h(name))</code>", count(n), h(SummaryRenderer.percent(share))])
                    })
                paragraph("Failed and dropped journeys by the error class that ended them.", class: "small")
            }
            if !r.errorSamples.isEmpty {
                out += "<h3>Samples</h3>\n<ul class=\"samples\">\n"
                for s in r.errorSamples { out += "<li><code>\(h(s))</code></li>\n" }
                out += "</ul>\n"
            }
            close()
        }

        mutating func generator() {
            let g = report.generator
            open("generator", "Generator health")
            if g.saturated {
                paragraph(
                    "The generator was <strong>saturated</strong>: the figures describe the generator, not the target.",
                    class: "bad")
            } else {
                paragraph("The generator kept its schedule.")
            }
            let lag = [g.lagP50Ms, g.lagP99Ms, g.lagMaxMs].map(SummaryRenderer.ms).joined(separator: " / ")
            facts([
                ("Event loops", "\(g.eventLoops)", false),
                ("Scheduling lag p50 / p99 / max", lag, g.lagP99Ms > 5),
                ("Busiest event loop (CPU)", SummaryRenderer.percent(g.cpuBusyMax), g.cpuBusyMax >= 0.95),
                ("Longest saturated stretch", "\(g.saturatedSeconds) s", g.saturatedSeconds >= 2),
                ("Saturated", g.saturated ? "yes" : "no", g.saturated),
                ("Connections opened", count(g.connectionsOpened), false),
                ("Dropped arrivals", count(g.dropped), g.dropped > 0),
            ])
            close()
        }

        mutating func footer() {
            let r = report
            out += "<footer>\n<p>\(h(r.tool.name)) \(h(r.tool.version)) · report schema \(r.schemaVersion) · plan "
            out += "<code>\(h(r.plan.file))</code> (format \(r.plan.formatVersion), seed \(r.plan.seed), sha256 "
            out += "<code class=\"hash\">\(h(r.plan.sha256))</code>)</p>\n"
            out +=
                "<p>Times are offsets from the drill start; latencies in milliseconds unless marked.</p>\n</footer>\n"
        }

        // MARK: Text

        func h(_ s: String) -> String { SVGChart.escape(s) }

        func small(_ text: String) -> String { "<span class=\"small\">\(h(text))</span>" }

        func badge(_ passed: Bool) -> String {
            passed ? "<span class=\"badge badge-pass\">pass</span>" : "<span class=\"badge badge-fail\">FAIL</span>"
        }

        func count(_ n: Int) -> String { HTMLReportRenderer.grouped(n) }

        /// A drill-clock offset: `10.20 s` (no line break before the unit).
        func offset(_ ms: Double?) -> String {
            guard let ms, ms.isFinite else { return "—" }
            return SummaryRenderer.fixed(ms / 1000, 2) + "\u{00A0}s"
        }

        func signedPercent(_ v: Double) -> String { (v >= 0 ? "+" : "−") + SummaryRenderer.percent(Swift.abs(v)) }
    }
}

// MARK: - Formatting and parsing

extension HTMLReportRenderer {
    /// `12,345`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `100 ms`, `1 s`, `2.5 s`.
    static func duration(_ ms: Double) -> String {
        if ms < 1000 { return SummaryRenderer.fixed(ms, ms == ms.rounded() ? 0 : 1) + " ms" }
        let s = ms / 1000
        return SummaryRenderer.fixed(s, s == s.rounded() ? 0 : 1) + " s"
    }

    /// `2026-11-25T13:30:00.123Z` as `2026-11-25 13:30:00 UTC`; anything else as it is.
    static func prettyDate(_ iso: String) -> String {
        let parts = iso.split(separator: "T", maxSplits: 1)
        guard parts.count == 2, iso.hasSuffix("Z") else { return iso }
        let time = parts[1].dropLast().split(separator: ".")[0]
        return "\(parts[0]) \(time) UTC"
    }

    /// An SLO limit for a latency as written in a plan (`800ms`, `2s`, `1.5 s`, `500us`, `250`) in milliseconds.
    static func parseMilliseconds(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 1), ("us", 0.001), ("µs", 0.001), ("s", 1000), ("m", 60_000)]
        for (unit, factor) in units where s.hasSuffix(unit) {
            guard let v = Double(s.dropLast(unit.count).trimmingCharacters(in: .whitespaces)), v.isFinite else {
                return nil
            }
            return v * factor
        }
        return Double(s).flatMap { $0.isFinite ? $0 : nil }
    }

    /// A share as written in a plan (`0.01`, `1%`).
    static func parseShare(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.hasSuffix("%") { return Double(s.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 } }
        return Double(s).flatMap { $0.isFinite ? $0 : nil }
    }

    /// The page's style sheet (`Resources/report.css`, embedded in the binary): system fonts, a readable measure,
    /// tables that scroll sideways on narrow screens, colours kept when printed. The live view serves the same file.
    public static let css = String(decoding: PackageResources.report_css, as: UTF8.self)
}
