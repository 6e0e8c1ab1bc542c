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
        // The page's parts live in extensions of Page in files of their own, outside this enum's lexical scope.
        typealias Row = HTMLReportRenderer.Row
        typealias Column = HTMLReportRenderer.Column
        typealias TimeSeries = HTMLReportRenderer.TimeSeries

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
            monitoring()
            availability()
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
