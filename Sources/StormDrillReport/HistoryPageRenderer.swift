import Foundation

/// The history of drills as one self-contained HTML page (`stormdrill history --html`): inline CSS, inline SVG
/// charts drawn by `SVGChart`, no script and no network reference, so it opens from a CI artifact or a mail.
/// Trend charts over the drills (x: the drill's number in the table): throughput, p99 latency, MTTR and lost orders,
/// one line per plan, each drill's point coloured by its verdict (green PASS, red FAIL, orange INVALID); then the
/// table and the folders that were skipped.
public enum HistoryPageRenderer {
    /// The verdict colours of the points and the table.
    static let verdictColors: [(Verdict, String)] = [
        (.pass, SVGChart.green), (.fail, SVGChart.red), (.invalid, SVGChart.orange),
    ]

    /// Line colours of the plans (not the verdict colours).
    static let planColors = [SVGChart.blue, SVGChart.purple, "#1b9aaa", "#8c564b", SVGChart.grey]

    /// The page. `reportLinkPrefix` is put before `<folder>/report.json` in the table's links (`""` when the page
    /// sits in the reports folder); nil leaves the folders unlinked.
    public static func render(_ history: DrillHistory, reportLinkPrefix: String? = "") -> String {
        let title = history.plan.map { "Drill history: \($0)" } ?? "Drill history"
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(esc(title))</title>\n<style>\n\(css)</style>\n</head>\n<body>\n"
        out += "<h1>\(esc(title))</h1>\n"
        out += "<p class=\"meta\">\(esc(summary(history)))</p>\n"
        if history.entries.isEmpty {
            out += "<p class=\"empty\">No drill reports found.</p>\n"
        } else {
            out += "<section class=\"charts\">\n"
            for chart in charts(history.entries) {
                out += "<figure>\(chart.render())</figure>\n"
            }
            out += "</section>\n"
            out += table(history.entries, reportLinkPrefix: reportLinkPrefix)
        }
        if !history.warnings.isEmpty {
            out += "<section class=\"skipped\">\n<h2>Skipped</h2>\n<ul>\n"
            for w in history.warnings { out += "<li>\(esc(w))</li>\n" }
            out += "</ul>\n</section>\n"
        }
        out += "<footer>Rendered by stormdrill from each drill's report.json.</footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    /// `12 drills of 2 plans, 2026-11-02 13:30 to 2026-11-25 14:06 UTC, from reports`.
    static func summary(_ history: DrillHistory) -> String {
        let n = history.entries.count
        var s = "\(n) drill\(n == 1 ? "" : "s")"
        let plans = Set(history.entries.map(\.plan))
        if history.plan == nil && plans.count > 1 { s += " of \(plans.count) plans" }
        if let first = history.entries.first, let last = history.entries.last {
            s +=
                first.folder == last.folder
                ? ", \(first.startedAtText)" : ", \(first.startedAtText) to \(last.startedAtText)"
            s += " UTC"
        }
        return s + ", from \(history.directory)"
    }

    /// The four trend charts.
    static func charts(_ entries: [HistoryEntry]) -> [SVGChart] {
        let throughput = SVGChart.Axis(label: "journeys/s", format: .number())
        let p99 = SVGChart.Axis(label: "p99", format: .milliseconds)
        let mttr = SVGChart.Axis(label: "mean time to recover", format: .milliseconds)
        // Counts get whole-number ticks (no "0.5 lost orders").
        let most = entries.compactMap(\.lostOrders).max() ?? 0
        let step = max(1, Int((Double(most) / 5).rounded(.up)))
        let lost = SVGChart.Axis(
            label: "lost orders", format: .number(), minimum: 0, maximum: Double(max(1, most)),
            ticks: stride(from: 0, through: max(1, most), by: step).map {
                SVGChart.Tick(value: Double($0), label: "\($0)")
            })
        return [
            chart(
                "Throughput", id: "trend-throughput", entries, axis: throughput, empty: "no throughput",
                value: \.journeysPerSecond),
            chart("p99 latency", id: "trend-p99", entries, axis: p99, empty: "no responses", value: \.p99Ms),
            chart(
                "MTTR", id: "trend-mttr", entries, axis: mttr, empty: "no drill has a recovery analysis",
                value: \.mttrMs),
            chart(
                "Lost orders", id: "trend-lost-orders", entries, axis: lost, empty: "no drill has an order audit",
                value: { $0.lostOrders.map(Double.init) }),
        ]
    }

    /// One chart: a line per plan over the drill numbers, and a dot per drill in its verdict's colour.
    static func chart(
        _ title: String, id: String, _ entries: [HistoryEntry], axis: SVGChart.Axis, empty: String,
        value: (HistoryEntry) -> Double?
    ) -> SVGChart {
        let xs = entries.indices.map { Double($0 + 1) }
        let values = entries.map(value)
        var plans: [String] = []
        for e in entries where !plans.contains(e.plan) { plans.append(e.plan) }
        var series: [SVGChart.Series] = []
        for (i, plan) in plans.enumerated() {
            let points = entries.indices.compactMap { k -> SVGChart.Point? in
                guard entries[k].plan == plan, let v = values[k] else { return nil }
                return SVGChart.Point(xs[k], v)
            }
            guard !points.isEmpty else { continue }
            series.append(
                SVGChart.Series(name: plan, points: points, style: .line, color: planColors[i % planColors.count]))
        }
        for (verdict, color) in verdictColors {
            // A gap between points makes each one a dot of its own.
            var points: [SVGChart.Point] = []
            for k in entries.indices where entries[k].verdict == verdict {
                guard let v = values[k] else { continue }
                points.append(SVGChart.Point(xs[k], v))
                points.append(SVGChart.Point(xs[k], .nan))
            }
            guard !points.isEmpty else { continue }
            series.append(SVGChart.Series(name: verdict.rawValue, points: points, style: .dots, color: color))
        }
        let x = SVGChart.Axis(
            label: "drill", format: .number(), minimum: 0.5, maximum: Double(entries.count) + 0.5,
            includeZero: false, ticks: ticks(entries.count))
        return SVGChart(
            title: title, id: id, x: x, y: axis, series: series, width: 760, height: 240, emptyNote: empty)
    }

    /// `#1`, `#2`, …; at most about 12 labelled drills.
    static func ticks(_ count: Int) -> [SVGChart.Tick] {
        let step = max(1, Int((Double(count) / 12).rounded(.up)))
        return stride(from: 1, through: count, by: step).map { SVGChart.Tick(value: Double($0), label: "#\($0)") }
    }

    static func table(_ entries: [HistoryEntry], reportLinkPrefix: String?) -> String {
        var out = "<div class=\"table-wrap\">\n<table>\n<thead><tr>"
        let header = [
            "#", "started (UTC)", "plan", "status", "verdict", "journeys/s", "error rate", "p99", "MTTR",
            "lost orders", "capacity", "report",
        ]
        for (i, h) in header.enumerated() {
            out += "<th\(i == 0 || (5...10).contains(i) ? " class=\"num\"" : "")>\(esc(h))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for (i, e) in entries.enumerated() {
            out += "<tr>"
            out += "<td class=\"num\">\(i + 1)</td>"
            out += "<td>\(esc(e.startedAtText))</td>"
            out += "<td>\(esc(e.plan))</td>"
            out += "<td>\(esc(e.status.rawValue))</td>"
            let verdict = e.verdict.rawValue
            out += "<td><span class=\"verdict verdict-\(verdict.lowercased())\">\(verdict)</span></td>"
            let cells = [
                FigureUnit.rate.format(e.journeysPerSecond).replacingOccurrences(of: "/s", with: ""),
                FigureUnit.share.format(e.errorRate), e.p99Ms.map { FigureUnit.latency.format($0) } ?? "—",
                e.mttrText, e.lostOrders.map(String.init) ?? "—", e.capacity.map { FigureUnit.rate.format($0) } ?? "—",
            ]
            for c in cells { out += "<td class=\"num\">\(esc(c))</td>" }
            if let prefix = reportLinkPrefix {
                let href = prefix + percentEncoded(e.folder) + "/" + ReportStore.reportFileName
                out += "<td><a href=\"\(esc(href))\">\(esc(e.folder))</a></td>"
            } else {
                out += "<td>\(esc(e.folder))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n</div>\n"
        return out
    }

    /// A folder name as a URL path segment.
    static func percentEncoded(_ s: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func esc(_ s: String) -> String { SVGChart.escape(s) }

    static let css = """
        body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 24px auto;
          max-width: 1100px; padding: 0 16px; color: #1d2125; background: #ffffff; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 24px 0 8px; }
        .meta { color: #5a6068; margin: 0 0 16px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 12px; }
        figure { margin: 0; border: 1px solid #e3e6ea; border-radius: 6px; padding: 4px; }
        figure svg { width: 100%; height: auto; display: block; }
        .table-wrap { overflow-x: auto; margin-top: 20px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { padding: 5px 8px; border-bottom: 1px solid #e3e6ea; text-align: left; white-space: nowrap; }
        th { background: #f4f5f7; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tbody tr:hover { background: #f8f9fb; }
        .verdict { display: inline-block; padding: 1px 7px; border-radius: 9px; color: #ffffff; font-weight: 600;
          font-size: 12px; }
        .verdict-pass { background: #2e8540; }
        .verdict-fail { background: #c8322d; }
        .verdict-invalid { background: #d9822b; }
        .skipped li { color: #8a4b0f; }
        .empty { color: #5a6068; font-style: italic; }
        footer { color: #8a9098; font-size: 12px; margin-top: 24px; }
        @media (max-width: 600px) { .charts { grid-template-columns: 1fr; } table { font-size: 12px; } }

        """
}
