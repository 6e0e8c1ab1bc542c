/// A named campus demand shape, expanded into open-model stages: a whole meal rush or surge in one line of plan.
///
/// Each shape is a list of segments as (share of the duration, start rate, end rate), rates as a share of
/// `peakRate`. The profiles are stylised from campus order patterns: the rush when lectures end at 11:50, a
/// broader dinner peak, a late-night snack bump, the exam-week lull and an event-day spike with its decay.
public struct CampusShape: Sendable, Hashable {
    public enum Name: String, Sendable, CaseIterable, Codable {
        case lunchPeak = "lunch-peak"
        case dinnerPeak = "dinner-peak"
        case lateNight = "late-night"
        case examWeek = "exam-week"
        case eventDaySurge = "event-day-surge"

        /// One line for `validate --expand` and the docs.
        public var summary: String {
            switch self {
            case .lunchPeak: "late-morning trickle, sharp rise as lectures end, a sustained peak, then a tail"
            case .dinnerPeak: "broader and slower than lunch: a long rise, a long peak, a gentle decline"
            case .lateNight: "low evening demand climbing to a late snack peak, then fading"
            case .examWeek: "normal demand dropping into a deep lull (students stay in), a slight recovery"
            case .eventDaySurge: "steady base, a sudden spike to the peak within seconds, then a long decay"
            }
        }

        /// (share of duration, from × peak, to × peak). Shares sum to 1.
        var segments: [(share: Double, from: Double, to: Double)] {
            switch self {
            case .lunchPeak:
                [(0.15, 0.15, 0.40), (0.20, 0.40, 1.00), (0.25, 1.00, 1.00), (0.20, 1.00, 0.45), (0.20, 0.45, 0.15)]
            case .dinnerPeak:
                [(0.20, 0.20, 0.60), (0.15, 0.60, 1.00), (0.30, 1.00, 1.00), (0.20, 1.00, 0.50), (0.15, 0.50, 0.20)]
            case .lateNight:
                [(0.25, 0.40, 0.80), (0.15, 0.80, 1.00), (0.20, 1.00, 1.00), (0.40, 1.00, 0.20)]
            case .examWeek:
                [(0.20, 1.00, 0.40), (0.60, 0.40, 0.40), (0.20, 0.40, 0.70)]
            case .eventDaySurge:
                [
                    (0.30, 0.30, 0.30), (0.03, 0.30, 1.00), (0.10, 1.00, 1.00), (0.15, 1.00, 0.60), (0.17, 0.60, 0.40),
                    (0.25, 0.40, 0.30),
                ]
            }
        }
    }

    public var name: Name
    public var peakRate: Double
    public var duration: PlanDuration

    public init(name: Name, peakRate: Double, duration: PlanDuration) {
        self.name = name
        self.peakRate = peakRate
        self.duration = duration
    }

    /// The stages this shape stands for. Stage durations are whole milliseconds and add up to `duration` exactly.
    public func expand() -> [Stage] {
        let segments = name.segments
        let totalMs = duration.nanoseconds / 1_000_000
        var stages: [Stage] = []
        var usedMs: Int64 = 0
        for (i, segment) in segments.enumerated() {
            let ms: Int64
            if i == segments.count - 1 {
                ms = totalMs - usedMs
            } else {
                ms = Int64((Double(totalMs) * segment.share).rounded())
            }
            usedMs += ms
            guard ms > 0 else { continue }
            stages.append(
                Stage(
                    duration: .milliseconds(ms), from: round2(segment.from * peakRate),
                    to: round2(segment.to * peakRate)))
        }
        // Sub-millisecond remainder (durations are rarely that precise) goes to the last stage.
        let remainder = duration.nanoseconds - totalMs * 1_000_000
        if remainder > 0, !stages.isEmpty { stages[stages.count - 1].duration.nanoseconds += remainder }
        return stages
    }

    private func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}
