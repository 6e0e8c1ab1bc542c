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
    // MARK: - Configuration types

    /// How an axis formats its values (tick labels and legend values).
    public enum Format: Sendable, Equatable {
        /// Plain numbers, compacted with k/M/G when large; the unit goes into axis labels, not every tick.
        case number(unit: String = "")
        /// Shares: 0.05 is shown as `5%`.
        case percent
        /// Durations in milliseconds: `250 ms`, `1.5 s`.
        case milliseconds
        /// Drill-clock offsets in seconds: `45s`, `2m30s`, `1h05m`.
        case seconds
        /// Unix time in seconds, shown in UTC: `11-25 13:30`, `2026-11-25`.
        case date
    }

    /// One tick at `value` with its `label` (for axes whose ticks the caller chooses, such as run numbers).
    public struct Tick: Sendable, Equatable {
        public var value: Double
        public var label: String

        public init(value: Double, label: String) {
            self.value = value
            self.label = label
        }
    }

    /// An axis: its title, value format and, optionally, a fixed domain or fixed ticks.
    public struct Axis: Sendable, Equatable {
        /// Shown along the axis (`drill time`, `p99 (ms)`); empty for none.
        public var label: String
        public var format: Format
        /// Fixed ends of the domain; nil ends follow the data.
        public var minimum: Double?
        public var maximum: Double?
        /// Whether the domain reaches down (or up) to zero. Ignored for `.date`.
        public var includeZero: Bool
        /// Ticks to draw instead of computed ones.
        public var ticks: [Tick]?

        public init(
            label: String = "", format: Format = .number(), minimum: Double? = nil, maximum: Double? = nil,
            includeZero: Bool = true, ticks: [Tick]? = nil
        ) {
            self.label = label
            self.format = format
            self.minimum = minimum
            self.maximum = maximum
            self.includeZero = includeZero
            self.ticks = ticks
        }
    }

    /// A data point. Non-finite `y` (or `x`) breaks the line there.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// Which y axis a series or reference line is measured on.
    public enum Side: String, Sendable, Equatable {
        case left
        case right
    }

    /// One line of the chart.
    public struct Series: Sendable, Equatable {
        public enum Style: String, Sendable, Equatable {
            /// A solid line.
            case line
            /// A solid line with the area below it shaded.
            case area
            /// A dashed line (a plan, an ideal, a forecast).
            case dashed
            /// A line with a dot on every point (sparse data such as one point per run).
            case dots
        }

        public var name: String
        /// In the order to connect them (usually increasing x).
        public var points: [Point]
        public var style: Style
        /// Any CSS colour; nil takes the next colour of `SVGChart.palette`.
        public var color: String?
        public var axis: Side

        public init(name: String, points: [Point], style: Style = .line, color: String? = nil, axis: Side = .left) {
            self.name = name
            self.points = points
            self.style = style
            self.color = color
            self.axis = axis
        }

        /// Pairs `x[i]` with `y[i]` (the shorter array decides the count).
        public init(
            name: String, x: [Double], y: [Double], style: Style = .line, color: String? = nil, axis: Side = .left
        ) {
            self.init(name: name, points: zip(x, y).map { Point($0, $1) }, style: style, color: color, axis: axis)
        }
    }

    /// A shaded stretch of the x axis with a label above the plot.
    public struct Band: Sendable, Equatable {
        public enum Style: String, Sendable, Equatable {
            /// A planned fault window (class `fault-window`).
            case fault
            /// An unplanned incident (class `incident-window`, drawn with a dashed outline).
            case incident
            /// Anything else (class `neutral-window`).
            case neutral

            /// `fault-window`, `incident-window`, `neutral-window`.
            var cssClass: String { "\(rawValue)-window" }
        }

        public var from: Double
        /// Nil: to the end of the x domain.
        public var to: Double?
        public var label: String
        public var style: Style
        /// Longer text for the tooltip (`<title>`); the label when nil.
        public var detail: String?

        public init(from: Double, to: Double?, label: String, style: Style = .fault, detail: String? = nil) {
            self.from = from
            self.to = to
            self.label = label
            self.style = style
            self.detail = detail
        }
    }

    /// A vertical line at `x` with a label at the top of the plot.
    public struct Marker: Sendable, Equatable {
        public enum Style: String, Sendable, Equatable {
            /// Where the target recovered (green).
            case recovery
            /// Where an impact began (red).
            case impact
            /// A capacity knee (blue).
            case knee
            /// A forecast requirement (purple).
            case forecast
            /// Anything else (grey).
            case neutral
        }

        public var x: Double
        public var label: String
        public var style: Style
        /// Overrides the style's colour.
        public var color: String?

        public init(x: Double, label: String, style: Style = .neutral, color: String? = nil) {
            self.x = x
            self.label = label
            self.style = style
            self.color = color
        }
    }

    /// A stretch of a ribbon drawn just above the plot: a game day's phases.
    public struct RibbonSegment: Sendable, Equatable {
        public var from: Double
        /// Nil: to the end of the x domain.
        public var to: Double?
        public var label: String
        public var detail: String?

        public init(from: Double, to: Double?, label: String, detail: String? = nil) {
            self.from = from
            self.to = to
            self.label = label
            self.detail = detail
        }
    }

    /// A small mark at `x` along the bottom of the plot, such as one participant's report (class `event-dot`).
    public struct EventDot: Sendable, Equatable {
        public var x: Double
        public var color: String
        /// The tooltip.
        public var detail: String
        /// Extra class (`feedback-slow`, …) for styling and tests.
        public var kind: String

        public init(x: Double, color: String, detail: String, kind: String) {
            self.x = x
            self.color = color
            self.detail = detail
            self.kind = kind
        }
    }

    /// A horizontal line at `y` with a label at its right end.
    public struct ReferenceLine: Sendable, Equatable {
        public enum Style: String, Sendable, Equatable {
            /// A limit not to cross, such as an SLO (red, dashed).
            case limit
            /// The healthy reference (grey, dashed).
            case baseline
            /// A forecast rate (purple, dashed).
            case forecast
        }

        public var y: Double
        public var label: String
        public var style: Style
        public var axis: Side
        /// Overrides the style's colour.
        public var color: String?

        public init(y: Double, label: String, style: Style = .limit, axis: Side = .left, color: String? = nil) {
            self.y = y
            self.label = label
            self.style = style
            self.axis = axis
            self.color = color
        }
    }

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

        // MARK: Legend

        enum Swatch {
            case line(String, dashed: Bool)
            case box(String, opacity: Double, dashed: Bool)
        }

        struct LegendItem {
            var text: String
            var swatch: Swatch
        }

        func legendItems(colors: [String]) -> [LegendItem] {
            var items: [LegendItem] = []
            for (i, s) in chart.series.enumerated() where !s.name.isEmpty {
                let name = truncated(s.name, 40)
                if s.style == .area {
                    items.append(LegendItem(text: name, swatch: .box(colors[i], opacity: 0.35, dashed: false)))
                } else {
                    items.append(LegendItem(text: name, swatch: .line(colors[i], dashed: s.style == .dashed)))
                }
            }
            for style in [Band.Style.fault, .incident, .neutral]
            where chart.bands.contains(where: { $0.style == style }) {
                // Neutral bands that all share a label (a game day's holds) are named by it.
                let neutral = Set(chart.bands.filter { $0.style == .neutral }.map(\.label))
                let text =
                    style == .fault
                    ? "fault window"
                    : style == .incident ? "unplanned incident" : neutral.count == 1 ? neutral.first! : "window"
                items.append(
                    LegendItem(
                        text: text, swatch: .box(Self.bandColor(style), opacity: 0.3, dashed: style == .incident)))
            }
            if !chart.events.isEmpty {
                items.append(
                    LegendItem(
                        text: "participants' reports", swatch: .box(SVGChart.orange, opacity: 0.9, dashed: false)))
            }
            return items
        }

        /// Flows items of the given widths into rows between `from` and `to`.
        func layoutRow(_ widths: [Double], from: Double, to: Double) -> (rows: Int, positions: [(Int, Double)]) {
            var positions: [(Int, Double)] = []
            var row = 0
            var x = from
            for w in widths {
                if x > from && x + w > to {
                    row += 1
                    x = from
                }
                positions.append((row, x))
                x += w + 12
            }
            return (widths.isEmpty ? 0 : row + 1, positions)
        }

        // MARK: Bands

        struct BandPlace {
            var index: Int
            var x0: Double
            var x1: Double
            var row: Int
            var text: String
        }

        /// Pixel extents of the visible bands and a label row for each, so labels do not overlap (at most 3 rows;
        /// beyond that they share the last).
        func placeBandLabels(xScale: Scale, left: Double, right: Double) -> [BandPlace] {
            var places: [BandPlace] = []
            var rows: [[(Double, Double)]] = []
            let order = chart.bands.indices.sorted { (chart.bands[$0].from, $0) < (chart.bands[$1].from, $1) }
            for i in order {
                let band = chart.bands[i]
                guard band.from.isFinite else { continue }
                let end = band.to.flatMap { $0.isFinite ? $0 : nil } ?? xScale.high
                let a = xScale.map(Swift.min(band.from, end), left, right)
                let b = xScale.map(Swift.max(band.from, end), left, right)
                guard b >= left - 0.5, a <= right + 0.5 else { continue }
                let x0 = Swift.min(Swift.max(a, left), right)
                let x1 = Swift.min(Swift.max(b, left), right)
                let text = truncated(band.label, 32)
                let extent = (x0, x0 + 3 + width(of: text))
                var row = 0
                while row < rows.count, rows[row].contains(where: { extent.0 < $0.1 + 6 && $0.0 < extent.1 + 6 }) {
                    row += 1
                }
                if row >= 3 { row = 2 }
                while rows.count <= row { rows.append([]) }
                rows[row].append(extent)
                places.append(BandPlace(index: i, x0: x0, x1: x1, row: row, text: text))
            }
            return places
        }

        // MARK: Scales

        static func xScale(_ chart: SVGChart) -> Scale {
            var values: [Double] = []
            for s in chart.series {
                for p in s.points where p.x.isFinite && p.y.isFinite { values.append(SVGChart.clamp(p.x)) }
            }
            // Markers are placed on purpose: the axis reaches them. Without data, bands count too.
            let hadData = !values.isEmpty
            values += chart.markers.map(\.x).filter(\.isFinite).map(SVGChart.clamp)
            if !hadData {
                values += chart.bands.flatMap { [$0.from, $0.to ?? $0.from] }.filter(\.isFinite).map(SVGChart.clamp)
            }
            let axis = chart.x
            let includeZero = axis.includeZero && axis.format != .date
            var low = values.min() ?? 0
            var high = values.max() ?? 1
            if includeZero {
                low = Swift.min(low, 0)
                high = Swift.max(high, 0)
            }
            if let m = axis.minimum, m.isFinite { low = SVGChart.clamp(m) }
            if let m = axis.maximum, m.isFinite { high = SVGChart.clamp(m) }
            if high < low { swap(&low, &high) }
            if high == low {
                let pad = axis.format == .date ? 3600 : Swift.max(Swift.abs(low) * 0.05, 0.5)
                low -= pad
                high += pad
            }
            let ticks = axis.ticks ?? Self.ticks(low: low, high: high, format: axis.format, target: 8)
            return Scale(low: low, high: high, ticks: ticks)
        }

        static func yScale(_ chart: SVGChart, side: Side, axis: Axis) -> Scale {
            var values: [Double] = []
            for s in chart.series where s.axis == side {
                for p in s.points where p.x.isFinite && p.y.isFinite { values.append(SVGChart.clamp(p.y)) }
            }
            for r in chart.references where r.axis == side && r.y.isFinite { values.append(SVGChart.clamp(r.y)) }
            let includeZero = axis.includeZero && axis.format != .date
            var low = values.min() ?? 0
            var high = values.max() ?? (axis.format == .percent ? 0.01 : 1)
            if includeZero {
                low = Swift.min(low, 0)
                high = Swift.max(high, 0)
            }
            let fixedLow = axis.minimum.flatMap { $0.isFinite ? SVGChart.clamp($0) : nil }
            let fixedHigh = axis.maximum.flatMap { $0.isFinite ? SVGChart.clamp($0) : nil }
            if let fixedLow { low = fixedLow }
            if let fixedHigh { high = fixedHigh }
            if high < low { swap(&low, &high) }
            if high == low {
                if low == 0 {
                    high = axis.format == .percent ? 0.01 : 1
                } else {
                    let pad = Swift.abs(low) * 0.1
                    if fixedLow == nil { low -= pad }
                    if fixedHigh == nil { high += pad }
                    if includeZero && fixedLow == nil { low = Swift.min(low, 0) }
                    if includeZero && fixedHigh == nil { high = Swift.max(high, 0) }
                }
            }
            if let ticks = axis.ticks { return Scale(low: low, high: high, ticks: ticks) }
            // Round the open ends out to a tick.
            let step = Self.step(span: high - low, format: axis.format, target: 5)
            if fixedLow == nil, step > 0 {
                let l = (low / step).rounded(.down) * step
                if l.isFinite { low = l }
            }
            if fixedHigh == nil, step > 0 {
                let h = (high / step).rounded(.up) * step
                if h.isFinite { high = h }
            }
            return Scale(low: low, high: high, ticks: Self.ticks(low: low, high: high, format: axis.format, target: 5))
        }

        /// Ticks at multiples of a nice step inside `[low, high]`.
        static func ticks(low: Double, high: Double, format: Format, target: Int) -> [Tick] {
            let step = Self.step(span: high - low, format: format, target: target)
            guard step > 0, step.isFinite else { return [] }
            var ticks: [Tick] = []
            let first = (low / step).rounded(.up)
            var k = 0
            while k <= 60 {
                let v = (first + Double(k)) * step
                if !v.isFinite || v > high + step * 1e-9 { break }
                let value = Swift.abs(v) < step * 1e-9 ? 0 : v
                ticks.append(Tick(value: value, label: SVGChart.label(value, format, step: step)))
                k += 1
            }
            return ticks
        }

        /// A step of 1, 2 or 5 × 10ⁿ (or a clock-friendly one for time formats) giving about `target` ticks.
        static func step(span: Double, format: Format, target: Int) -> Double {
            guard span > 0, span.isFinite else { return 1 }
            let raw = span / Double(Swift.max(target, 1))
            switch format {
            case .seconds where raw >= 1:
                let steps: [Double] = [
                    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                ]
                if let s = steps.first(where: { $0 >= raw }) { return s }
                return nice(raw / 86_400) * 86_400
            case .date:
                let steps: [Double] = [
                    60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86_400, 172_800, 604_800, 1_209_600,
                ]
                if let s = steps.first(where: { $0 >= raw }) { return s }
                return nice(raw / 86_400) * 86_400
            case .milliseconds where raw >= 1000:
                return nice(raw / 1000) * 1000
            default:
                return nice(raw)
            }
        }

        /// The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `raw`.
        static func nice(_ raw: Double) -> Double {
            guard raw > 0, raw.isFinite else { return 1 }
            let magnitude = pow(10, (log10(raw)).rounded(.down))
            for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= raw * (1 - 1e-9) {
                return m * magnitude
            }
            return 10 * magnitude
        }

        /// Runs of consecutive points with finite coordinates.
        static func segments(_ points: [Point]) -> [[Point]] {
            var result: [[Point]] = []
            var current: [Point] = []
            for p in points {
                if p.x.isFinite && p.y.isFinite {
                    current.append(p)
                } else if !current.isEmpty {
                    result.append(current)
                    current = []
                }
            }
            if !current.isEmpty { result.append(current) }
            return result
        }

        // MARK: Colours and text

        static func bandColor(_ style: Band.Style) -> String {
            switch style {
            case .fault: SVGChart.orange
            case .incident: SVGChart.purple
            case .neutral: SVGChart.grey
            }
        }

        static func bandTextColor(_ style: Band.Style) -> String {
            switch style {
            case .fault: "#8a4b0f"
            case .incident: "#5a3590"
            case .neutral: "#4a5058"
            }
        }

        static func markerColor(_ style: Marker.Style) -> String {
            switch style {
            case .recovery: SVGChart.green
            case .impact: SVGChart.red
            case .knee: SVGChart.blue
            case .forecast: SVGChart.purple
            case .neutral: SVGChart.grey
            }
        }

        static func referenceColor(_ style: ReferenceLine.Style) -> String {
            switch style {
            case .limit: SVGChart.red
            case .baseline: SVGChart.grey
            case .forecast: SVGChart.purple
            }
        }

        func esc(_ s: String) -> String { SVGChart.escape(s) }

        func truncated(_ s: String, _ limit: Int) -> String {
            s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
        }

        /// A coordinate with `digits` decimals, trailing zeros dropped.
        func n(_ v: Double, _ digits: Int = 1) -> String {
            guard v.isFinite else { return "0" }
            var s = String(format: "%.\(digits)f", v)
            if s.contains(".") {
                while s.hasSuffix("0") { s.removeLast() }
                if s.hasSuffix(".") { s.removeLast() }
            }
            return s == "-0" ? "0" : s
        }
    }
}
