/// What a chart is made of: axes and their formats, series, bands, markers, reference lines, the ribbon and event
/// marks.
extension SVGChart {
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
}
