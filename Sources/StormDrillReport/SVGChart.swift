import Foundation

/// A small line chart drawn as self-contained inline SVG: no script, no external reference, no generated ids, the
/// same output for the same input. It draws one or more line series (optionally area-filled) over an x axis of drill
/// time, dates or plain numbers, with shaded labelled x-bands (fault windows, incidents), vertical labelled markers
/// (recovery points, a knee, a forecast), horizontal reference lines (an SLO limit, a baseline) and a legend.
///
///     var chart = SVGChart(
///         title: "Throughput", x: .init(label: "drill time", format: .seconds),
///         y: .init(label: "requests/s", format: .number(unit: "/s")))
///     chart.series = [.init(name: "ok/s", x: [0, 1, 2], y: [90, 95, 40], style: .area, color: SVGChart.green)]
///     chart.bands = [.init(from: 1, to: 2, label: "payment down", style: .fault)]
///     chart.markers = [.init(x: 2.4, label: "recovered", style: .recovery)]
///     chart.references = [.init(y: 100, label: "baseline", style: .baseline)]
///     let svg = chart.render()
///
/// Empty data (no finite point in any series) draws the frame and a visible "no data" note instead of a broken
/// chart. Non-finite values (NaN, ±infinity) are gaps in a line; a run of one point is drawn as a dot. Every text is
/// XML-escaped. Elements carry classes for styling and for tests: the root `svg.chart` (plus `chart-empty`), the
/// lines `polyline.series-line`, areas `polygon.series-area`, bands `rect.band` with `fault-window`,
/// `incident-window` or `neutral-window`, markers `line.marker`, references `line.reference`, the note
/// `text.no-data`.
public struct SVGChart: Sendable, Equatable {
    // MARK: - Colours

    public static let blue = "#2f6fb0"
    public static let green = "#2e8540"
    public static let red = "#c8322d"
    public static let orange = "#d9822b"
    public static let purple = "#7b4fb5"
    public static let grey = "#6b6f76"
    /// Series colours in the order series without a colour take them.
    public static let palette = [blue, red, green, orange, purple, "#1b9aaa", "#8c564b", grey]

    // MARK: - The chart

    /// Shown at the top left and as the accessible name.
    public var title: String
    /// An optional `id` attribute on the `<svg>` (for links); nothing inside depends on it.
    public var id: String?
    public var x: Axis
    public var y: Axis
    /// A second y axis on the right, for series and references with `axis: .right`.
    public var y2: Axis?
    public var series: [Series]
    /// Shaded x stretches; clipped to the x domain.
    public var bands: [Band]
    /// Vertical lines; an x axis that follows the data is widened to reach every marker.
    public var markers: [Marker]
    /// Horizontal lines; a y axis that follows the data is widened to reach every reference line.
    public var references: [ReferenceLine]
    /// A labelled ribbon above the plot (class `ribbon-segment`), such as a game day's phases.
    public var ribbon: [RibbonSegment] = []
    /// Marks along the bottom of the plot, such as participants' reports.
    public var events: [EventDot] = []
    /// The size in SVG units (the `viewBox`; pages may scale it).
    public var width: Double
    public var height: Double
    /// What an empty chart says.
    public var emptyNote: String

    public init(
        title: String, id: String? = nil, x: Axis = Axis(format: .seconds), y: Axis = Axis(), y2: Axis? = nil,
        series: [Series] = [], bands: [Band] = [], markers: [Marker] = [], references: [ReferenceLine] = [],
        width: Double = 760, height: Double = 260, emptyNote: String = "no data"
    ) {
        self.title = title
        self.id = id
        self.x = x
        self.y = y
        self.y2 = y2
        self.series = series
        self.bands = bands
        self.markers = markers
        self.references = references
        self.width = width
        self.height = height
        self.emptyNote = emptyNote
    }

    /// Whether any series has a point with finite x and y.
    public var hasData: Bool {
        series.contains { $0.points.contains { Self.usable($0.x) && Self.usable($0.y) } }
    }

    /// The chart as an `<svg>` element for inline use in HTML. `standalone` adds the XML declaration and the SVG
    /// namespace, for a file of its own.
    public func render(standalone: Bool = false) -> String {
        var renderer = Renderer(chart: self)
        return renderer.render(standalone: standalone)
    }

    // MARK: - Shared helpers

    /// Escapes `&`, `<`, `>`, `"` and `'` for XML and HTML text and attribute values, and drops control
    /// characters XML does not allow (all below U+0020 but tab, newline and carriage return).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `value` as the format shows it (`1.2k`, `5%`, `250 ms`, `2m30s`, `2026-11-25 13:30`); `–` when not finite.
    public static func format(_ value: Double, _ format: Format) -> String {
        label(value, format, step: nil)
    }

    /// Values beyond this are clamped, so that spans and scales stay finite.
    static let limit = 1e300

    static func usable(_ v: Double) -> Bool { v.isFinite }

    static func clamp(_ v: Double) -> Double { Swift.min(Swift.max(v, -limit), limit) }

    /// A tick label: `step` decides how many decimals are needed (nil: a sensible default for one value).
    static func label(_ value: Double, _ format: Format, step: Double?) -> String {
        guard value.isFinite else { return "–" }
        let v = value == 0 ? 0 : value  // no "-0"
        switch format {
        case .number(let unit):
            let n = compact(v, step: step)
            guard !unit.isEmpty, step == nil else { return n }
            return unit.hasPrefix("/") || unit.hasPrefix("%") ? n + unit : n + " " + unit
        case .percent:
            return compact(v * 100, step: step.map { $0 * 100 }) + "%"
        case .milliseconds:
            let big = Swift.abs(v) >= 1000 && (step ?? 1000) >= 100
            if big { return compact(v / 1000, step: step.map { $0 / 1000 }) + " s" }
            return plain(v, step: step ?? (Swift.abs(v) < 10 ? 0.01 : Swift.abs(v) < 100 ? 0.1 : 1)) + " ms"
        case .seconds:
            return clock(v, step: step)
        case .date:
            return date(v, step: step)
        }
    }

    /// `1.25`, `12`, with as many decimals as `step` needs (at most 6).
    static func plain(_ v: Double, step: Double?) -> String {
        if Swift.abs(v) >= 1e15 || Swift.abs(step ?? 0) >= 1e15 { return String(format: "%.3g", v) }
        let digits = decimals(step ?? (Swift.abs(v) >= 100 ? 1 : Swift.abs(v) >= 1 ? 0.01 : 0.0001))
        var s = String(format: "%.\(digits)f", v)
        if step == nil, s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// Decimals needed to show multiples of `step` exactly (0…6).
    static func decimals(_ step: Double) -> Int {
        let s = Swift.abs(step)
        guard s.isFinite, s > 0 else { return 0 }
        for d in 0...6 {
            let scaled = s * pow(10, Double(d))
            if Swift.abs(scaled - scaled.rounded()) < 1e-6 * Swift.max(1, scaled) { return d }
        }
        return 6
    }

    /// Plain numbers with k/M/G/T for large magnitudes and scientific notation beyond.
    static func compact(_ v: Double, step: Double?) -> String {
        let a = Swift.max(Swift.abs(v), Swift.abs(step ?? 0))
        if a >= 1e15 || (a > 0 && a < 1e-4 && v != 0) { return String(format: "%.3g", v) }
        for (threshold, scale, suffix) in [(1e12, 1e12, "T"), (1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")]
        where a >= threshold {
            return plain(v / scale, step: step.map { $0 / scale }) + suffix
        }
        return plain(v, step: step)
    }

    /// Drill-clock seconds: `0.5s`, `45s`, `2m`, `2m30s`, `1h05m`.
    static func clock(_ v: Double, step: Double?) -> String {
        let sign = v < 0 ? "-" : ""
        let a = Swift.abs(v)
        if a < 60 || (step ?? 1) < 1 { return sign + plain(a, step: step) + "s" }
        if a >= 1e9 { return sign + compact(a, step: step) + "s" }
        let total = Int(a.rounded())
        let h = total / 3600
        let m = (total % 3600) / 60
        let s = total % 60
        if h > 0 { return sign + "\(h)h" + String(format: "%02dm", m) + (s > 0 ? String(format: "%02ds", s) : "") }
        return sign + "\(m)m" + (s > 0 ? "\(s)s" : "")
    }

    /// Unix seconds in UTC; the step decides between day and minute precision.
    static func date(_ v: Double, step: Double?) -> String {
        guard Swift.abs(v) < 1e12 else { return compact(v, step: step) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        let s = step ?? 60
        formatter.dateFormat = step == nil ? "yyyy-MM-dd HH:mm" : s >= 86_400 ? "yyyy-MM-dd" : "MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: v))
    }
}

// MARK: - Drawing

extension SVGChart {
    /// A numeric domain and its ticks.
    struct Scale {
        var low: Double
        var high: Double
        var ticks: [Tick]

        /// Position of `v` on `[from, to]` (pixels), not clamped.
        func map(_ v: Double, _ from: Double, _ to: Double) -> Double {
            let span = high - low
            guard span > 0, span.isFinite else { return (from + to) / 2 }
            return from + (SVGChart.clamp(v) - low) / span * (to - from)
        }
    }

    /// Builds the SVG text of one chart.
    struct Renderer {
        // The layout helpers live in an extension in SVGChart+Layout.swift, outside SVGChart's lexical scope.
        typealias Scale = SVGChart.Scale
        typealias Tick = SVGChart.Tick
        typealias Axis = SVGChart.Axis
        typealias Format = SVGChart.Format
        typealias Side = SVGChart.Side
        typealias Band = SVGChart.Band
        typealias Marker = SVGChart.Marker
        typealias ReferenceLine = SVGChart.ReferenceLine
        typealias Point = SVGChart.Point

        let chart: SVGChart
        var out = ""

        init(chart: SVGChart) { self.chart = chart }

        // Layout constants.
        let fontSize = 11.0
        /// Average glyph advance at 11 px, for label placement.
        let glyphWidth = 6.3
        let rowHeight = 14.0

        func width(of text: String) -> Double { Double(text.count) * glyphWidth }

        mutating func render(standalone: Bool) -> String {
            let w = Swift.max(chart.width.isFinite ? chart.width : 760, 240)
            let h = Swift.max(chart.height.isFinite ? chart.height : 260, 140)
            let hasData = chart.hasData

            // Colours of the series, in order.
            var colors: [String] = []
            var next = 0
            for s in chart.series {
                if let c = s.color, !c.isEmpty {
                    colors.append(c)
                } else {
                    colors.append(SVGChart.palette[next % SVGChart.palette.count])
                    next += 1
                }
            }

            // Scales.
            let xScale = Self.xScale(chart)
            let yScale = Self.yScale(chart, side: .left, axis: chart.y)
            let y2Scale = chart.y2.map { Self.yScale(chart, side: .right, axis: $0) }

            // Horizontal layout: room for the y tick labels on the left (and right).
            let yLabelWidth = (yScale.ticks.map { width(of: $0.label) }.max() ?? 0) + 10
            let y2LabelWidth = (y2Scale?.ticks.map { width(of: $0.label) }.max() ?? 0) + 10
            let left = 14 + (chart.y.label.isEmpty ? 0 : 14) + Swift.max(yLabelWidth, 24)
            let right =
                w - 12 - (chart.y2 == nil ? 0 : Swift.max(y2LabelWidth, 24) + (chart.y2!.label.isEmpty ? 0 : 14))

            // Vertical layout: title, legend rows, band label rows, plot, x ticks and label.
            let legend = legendItems(colors: colors)
            let legendRows = layoutRow(legend.map { width(of: $0.text) + 26 }, from: left, to: right)
            let bandPlacement = placeBandLabels(xScale: xScale, left: left, right: right)
            let bandRows = (bandPlacement.map(\.row).max() ?? -1) + 1
            let titleY = 16.0
            let legendTop = titleY + 8
            let legendHeight = Double(legendRows.rows) * rowHeight
            let bandTop = legendTop + legendHeight + (legend.isEmpty ? 0 : 4)
            let ribbonTop = bandTop + Double(bandRows) * rowHeight + 4
            let ribbonHeight = chart.ribbon.isEmpty ? 0.0 : 15
            let top = ribbonTop + ribbonHeight
            let bottom = h - 22 - (chart.x.label.isEmpty ? 0 : 14)
            let plotHeight = Swift.max(bottom - top, 30)
            let plotBottom = top + plotHeight

            let X = { (v: Double) in xScale.map(v, left, right) }
            let Y = { (v: Double) in yScale.map(v, plotBottom, top) }
            let Y2 = { (v: Double) in (y2Scale ?? yScale).map(v, plotBottom, top) }
            func clampY(_ v: Double) -> Double { Swift.min(Swift.max(v, top), plotBottom) }
            func clampX(_ v: Double) -> Double { Swift.min(Swift.max(v, left), right) }

            // The root element.
            var classes = "chart"
            if !hasData { classes += " chart-empty" }
            if standalone { out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" }
            out += "<svg"
            if standalone { out += " xmlns=\"http://www.w3.org/2000/svg\"" }
            if let id = chart.id, !id.isEmpty { out += " id=\"\(esc(id))\"" }
            out += " class=\"\(classes)\" viewBox=\"0 0 \(n(w)) \(n(h))\" width=\"\(n(w))\" height=\"\(n(h))\""
            out += " role=\"img\" aria-label=\"\(esc(chart.title))\""
            out += " font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
            out += " font-size=\"\(n(fontSize))\">\n"
            out += "<title>\(esc(chart.title))</title>\n"
            out += "<rect class=\"chart-background\" x=\"0\" y=\"0\" width=\"\(n(w))\" height=\"\(n(h))\""
            out += " fill=\"#ffffff\"/>\n"
            out +=
                "<text class=\"chart-title\" x=\"\(n(left))\" y=\"\(n(titleY))\" font-size=\"13\" font-weight=\"600\""
            out += " fill=\"#1d2125\">\(esc(chart.title))</text>\n"

            // Legend.
            if !legend.isEmpty {
                out += "<g class=\"legend\">\n"
                for (i, item) in legend.enumerated() {
                    let (row, x0) = legendRows.positions[i]
                    let cy = legendTop + Double(row) * rowHeight + rowHeight / 2
                    out += "<g class=\"legend-item\">"
                    switch item.swatch {
                    case .line(let color, let dashed):
                        out += "<line x1=\"\(n(x0))\" y1=\"\(n(cy))\" x2=\"\(n(x0 + 18))\" y2=\"\(n(cy))\""
                        out += " stroke=\"\(esc(color))\" stroke-width=\"2.5\""
                        out += dashed ? " stroke-dasharray=\"5 3\"/>" : "/>"
                    case .box(let color, let opacity, let dashed):
                        out +=
                            "<rect x=\"\(n(x0))\" y=\"\(n(cy - 5))\" width=\"18\" height=\"10\" fill=\"\(esc(color))\""
                        out += " fill-opacity=\"\(n(opacity, 2))\" stroke=\"\(esc(color))\""
                        out += "\(dashed ? " stroke-dasharray=\"3 2\"" : " stroke-opacity=\"0.5\"")/>"
                    }
                    out +=
                        "<text x=\"\(n(x0 + 23))\" y=\"\(n(cy + 4))\" fill=\"#30353b\">\(esc(item.text))</text></g>\n"
                }
                out += "</g>\n"
            }

            // Plot frame and grid.
            out += "<rect class=\"plot-area\" x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\""
            out += " height=\"\(n(plotHeight))\" fill=\"#fbfbfc\" stroke=\"#c9ced4\"/>\n"
            out += "<g class=\"grid\" stroke=\"#e3e6ea\" stroke-width=\"1\">\n"
            for t in yScale.ticks {
                let y = Y(t.value)
                guard y >= top - 0.5, y <= plotBottom + 0.5 else { continue }
                out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\"/>\n"
            }
            out += "</g>\n"

            // Bands under the data, with their labels above the plot.
            if !chart.bands.isEmpty {
                out += "<g class=\"bands\">\n"
                for (i, band) in chart.bands.enumerated() {
                    guard let place = bandPlacement.first(where: { $0.index == i }) else { continue }
                    let color = Self.bandColor(band.style)
                    let x0 = place.x0
                    let x1 = place.x1
                    out += "<rect class=\"band \(band.style.cssClass)\" x=\"\(n(x0))\" y=\"\(n(top))\""
                    out += " width=\"\(n(Swift.max(x1 - x0, 2)))\" height=\"\(n(plotHeight))\" fill=\"\(color)\""
                    out += " fill-opacity=\"\(band.style == .incident ? "0.13" : "0.2")\""
                    if band.style == .incident {
                        out += " stroke=\"\(color)\" stroke-opacity=\"0.8\" stroke-dasharray=\"4 3\""
                    }
                    out += "><title>\(esc(band.detail ?? band.label))</title></rect>\n"
                    let ly = bandTop + Double(place.row) * rowHeight + rowHeight - 3
                    out +=
                        "<line class=\"band-tick\" x1=\"\(n(x0))\" y1=\"\(n(ly + 3))\" x2=\"\(n(x0))\" y2=\"\(n(top))\""
                    out += " stroke=\"\(color)\" stroke-width=\"1\"/>\n"
                    out += "<text class=\"band-label \(band.style.cssClass)-label\" x=\"\(n(x0 + 3))\" y=\"\(n(ly))\""
                    out += " fill=\"\(Self.bandTextColor(band.style))\">\(esc(place.text))</text>\n"
                }
                out += "</g>\n"
            }

            // The ribbon above the plot: alternating shades, each stretch labelled when its label fits.
            if !chart.ribbon.isEmpty {
                out += "<g class=\"ribbon\">\n"
                for (i, seg) in chart.ribbon.enumerated() {
                    guard seg.from.isFinite else { continue }
                    let x0 = clampX(X(seg.from))
                    let x1 = clampX(seg.to.map { $0.isFinite ? X($0) : right } ?? right)
                    guard x1 > x0 else { continue }
                    let fill = i % 2 == 0 ? "#dfe6f0" : "#eef1f5"
                    out += "<rect class=\"ribbon-segment\" x=\"\(n(x0))\" y=\"\(n(ribbonTop))\" width=\"\(n(x1 - x0))\""
                    out +=
                        " height=\"\(n(ribbonHeight - 2))\" fill=\"\(fill)\" stroke=\"#b7c0cc\" stroke-width=\"0.5\">"
                    out += "<title>\(esc(seg.detail ?? seg.label))</title></rect>\n"
                    let room = Int((x1 - x0 - 6) / glyphWidth)
                    if room >= 3 {
                        out +=
                            "<text class=\"ribbon-label\" x=\"\(n(x0 + 3))\" y=\"\(n(ribbonTop + 10))\" font-size=\"10\""
                        out += " fill=\"#30353b\">\(esc(truncated(seg.label, room)))</text>\n"
                    }
                }
                out += "</g>\n"
            }

            // Reference lines; their labels' boxes are kept clear of marker labels.
            var obstacles: [(x0: Double, x1: Double, y0: Double, y1: Double)] = []
            let references = chart.references.filter { $0.y.isFinite }
            if !references.isEmpty {
                out += "<g class=\"references\">\n"
                for r in references {
                    let y = r.axis == .right ? Y2(r.y) : Y(r.y)
                    guard y >= top - 0.5, y <= plotBottom + 0.5 else { continue }
                    let color = r.color ?? Self.referenceColor(r.style)
                    out += "<line class=\"reference reference-\(r.style.rawValue)\" x1=\"\(n(left))\" y1=\"\(n(y))\""
                    out += " x2=\"\(n(right))\" y2=\"\(n(y))\" stroke=\"\(esc(color))\" stroke-width=\"1.5\""
                    out += " stroke-dasharray=\"6 4\"><title>\(esc(r.label))</title></line>\n"
                    let text = truncated(r.label, 40)
                    let below = y - top < 14
                    let ty = below ? y + 12 : y - 4
                    obstacles.append((right - 4 - width(of: text), right - 4, ty - 10, ty + 3))
                    out += "<text class=\"reference-label\" x=\"\(n(right - 4))\" y=\"\(n(ty))\""
                    out += " text-anchor=\"end\" fill=\"\(esc(color))\" paint-order=\"stroke\" stroke=\"#ffffff\""
                    out += " stroke-width=\"3\">\(esc(text))</text>\n"
                }
                out += "</g>\n"
            }

            // The series.
            for (i, s) in chart.series.enumerated() {
                let color = esc(colors[i])
                let map = s.axis == .right ? Y2 : Y
                let baseline = clampY(map(Swift.max((s.axis == .right ? y2Scale ?? yScale : yScale).low, 0)))
                out += "<g class=\"series series-\(s.style.rawValue)\" data-series=\"\(esc(s.name))\">\n"
                for segment in Self.segments(s.points) {
                    let coords = segment.map { (clampX(X($0.x)), clampY(map($0.y))) }
                    if coords.count == 1 {
                        out += "<circle class=\"series-dot\" cx=\"\(n(coords[0].0))\" cy=\"\(n(coords[0].1))\" r=\"3\""
                        out += " fill=\"\(color)\"/>\n"
                        continue
                    }
                    let list = coords.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                    if s.style == .area {
                        let first = coords[0].0
                        let last = coords[coords.count - 1].0
                        out += "<polygon class=\"series-area\" points=\"\(n(first)),\(n(baseline)) \(list)"
                        out +=
                            " \(n(last)),\(n(baseline))\" fill=\"\(color)\" fill-opacity=\"0.14\" stroke=\"none\"/>\n"
                    }
                    out += "<polyline class=\"series-line\" points=\"\(list)\" fill=\"none\" stroke=\"\(color)\""
                    out += " stroke-width=\"\(s.style == .dashed ? "1.6" : "1.8")\" stroke-linejoin=\"round\""
                    out += s.style == .dashed ? " stroke-dasharray=\"6 4\"" : ""
                    out += "/>\n"
                    if s.style == .dots {
                        for c in coords {
                            out += "<circle class=\"series-dot\" cx=\"\(n(c.0))\" cy=\"\(n(c.1))\" r=\"2.5\""
                            out += " fill=\"\(color)\"/>\n"
                        }
                    }
                }
                out += "</g>\n"
            }

            // Event marks along the bottom of the plot, above the series.
            if !chart.events.isEmpty {
                out += "<g class=\"events\">\n"
                for e in chart.events where e.x.isFinite {
                    let x = X(e.x)
                    guard x >= left - 0.5, x <= right + 0.5 else { continue }
                    out +=
                        "<circle class=\"event-dot \(esc(e.kind))\" cx=\"\(n(x))\" cy=\"\(n(plotBottom - 6))\" r=\"4\""
                    out +=
                        " fill=\"\(esc(e.color))\" stroke=\"#ffffff\" stroke-width=\"1\"><title>\(esc(e.detail))</title>"
                    out += "</circle>\n"
                }
                out += "</g>\n"
            }

            // Markers, labels stacked at the top of the plot so they do not overlap.
            let markers = chart.markers.filter { $0.x.isFinite }
            if !markers.isEmpty {
                out += "<g class=\"markers\">\n"
                var rows: [[(Double, Double)]] = []
                for m in markers.sorted(by: { $0.x < $1.x }) {
                    let x = X(m.x)
                    guard x >= left - 0.5, x <= right + 0.5 else { continue }
                    let color = esc(m.color ?? Self.markerColor(m.style))
                    out += "<line class=\"marker marker-\(m.style.rawValue)\" x1=\"\(n(x))\" y1=\"\(n(top))\""
                    out += " x2=\"\(n(x))\" y2=\"\(n(plotBottom))\" stroke=\"\(color)\" stroke-width=\"1.5\""
                    out += " stroke-dasharray=\"3 3\"><title>\(esc(m.label))</title></line>\n"
                    let text = truncated(m.label, 32)
                    let tw = width(of: text)
                    let anchorEnd = x + 3 + tw > right
                    let extent = anchorEnd ? (x - 3 - tw, x - 3) : (x + 3, x + 3 + tw)
                    let maxRows = Swift.max(1, Int((plotHeight - 4) / 13))
                    func free(_ row: Int) -> Bool {
                        let y = top + 12 + Double(row) * 13
                        let taken =
                            row < rows.count && rows[row].contains { extent.0 < $0.1 + 4 && $0.0 < extent.1 + 4 }
                        let blocked = obstacles.contains {
                            extent.0 < $0.x1 + 2 && $0.x0 < extent.1 + 2 && y - 10 < $0.y1 && $0.y0 < y + 3
                        }
                        return !taken && !blocked
                    }
                    var row = 0
                    while row < maxRows - 1, !free(row) { row += 1 }
                    while rows.count <= row { rows.append([]) }
                    rows[row].append(extent)
                    let ty = top + 12 + Double(row) * 13
                    out += "<text class=\"marker-label\" x=\"\(n(anchorEnd ? x - 3 : x + 3))\" y=\"\(n(ty))\""
                    out += anchorEnd ? " text-anchor=\"end\"" : ""
                    out += " fill=\"\(color)\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\">"
                    out += "\(esc(text))</text>\n"
                }
                out += "</g>\n"
            }

            // Axes.
            out += "<g class=\"axis x-axis\" fill=\"#4a5058\">\n"
            var lastLabelEnd = -Double.infinity
            for t in xScale.ticks {
                let x = X(t.value)
                guard x >= left - 0.5, x <= right + 0.5 else { continue }
                out += "<line x1=\"\(n(x))\" y1=\"\(n(plotBottom))\" x2=\"\(n(x))\" y2=\"\(n(plotBottom + 4))\""
                out += " stroke=\"#9aa1a9\"/>\n"
                let tw = width(of: t.label)
                guard x - tw / 2 > lastLabelEnd + 6 else { continue }
                lastLabelEnd = x + tw / 2
                out += "<text x=\"\(n(x))\" y=\"\(n(plotBottom + 16))\" text-anchor=\"middle\">\(esc(t.label))</text>\n"
            }
            if !chart.x.label.isEmpty {
                out += "<text class=\"axis-label\" x=\"\((n((left + right) / 2)))\" y=\"\(n(h - 6))\""
                out += " text-anchor=\"middle\">\(esc(chart.x.label))</text>\n"
            }
            out += "</g>\n"
            axis(yScale, label: chart.y.label, x: left, anchorEnd: true, top: top, bottom: plotBottom, map: Y, h: h)
            if let y2Scale, let y2 = chart.y2 {
                axis(y2Scale, label: y2.label, x: right, anchorEnd: false, top: top, bottom: plotBottom, map: Y2, h: h)
            }

            if !hasData {
                out += "<text class=\"no-data\" x=\"\(n((left + right) / 2))\" y=\"\(n(top + plotHeight / 2 + 5))\""
                out += " text-anchor=\"middle\" font-size=\"14\" fill=\"#6b6f76\">\(esc(chart.emptyNote))</text>\n"
            }
            out += "</svg>"
            return out
        }

        /// A y axis: ticks and labels beside the plot, the label rotated along it.
        mutating func axis(
            _ scale: Scale, label: String, x: Double, anchorEnd: Bool, top: Double, bottom: Double,
            map: (Double) -> Double, h: Double
        ) {
            out += "<g class=\"axis \(anchorEnd ? "y-axis" : "y2-axis")\" fill=\"#4a5058\">\n"
            var widest = 0.0
            for t in scale.ticks {
                let y = map(t.value)
                guard y >= top - 0.5, y <= bottom + 0.5 else { continue }
                let x2 = anchorEnd ? x - 4 : x + 4
                out += "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x2))\" y2=\"\(n(y))\" stroke=\"#9aa1a9\"/>\n"
                out += "<text x=\"\(n(anchorEnd ? x - 6 : x + 6))\" y=\"\(n(y + 4))\""
                out += " text-anchor=\"\(anchorEnd ? "end" : "start")\">\(esc(t.label))</text>\n"
                widest = Swift.max(widest, width(of: t.label))
            }
            if !label.isEmpty {
                let lx = anchorEnd ? x - Swift.max(widest, 24) - 16 : x + Swift.max(widest, 24) + 16
                let ly = (top + bottom) / 2
                out += "<text class=\"axis-label\" x=\"\(n(lx))\" y=\"\(n(ly))\" text-anchor=\"middle\""
                out += " transform=\"rotate(\(anchorEnd ? -90 : 90) \(n(lx)) \(n(ly)))\">\(esc(label))</text>\n"
            }
            out += "</g>\n"
        }
    }
}
