import Foundation

/// The renderer's layout helpers: legend items and rows, band label placement, scales and ticks, line segments,
/// colours and number text.
extension SVGChart.Renderer {
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
