import Foundation

/// Two drill reports side by side, one row per key figure, with the regressions marked: `stormdrill compare`.
///
/// Regression rules (a row is a regression when the new drill is worse beyond the tolerance):
/// - Numbers: the change in the worse direction must exceed the row's unit floor (`FigureUnit.floor`: 1 ms for
///   request latency and generator lag, 100 ms for drill-clock times such as time to recover, 0.1 percentage point
///   for shares, 0.1 journeys/s for rates, nothing for counts) **and**, when the old value is not zero, exceed
///   `tolerance` relative to the old value. From a zero base only the floor applies: 0 → 3 lost orders is a
///   regression whatever the tolerance, 0 → 0.4 ms is not.
/// - A new value that is the worst outcome with no number (`not recovered`, `never shown`, `none found`) where the
///   old drill had a number is a regression.
/// - Verdict PASS → FAIL, status completed → aborted and a threshold that passed and now fails are always
///   regressions.
/// - A figure missing on one side (a section older reports do not have) is shown, never a regression.
/// Different plans (name or sha256) are compared all the same, with a warning.
public struct ReportComparison: Sendable, Equatable {
    /// The relative tolerance, e.g. 0.10 for 10 %.
    public var tolerance: Double
    /// How the two drills are named in the rendered forms (the CLI sets the report paths).
    public var oldLabel: String
    public var newLabel: String
    /// The old and new drill at a glance.
    public var oldPlan: String
    public var newPlan: String
    public var oldStartedAt: String
    public var newStartedAt: String
    public var rows: [ComparisonRow]
    /// Things to know before trusting the rows: different plans, a changed plan file, an INVALID drill.
    public var warnings: [String]

    public init(
        tolerance: Double, oldLabel: String, newLabel: String, oldPlan: String, newPlan: String, oldStartedAt: String,
        newStartedAt: String, rows: [ComparisonRow], warnings: [String]
    ) {
        self.tolerance = tolerance
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        self.oldPlan = oldPlan
        self.newPlan = newPlan
        self.oldStartedAt = oldStartedAt
        self.newStartedAt = newStartedAt
        self.rows = rows
        self.warnings = warnings
    }

    /// The rows that regressed.
    public var regressions: [ComparisonRow] { rows.filter(\.regression) }

    /// Whether any row regressed (`stormdrill compare` then exits 1).
    public var hasRegressions: Bool { rows.contains(where: \.regression) }

    /// The row named `name`, if any.
    public func row(_ name: String) -> ComparisonRow? { rows.first { $0.name == name } }

    /// Compares every key figure of `old` and `new`; `tolerance` is relative (0.10 = 10 %, negative counts as 0).
    public static func compare(old: DrillReport, new: DrillReport, tolerance: Double) -> ReportComparison {
        var builder = Builder(tolerance: max(0, tolerance.isFinite ? tolerance : 0))
        builder.headline(old, new)
        builder.recovery(old.recovery, new.recovery)
        builder.audit(old.audit, new.audit)
        builder.capacity(old.capacity, new.capacity)
        builder.thresholds(old.thresholds ?? [], new.thresholds ?? [])
        return ReportComparison(
            tolerance: builder.tolerance, oldLabel: "\(old.plan.name) @ \(old.startedAt)",
            newLabel: "\(new.plan.name) @ \(new.startedAt)", oldPlan: old.plan.name, newPlan: new.plan.name,
            oldStartedAt: old.startedAt, newStartedAt: new.startedAt, rows: builder.rows,
            warnings: warnings(old, new))
    }

    static func warnings(_ old: DrillReport, _ new: DrillReport) -> [String] {
        var out: [String] = []
        if old.plan.name != new.plan.name {
            out.append("different plans: \"\(old.plan.name)\" and \"\(new.plan.name)\"; the figures may not compare")
        } else if old.plan.sha256 != new.plan.sha256 {
            out.append(
                "plan \"\(new.plan.name)\" changed between the drills (sha256 \(short(old.plan.sha256)) → "
                    + "\(short(new.plan.sha256)))")
        }
        if old.plan.seed != new.plan.seed {
            out.append("different seeds (\(old.plan.seed) and \(new.plan.seed)): different order streams")
        }
        for (side, report) in [("old", old), ("new", new)] {
            if report.verdict == .invalid {
                out.append("the \(side) drill is INVALID: its figures describe the generator, not the target")
            }
            if report.status == .interrupted {
                out.append("the \(side) drill was interrupted: its figures cover only what ran")
            }
        }
        return out
    }

    static func short(_ sha: String) -> String { sha.isEmpty ? "none" : String(sha.prefix(12)) }

    /// Collects rows in display order.
    struct Builder {
        let tolerance: Double
        var rows: [ComparisonRow] = []

        mutating func add(
            _ name: String, _ unit: FigureUnit, _ better: ComparisonRow.Better, _ old: FigureValue, _ new: FigureValue
        ) {
            rows.append(ComparisonRow.judge(name, unit, better, old, new, tolerance: tolerance))
        }

        mutating func headline(_ old: DrillReport, _ new: DrillReport) {
            rows.append(ComparisonRow.verdict(old.verdict, new.verdict))
            rows.append(ComparisonRow.status(old.status, new.status))
            add(
                "journeys/s", .rate, .higher, .value(old.totals.throughput.journeysPerSecond),
                .value(new.totals.throughput.journeysPerSecond))
            add("error rate", .share, .lower, .value(old.totals.errorRate), .value(new.totals.errorRate))
            add(
                "p50 latency", .latency, .lower, latency(old.latency.p50, old.latency),
                latency(new.latency.p50, new.latency))
            add(
                "p99 latency", .latency, .lower, latency(old.latency.p99, old.latency),
                latency(new.latency.p99, new.latency))
            add(
                "service p99", .latency, .lower, latency(old.serviceLatency.p99, old.serviceLatency),
                latency(new.serviceLatency.p99, new.serviceLatency))
            add(
                "dropped arrivals", .count, .lower, .value(Double(old.totals.dropped)),
                .value(Double(new.totals.dropped)))
            add("generator lag p99", .latency, .lower, .value(old.generator.lagP99Ms), .value(new.generator.lagP99Ms))
        }

        /// A latency with no response at all is the worst outcome, not 0 ms.
        func latency(_ value: Double, _ summary: LatencySummary) -> FigureValue {
            summary.count > 0 ? .value(value) : .worst("no responses")
        }

        mutating func recovery(_ old: RecoveryReport?, _ new: RecoveryReport?) {
            guard old != nil || new != nil else { return }
            func mttr(_ r: RecoveryReport?) -> FigureValue {
                guard let r else { return .missing("no recovery analysis") }
                if let m = r.mttrMs { return .value(m) }
                return r.incidents.isEmpty ? .value(0, "no incident") : .missing("not measured")
            }
            add("MTTR", .drillTime, .lower, mttr(old), mttr(new))
            add(
                "unrecovered incidents", .count, .lower,
                old.map { .value(Double($0.unrecovered)) } ?? .missing("no recovery analysis"),
                new.map { .value(Double($0.unrecovered)) } ?? .missing("no recovery analysis"))
            let oldFaults = old?.faults ?? []
            let newFaults = new?.faults ?? []
            var names = newFaults.map(\.fault)
            for f in oldFaults where !names.contains(f.fault) { names.append(f.fault) }
            for name in names {
                fault(
                    name, old == nil ? nil : oldFaults.first { $0.fault == name },
                    new == nil ? nil : newFaults.first { $0.fault == name },
                    oldMissing: old == nil ? "no recovery analysis" : "no such fault",
                    newMissing: new == nil ? "no recovery analysis" : "no such fault")
            }
        }

        mutating func fault(
            _ name: String, _ old: FaultImpactReport?, _ new: FaultImpactReport?, oldMissing: String,
            newMissing: String
        ) {
            func both(_ value: (FaultImpactReport) -> FigureValue) -> (FigureValue, FigureValue) {
                (old.map(value) ?? .missing(oldMissing), new.map(value) ?? .missing(newMissing))
            }
            // A longer time to impact means the platform absorbed the fault for longer (retries, breaker, queue).
            var v = both { f in
                f.impacted ? (f.timeToImpactMs.map { .value($0) } ?? .missing("")) : .missing("no impact")
            }
            add("time to impact \(name)", .drillTime, .higher, v.0, v.1)
            v = both { f in
                guard f.impacted else { return .value(0, "no impact") }
                guard f.recovered else { return .worst("not recovered") }
                return f.timeToRecoverMs.map { .value($0) } ?? .missing("")
            }
            add("time to recover \(name)", .drillTime, .lower, v.0, v.1)
            v = both { f in
                guard f.impacted else { return .value(0, "no impact") }
                return f.impactDurationMs.map { .value($0) } ?? .missing("")
            }
            add("impact duration \(name)", .drillTime, .lower, v.0, v.1)
            v = both { .value($0.worstErrorRate) }
            add("worst error rate \(name)", .share, .lower, v.0, v.1)
            var probes = (new?.notices ?? []).map(\.probe)
            for n in old?.notices ?? [] where !probes.contains(n.probe) { probes.append(n.probe) }
            for probe in probes {
                v = both { f in
                    guard let n = f.notices.first(where: { $0.probe == probe }) else { return .missing("no probe") }
                    return n.timeToNoticeMs.map { .value($0) } ?? .worst("never shown")
                }
                add("time to notice \(name) (\(probe))", .drillTime, .lower, v.0, v.1)
            }
        }

        mutating func audit(_ old: AuditReport?, _ new: AuditReport?) {
            guard old != nil || new != nil else { return }
            func side(_ a: AuditReport?, _ value: (AuditReport) -> FigureValue) -> FigureValue {
                a.map(value) ?? .missing("no audit")
            }
            add(
                "lost orders", .count, .lower, side(old) { .value(Double($0.lost)) },
                side(new) { .value(Double($0.lost)) })
            add(
                "duplicate orders", .count, .lower, side(old) { .value(Double($0.duplicates)) },
                side(new) { .value(Double($0.duplicates)) })
            guard old?.compensation != nil || new?.compensation != nil else { return }
            func share(_ a: AuditReport) -> FigureValue {
                a.compensation.map { .value($0.share) } ?? .missing("no compensation audit")
            }
            add("compensation share", .share, .higher, side(old, share), side(new, share))
        }

        mutating func capacity(_ old: CapacityReport?, _ new: CapacityReport?) {
            guard old != nil || new != nil else { return }
            func side(_ c: CapacityReport?) -> FigureValue {
                guard let c else { return .missing("no capacity") }
                guard let found = c.capacity else { return .worst("none found") }
                // The SLO never broke: the capacity is at least the highest rate offered.
                return c.limitReached ? .value(found) : .value(found, "≥ " + FigureUnit.rate.format(found))
            }
            add("capacity", .rate, .higher, side(old), side(new))
        }

        mutating func thresholds(_ old: [ThresholdResult], _ new: [ThresholdResult]) {
            // Matched by metric and phase (so a changed limit still lines up), in order among equals.
            var unmatchedOld = old
            var pairs: [(ThresholdResult?, ThresholdResult?)] = []
            for n in new {
                if let i = unmatchedOld.firstIndex(where: { $0.metric == n.metric && $0.during == n.during }) {
                    pairs.append((unmatchedOld.remove(at: i), n))
                } else {
                    pairs.append((nil, n))
                }
            }
            pairs += unmatchedOld.map { ($0, nil) }
            for (o, n) in pairs {
                let t = (n ?? o)!
                let (unit, better) = Self.thresholdFigure(metric: t.metric, condition: t.condition)
                func side(_ r: ThresholdResult?) -> FigureValue {
                    guard let r else { return .missing("no such threshold") }
                    return r.actual.map { .value($0) } ?? .missing(r.actualText)
                }
                var row = ComparisonRow.judge(
                    "threshold \(t.title)", unit, better, side(o), side(n), tolerance: tolerance)
                if let o, let n {
                    if o.passed && !n.passed {
                        row.regression = true
                        row.movement = .worse
                        row.reason = "threshold passed before, fails now"
                    }
                    if o.condition != n.condition {
                        row.note = "condition was \(o.condition)"
                    }
                }
                rows.append(row)
            }
        }

        /// The unit and better direction of a threshold's metric (`DrillChecks`' metric names); an unknown metric
        /// takes its direction from the condition (`below`/`atMost`/`equals`: lower is better).
        static func thresholdFigure(metric: String, condition: String) -> (FigureUnit, ComparisonRow.Better) {
            switch metric {
            case "p50", "p90", "p95", "p99", "p99.9": return (.latency, .lower)
            case "timeToImpact": return (.drillTime, .higher)
            case "impactDuration", "timeToRecover", "mttr", "timeToNotice", "timeToClear": return (.drillTime, .lower)
            case "errorRate": return (.share, .lower)
            case "compensationRate": return (.share, .higher)
            case "lostOrders", "duplicateOrders": return (.count, .lower)
            case "throughput", "capacity": return (.rate, .higher)
            default:
                let word = condition.split(separator: " ").first.map(String.init) ?? ""
                return (.number, ["above", "atLeast"].contains(word) ? .higher : .lower)
            }
        }
    }
}

/// One side of a row.
public enum FigureValue: Sendable, Equatable {
    /// A measured value in the row's unit; the text, when given, replaces the formatted number (`no incident`).
    case value(Double, String?)
    /// A label for a row without numbers (verdict, status).
    case label(String)
    /// Not in this report (a section older reports lack, a fault the plan did not have), with why.
    case missing(String)
    /// The worst outcome, with no number: `not recovered`, `never shown`, `none found`.
    case worst(String)

    /// A plain measured value.
    public static func value(_ v: Double) -> FigureValue { .value(v, nil) }

    /// The number, when there is one.
    public var number: Double? {
        if case .value(let v, _) = self { return v }
        return nil
    }

    /// The value for people, in `unit`.
    public func text(_ unit: FigureUnit) -> String {
        switch self {
        case .value(let v, let text): text ?? unit.format(v)
        case .label(let s): s
        case .missing: "—"
        case .worst(let s): s
        }
    }
}

/// The unit of a row: how it is formatted and the smallest change that can count as a regression.
public enum FigureUnit: String, Sendable, Equatable {
    /// Request latency and generator lag, ms.
    case latency
    /// Times on the drill clock (MTTR, time to impact, recover, notice; impact duration), ms.
    case drillTime
    /// A share 0…1 (error rate, compensation).
    case share
    /// A count (lost orders, dropped arrivals).
    case count
    /// Journeys per second (throughput, capacity).
    case rate
    /// A threshold value of an unknown metric.
    case number
    /// Verdict and status: labels.
    case label

    /// The absolute floor a worsening must exceed to be a regression: changes this small are measurement noise.
    /// 1 ms for latencies; 100 ms (one slice of the recovery analysis) for drill-clock times; 0.001 (0.1
    /// percentage point) for shares; 0.1 journeys/s for rates; nothing for counts and unknown numbers.
    public var floor: Double {
        switch self {
        case .latency: 1
        case .drillTime: 100
        case .share: 0.001
        case .rate: 0.1
        case .count, .number, .label: 0
        }
    }

    /// `0.42 ms`, `912 ms`, `1.20 s`, `3.10 %`, `12`, `63.0/s`.
    public func format(_ v: Double) -> String {
        switch self {
        case .latency, .drillTime: Self.milliseconds(v)
        case .share: Self.percent(v)
        case .count: String(Int(v.rounded()))
        case .rate: (abs(v) < 100 ? Self.fixed(v, 1) : Self.fixed(v, 0)) + "/s"
        case .number, .label: Self.plain(v)
        }
    }

    /// A signed difference: `+480 ms`, `-1.2 pp`, `+3`, `-2.0/s`.
    public func formatDelta(_ d: Double) -> String {
        let sign = d < 0 ? "-" : "+"
        let m = abs(d)
        switch self {
        case .share:
            return sign + (m * 100 < 10 ? Self.fixed(m * 100, 2) : Self.fixed(m * 100, 1)) + " pp"
        default:
            return sign + format(m)
        }
    }

    static func milliseconds(_ v: Double) -> String {
        let m = abs(v)
        if m >= 1000 { return fixed(v / 1000, 2) + " s" }
        if m >= 100 { return fixed(v, 0) + " ms" }
        if m >= 10 { return fixed(v, 1) + " ms" }
        return fixed(v, 2) + " ms"
    }

    static func percent(_ v: Double) -> String { fixed(v * 100, abs(v) * 100 < 10 ? 2 : 1) + " %" }

    static func plain(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : fixed(v, 3)
    }

    static func fixed(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}

/// One key figure of two drills.
public struct ComparisonRow: Sendable, Equatable {
    /// Which way a figure is better.
    public enum Better: String, Sendable, Equatable {
        case lower, higher
    }

    /// How a figure moved from the old drill to the new one.
    public enum Movement: String, Sendable, Equatable {
        case better, worse, unchanged
        /// Missing on one side, or a label that has no order.
        case incomparable
    }

    /// `p99 latency`, `time to recover payment-outage`, `threshold p99 below 800ms`.
    public var name: String
    public var unit: FigureUnit
    /// Which way is better; nil for labels (verdict, status).
    public var better: Better?
    public var oldValue: FigureValue
    public var newValue: FigureValue
    public var movement: Movement
    /// Worse beyond the tolerance (see `ReportComparison` for the rules).
    public var regression: Bool
    /// Why it is a regression: `+40 % > 10 %`, `from 0`, `PASS → FAIL`, `not recovered`.
    public var reason: String?
    /// Anything else worth saying (a threshold whose condition changed).
    public var note: String?

    public init(
        name: String, unit: FigureUnit, better: Better?, oldValue: FigureValue, newValue: FigureValue,
        movement: Movement, regression: Bool, reason: String? = nil, note: String? = nil
    ) {
        self.name = name
        self.unit = unit
        self.better = better
        self.oldValue = oldValue
        self.newValue = newValue
        self.movement = movement
        self.regression = regression
        self.reason = reason
        self.note = note
    }

    /// The old and new numbers (nil when missing on that side or not a number).
    public var old: Double? { oldValue.number }
    public var new: Double? { newValue.number }

    /// new − old, when both are numbers.
    public var absoluteDelta: Double? {
        guard let old, let new else { return nil }
        return new - old
    }

    /// (new − old) / |old|; 0 when both are 0; nil from a zero base or when either is missing.
    public var relativeDelta: Double? {
        guard let old, let new else { return nil }
        if old == 0 { return new == 0 ? 0 : nil }
        return (new - old) / abs(old)
    }

    static func judge(
        _ name: String, _ unit: FigureUnit, _ better: Better, _ old: FigureValue, _ new: FigureValue,
        tolerance: Double
    ) -> ComparisonRow {
        var row = ComparisonRow(
            name: name, unit: unit, better: better, oldValue: old, newValue: new, movement: .incomparable,
            regression: false)
        switch (old, new) {
        case (.value(let o, _), .value(let n, _)):
            let worsening = better == .lower ? n - o : o - n
            if abs(n - o) <= 1e-12 * max(1, abs(o)) {
                row.movement = .unchanged
            } else if worsening < 0 {
                row.movement = .better
            } else {
                row.movement = .worse
                if worsening > unit.floor + 1e-12 {
                    if o == 0 {
                        row.regression = true
                        row.reason = "from 0"
                    } else if worsening / abs(o) > tolerance + 1e-9 {
                        row.regression = true
                        row.reason =
                            "\(ComparisonRow.formatRelative(worsening / abs(o))) > "
                            + "\(ComparisonRow.formatShare(tolerance))"
                    }
                }
            }
        case (.value, .worst(let what)):
            row.movement = .worse
            row.regression = true
            row.reason = what
        case (.worst, .value):
            row.movement = .better
        case (.worst, .worst):
            row.movement = .unchanged
        default:
            row.movement = .incomparable
        }
        return row
    }

    /// PASS → FAIL is always a regression; INVALID on either side cannot be judged (a warning says so).
    static func verdict(_ old: Verdict, _ new: Verdict) -> ComparisonRow {
        var row = ComparisonRow(
            name: "verdict", unit: .label, better: nil, oldValue: .label(old.rawValue), newValue: .label(new.rawValue),
            movement: old == new ? .unchanged : .incomparable, regression: false)
        if old == .pass && new == .fail {
            row.movement = .worse
            row.regression = true
            row.reason = "PASS → FAIL"
        } else if old == .fail && new == .pass {
            row.movement = .better
        }
        return row
    }

    /// completed → aborted (an abort condition tripped, a fault could not be applied) is always a regression.
    static func status(_ old: RunStatus, _ new: RunStatus) -> ComparisonRow {
        var row = ComparisonRow(
            name: "status", unit: .label, better: nil, oldValue: .label(old.rawValue), newValue: .label(new.rawValue),
            movement: old == new ? .unchanged : .incomparable, regression: false)
        if old == .completed && new == .aborted {
            row.movement = .worse
            row.regression = true
            row.reason = "completed → aborted"
        } else if old == .aborted && new == .completed {
            row.movement = .better
        }
        return row
    }

    /// `+40 %`, `-3.2 %`, `0 %`.
    static func formatRelative(_ r: Double) -> String {
        let p = r * 100
        let sign = p > 0 ? "+" : p < 0 ? "-" : ""
        let m = abs(p)
        if m == 0 { return "0 %" }
        return sign + (m < 10 ? FigureUnit.fixed(m, 1) : FigureUnit.fixed(m, 0)) + " %"
    }

    /// A share without a sign: `10 %`, `2.5 %`, `0 %`.
    static func formatShare(_ r: Double) -> String {
        let m = abs(r * 100)
        if m == 0 { return "0 %" }
        return (m < 10 && m != m.rounded() ? FigureUnit.fixed(m, 1) : FigureUnit.fixed(m, 0)) + " %"
    }

    /// The change for people: `+480 ms`, or empty when there is nothing to subtract.
    public var deltaText: String {
        guard let d = absoluteDelta else { return "" }
        return d == 0 ? "±0" : unit.formatDelta(d)
    }

    /// The relative change for people: `+40 %`; `from 0` from a zero base; empty when not comparable.
    public var relativeText: String {
        guard let old, let new else { return "" }
        if old == 0 && new != 0 { return "from 0" }
        return relativeDelta.map(ComparisonRow.formatRelative) ?? ""
    }
}

extension ReportComparison {
    /// The comparison as a text table, regressions marked:
    /// `time to recover payment-outage   1.20 s  →  1.68 s   +480 ms   +40 %   REGRESSION (+40 % > 10 %)`.
    public func renderText() -> String {
        var lines = ["stormdrill compare (tolerance \(ComparisonRow.formatShare(tolerance)))"]
        lines.append("  old  \(oldLabel)")
        lines.append("  new  \(newLabel)")
        for w in warnings { lines.append("  warning: \(w)") }
        lines.append("")
        let header = ["figure", "old", "", "new", "change", "relative"]
        let cells = rows.map { r in
            [r.name, r.oldValue.text(r.unit), "→", r.newValue.text(r.unit), r.deltaText, r.relativeText]
        }
        var widths = header.map(\.count)
        for c in cells {
            for (i, s) in c.enumerated() { widths[i] = max(widths[i], s.count) }
        }
        func line(_ c: [String], _ mark: String) -> String {
            var out = "  " + Self.pad(c[0], widths[0], left: true)
            out += "  " + Self.pad(c[1], widths[1], left: false)
            out += " " + Self.pad(c[2], widths[2], left: true)
            out += " " + Self.pad(c[3], widths[3], left: false)
            out += "  " + Self.pad(c[4], widths[4], left: false)
            out += "  " + Self.pad(c[5], widths[5], left: false)
            out += mark.isEmpty ? "" : "  " + mark
            return String(out.reversed().drop { $0 == " " }.reversed())
        }
        lines.append(line(header, ""))
        for (r, c) in zip(rows, cells) {
            var mark = r.regression ? "REGRESSION" + (r.reason.map { " (\($0))" } ?? "") : ""
            if let note = r.note { mark += (mark.isEmpty ? "" : "; ") + note }
            lines.append(line(c, mark))
        }
        lines.append("")
        lines.append("  " + summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The comparison as a Markdown table (for a pull request or a CI summary).
    public func renderMarkdown() -> String {
        var out = "### stormdrill compare: \(Self.markdown(oldPlan)) → \(Self.markdown(newPlan))\n\n"
        out += "- old: \(Self.markdown(oldLabel))\n- new: \(Self.markdown(newLabel))\n"
        out += "- tolerance: \(ComparisonRow.formatShare(tolerance))\n\n"
        for w in warnings { out += "> **Warning:** \(Self.markdown(w))\n\n" }
        out += "| figure | old | new | change | relative | |\n"
        out += "|---|---:|---:|---:|---:|---|\n"
        for r in rows {
            var mark = r.regression ? "**REGRESSION**" + (r.reason.map { " (\(Self.markdown($0)))" } ?? "") : ""
            if let note = r.note { mark += (mark.isEmpty ? "" : "; ") + Self.markdown(note) }
            let cells = [
                r.name, r.oldValue.text(r.unit), r.newValue.text(r.unit), r.deltaText, r.relativeText,
            ].map(Self.markdown)
            out += "| " + (cells + [mark]).joined(separator: " | ") + " |\n"
        }
        out += "\n" + (hasRegressions ? "**\(summary)**" : summary) + "\n"
        return out
    }

    /// `2 regressions beyond 10 %: verdict, p99 latency` or `no regressions beyond 10 %`.
    public var summary: String {
        let tol = ComparisonRow.formatShare(tolerance)
        let found = regressions
        if found.isEmpty { return "no regressions beyond \(tol)" }
        return "\(found.count) regression\(found.count == 1 ? "" : "s") beyond \(tol): "
            + found.map(\.name).joined(separator: ", ")
    }

    static func pad(_ s: String, _ width: Int, left: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return left ? s + fill : fill + s
    }

    /// Escapes what would break a table cell or start markup (`>` only quotes at the start of a line: kept).
    static func markdown(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "|", "*", "_", "`", "[", "]", "<", "\\": out += "\\\(c)"
            case "\n": out += " "
            default: out.append(c)
            }
        }
        return out
    }
}
