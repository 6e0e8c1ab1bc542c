import StormDrillReport

/// Turns a game day's journal into report.json's `gameDay`: phases and holds as they happened, what participants
/// reported per phase and per fault, perceived recovery beside measured recovery, polls, announcements and time to
/// announce, reports outside every fault matched against unplanned incidents, notes and hypotheses. Pure: the same
/// journal and report sections always give the same answer (measures defined in docs/report-format.md, "Game day").
public enum GameDayAnalysis {
    /// How long after a fault's end reports are still put down to it (unless the next fault starts first).
    public static let attributionMs = 120_000.0

    /// What the analysis reads besides the journal; all optional, so a journal alone (after a SIGKILL) still gives
    /// every participant-side measure.
    public struct Measurements: Sendable {
        /// The faults as realised (nil: taken from the journal's fault records).
        public var faults: [FaultReport]?
        public var recovery: RecoveryReport?
        public var thresholds: [ThresholdResult]?
        /// When the load ended (ms); nil: the journal's end record, else its last record.
        public var loadEndMs: Double?

        public init(
            faults: [FaultReport]? = nil, recovery: RecoveryReport? = nil, thresholds: [ThresholdResult]? = nil,
            loadEndMs: Double? = nil
        ) {
            self.faults = faults
            self.recovery = recovery
            self.thresholds = thresholds
            self.loadEndMs = loadEndMs
        }
    }

    /// The definition recorded at the start, if the journal has one.
    public static func definition(in records: [GameDayRecord]) -> GameDayDefinition? {
        records.first { $0.type == .start }?.gameDay
    }

    /// Each phase's realised window from the journal: from its phase record to the next one's (the last to
    /// `loadEndMs`). Phases never reached are left out.
    public static func phaseWindows(
        _ records: [GameDayRecord], loadEndMs: Double?
    ) -> [(name: String, startMs: Double, endMs: Double?)] {
        let begun = records.filter { $0.type == .phase && $0.phase != nil }
        return begun.enumerated().map { i, r in
            let end = i + 1 < begun.count ? begun[i + 1].atMs : loadEndMs
            return (r.phase!, r.atMs, end)
        }
    }

    public static func build(
        records: [GameDayRecord], definition: GameDayDefinition, measurements: Measurements = Measurements(),
        unreadable: Int = 0, rebuiltFromJournal: Bool = false
    ) -> GameDayReport {
        let records = records.sorted { $0.atMs < $1.atMs }
        let endRecord = records.last { $0.type == .end }
        let loadEnd = measurements.loadEndMs ?? endRecord?.atMs ?? records.last?.atMs ?? 0
        let feedback = feedbackItems(records)
        let joins = records.filter { $0.type == .join }
        let answers = records.filter { $0.type == .pollAnswer }
        let nicknames = Dictionary(
            joins.compactMap { r in r.participant.map { ($0, r.nickname) } }, uniquingKeysWith: { a, _ in a })

        func participants(from: Double, to: Double) -> ParticipantCount {
            let joined = Set(joins.filter { $0.atMs < to }.compactMap(\.participant)).count
            var active = Set(feedback.filter { $0.atMs >= from && $0.atMs < to }.map(\.participant))
            for a in answers where a.atMs >= from && a.atMs < to { if let p = a.participant { active.insert(p) } }
            return ParticipantCount(joined: joined, active: active.count)
        }

        // Phases and holds.
        let windows = phaseWindows(records, loadEndMs: loadEnd)
        let holdRecords = records.filter { $0.type == .hold }
        let releases = records.filter { $0.type == .release }
        var holds: [GameDayHoldReport] = []
        for (i, h) in holdRecords.enumerated() {
            // Holds never overlap: the release is the first after the hold and before the next hold.
            let next = i + 1 < holdRecords.count ? holdRecords[i + 1].atMs : Double.infinity
            let release = releases.first { $0.atMs >= h.atMs && $0.atMs <= next }
            holds.append(
                GameDayHoldReport(
                    reason: h.reason ?? "facilitator", phase: h.phase, scenarioMs: h.scenarioMs ?? 0,
                    startMs: h.atMs, endMs: release?.atMs, heldMs: release?.heldMs ?? release.map { $0.atMs - h.atMs }
                ))
        }
        let pollRecords = records.filter { $0.type == .poll }
        let phases = definition.phases.map { p -> GameDayPhaseReport in
            let w = windows.first { $0.name == p.name }
            let from = w?.startMs ?? 0
            let to = w?.endMs ?? loadEnd
            let gateHold = holds.first { $0.reason == "gate" && $0.phase == p.name }
            var poll: PollReport?
            if let question = p.poll {
                var latest: [String: String] = [:]
                for a in answers where a.phase == p.name {
                    if let who = a.participant, let answer = a.answer { latest[who] = answer }
                }
                let opened = pollRecords.first { $0.phase == p.name && $0.state == "open" }
                poll = PollReport(
                    question: question, yes: latest.values.filter { $0 == "yes" }.count,
                    no: latest.values.filter { $0 == "no" }.count,
                    unsure: latest.values.filter { $0 == "unsure" }.count, openedAtMs: opened?.atMs)
            }
            return GameDayPhaseReport(
                name: p.name, plannedScenarioMs: p.scenarioMs, gate: p.gate, startMs: w?.startMs,
                endMs: w == nil ? nil : to, gateHeldMs: gateHold?.heldMs, brief: p.brief, expect: p.expect,
                hypothesis: p.hypothesis,
                participants: w == nil ? ParticipantCount(joined: 0, active: 0) : participants(from: from, to: to),
                feedback: w == nil ? [:] : counts(feedback.filter { $0.atMs >= from && $0.atMs < to }), poll: poll)
        }

        // Faults: realised windows from the report when there is one, else from the journal.
        let skipped = Set(records.filter { $0.type == .skip }.compactMap(\.fault))
        let realised = realisedFaults(definition: definition, records: records, faults: measurements.faults)
        let ranWindows = realised.compactMap { f -> (start: Double, end: Double)? in
            guard let s = f.startMs else { return nil }
            return (s, f.endMs ?? loadEnd)
        }
        let announcements = records.filter { $0.type == .announcement }.map {
            AnnouncementItem(atMs: $0.atMs, text: $0.text ?? "")
        }
        let impacts = measurements.recovery?.faults ?? []
        var faultReports: [GameDayFaultReport] = []
        for f in realised {
            var report = GameDayFaultReport(
                fault: f.name, plannedScenarioStartMs: f.plannedStartMs, plannedScenarioEndMs: f.plannedEndMs,
                startMs: f.startMs, endMs: f.endMs, outcome: f.outcome, skippedByFacilitator: skipped.contains(f.name),
                participants: ParticipantCount(joined: 0, active: 0), feedback: [:], timeToFirstReportMs: nil,
                timeToFirstNoticeMs: nil, perceivedRecoveryMs: nil, measuredRecoveryMs: nil, measuredImpact: nil,
                measuredRecovered: nil, timeToAnnounceMs: nil)
            if let start = f.startMs {
                let end = f.endMs ?? loadEnd
                let nextStart = ranWindows.map(\.start).filter { $0 > start }.min() ?? .infinity
                let windowEnd = min(nextStart, end + attributionMs)
                let inWindow = feedback.filter { $0.atMs >= start && $0.atMs < windowEnd }
                report.participants = participants(from: start, to: windowEnd)
                report.feedback = counts(inWindow)
                report.timeToFirstReportMs = inWindow.first { $0.kind != "ok" }.map { $0.atMs - start }
                report.timeToFirstNoticeMs = inWindow.first { $0.kind == "notice" }.map { $0.atMs - start }
                let negative = inWindow.filter(\.isNegative)
                if let last = negative.last {
                    report.perceivedRecoveryMs = max(0, last.atMs - end)
                }
                report.timeToAnnounceMs = announcements.first { $0.atMs >= start && $0.atMs < windowEnd }.map {
                    $0.atMs - start
                }
                if let impact = impacts.first(where: { $0.fault == f.name }), measurements.recovery?.baseline != nil {
                    report.measuredImpact = impact.impacted
                    report.measuredRecovered = impact.recovered
                    report.measuredRecoveryMs = impact.impacted ? impact.timeToRecoverMs : 0
                }
            }
            faultReports.append(report)
        }

        // Reports outside every fault's window (a fault's window reaches two minutes past its end).
        let attributed = realised.compactMap { f -> (Double, Double)? in
            guard let s = f.startMs else { return nil }
            return (s, (f.endMs ?? loadEnd) + attributionMs)
        }
        let unplanned = (measurements.recovery?.incidents ?? []).filter { $0.fault == nil }
        var outside: [OutsideFaultsReport.Match] = []
        for item in feedback where item.isNegative {
            guard !attributed.contains(where: { item.atMs >= $0.0 && item.atMs < $0.1 }) else { continue }
            // A report up to 30 s after an incident ended still describes it: people report late.
            let incident = unplanned.first { i in
                item.atMs >= i.startMs && item.atMs < (i.recoveredAtMs ?? .infinity) + 30_000
            }
            outside.append(.init(feedback: item.id, atMs: item.atMs, kind: item.kind, incident: incident?.id))
        }

        // Hypotheses, judged by the phase's thresholds.
        let thresholds = measurements.thresholds ?? []
        let hypotheses = definition.phases.compactMap { p -> HypothesisReport? in
            guard let hypothesis = p.hypothesis else { return nil }
            let mine = thresholds.filter { $0.during == "phase:\(p.name)" }
            let lines = mine.map { t in
                "\(t.metric) \(t.condition): \(t.actualText) (\(t.passed ? "passed" : "failed"))"
            }
            let outcome: String
            if mine.isEmpty || mine.allSatisfy({ $0.actual == nil && !$0.passed }) {
                outcome = "not measured"
            } else {
                outcome = mine.allSatisfy(\.passed) ? "held" : "failed"
            }
            return HypothesisReport(phase: p.name, hypothesis: hypothesis, outcome: outcome, thresholds: lines)
        }

        let notes = records.filter { $0.type == .note }.map { r in
            let text = r.text ?? ""
            return NoteItem(atMs: r.atMs, text: text, action: isActionItem(text))
        }
        let active =
            Set(feedback.map(\.participant)).union(answers.compactMap(\.participant)).count
        return GameDayReport(
            title: definition.title, appURL: definition.appURL,
            participants: ParticipantCount(joined: Set(joins.compactMap(\.participant)).count, active: active),
            phases: phases, holds: holds, faults: faultReports, hypotheses: hypotheses,
            feedback: feedback.map { f in
                var g = f
                if g.nickname == nil { g.nickname = nicknames[f.participant] ?? nil }
                return g
            },
            outsideFaults: OutsideFaultsReport(
                count: outside.count, matched: outside.filter { $0.incident != nil }.count, items: outside),
            notes: notes, announcements: announcements,
            haltedAtMs: records.first { $0.type == .halt }?.atMs, unreadableRecords: unreadable,
            rebuiltFromJournal: rebuiltFromJournal)
    }

    /// `action: …` (any case, leading spaces allowed) marks an action item.
    public static func isActionItem(_ text: String) -> Bool {
        text.drop { $0 == " " }.lowercased().hasPrefix("action:")
    }

    static func feedbackItems(_ records: [GameDayRecord]) -> [FeedbackItem] {
        records.filter { $0.type == .feedback }.enumerated().map { i, r in
            FeedbackItem(
                id: r.id ?? i + 1, atMs: r.atMs, participant: r.participant ?? "?", nickname: r.nickname,
                kind: r.kind ?? "other", text: r.text, orderId: r.orderId, phase: r.phase, faults: r.faults ?? [])
        }
    }

    static func counts(_ items: [FeedbackItem]) -> FeedbackCounts {
        var out: FeedbackCounts = [:]
        for i in items { out[i.kind, default: 0] += 1 }
        return out
    }

    struct Realised {
        var name: String
        var plannedStartMs: Double
        var plannedEndMs: Double?
        var startMs: Double?
        var endMs: Double?
        var outcome: String
    }

    static func realisedFaults(
        definition: GameDayDefinition, records: [GameDayRecord], faults: [FaultReport]?
    ) -> [Realised] {
        if let faults {
            return faults.map { f in
                let ran = f.outcome == .applied || f.outcome == .failed
                return Realised(
                    name: f.name, plannedStartMs: f.plannedStartMs, plannedEndMs: f.plannedEndMs,
                    startMs: ran ? f.actualStartMs : nil, endMs: ran ? f.actualEndMs : nil,
                    outcome: f.outcome.rawValue)
            }
        }
        let faultRecords = records.filter { $0.type == .fault }
        return definition.faults.map { f in
            let mine = faultRecords.filter { $0.fault == f.name }
            let applied = mine.first { $0.state == "applied" || $0.state == "failed" }
            let ended = mine.first { $0.state == "rolledBack" }
            let outcome: String
            if let applied {
                outcome = applied.state == "failed" ? "failed" : "applied"
            } else if mine.contains(where: { $0.state == "skipped" }) {
                outcome = "skipped"
            } else {
                outcome = "pending"
            }
            return Realised(
                name: f.name, plannedStartMs: f.plannedStartMs, plannedEndMs: f.plannedEndMs,
                startMs: applied?.atMs, endMs: ended?.atMs, outcome: outcome)
        }
    }
}

extension GameDayAnalysis {
    /// The `gameDay` section rebuilt from a run folder's journal, joined with what its report.json measured (all of
    /// it for a finished drill; nothing but the placeholder when the driver was killed). Nil when the journal has no
    /// start record (it is not a game day's).
    public static func rebuild(
        report: DrillReport, records: [GameDayRecord], unreadable: Int
    ) -> GameDayReport? {
        guard let definition = definition(in: records) else { return nil }
        // A placeholder report (the driver died) has no timeline and no realised faults: the journal tells those.
        let measured = !report.timeline.isEmpty
        let faults = report.faults.flatMap { $0.isEmpty ? nil : $0 }
        return build(
            records: records, definition: definition,
            measurements: Measurements(
                faults: measured ? faults : nil, recovery: measured ? report.recovery : nil,
                thresholds: measured ? report.thresholds : nil,
                loadEndMs: measured ? report.gameDay?.phases.last?.endMs : nil),
            unreadable: unreadable, rebuiltFromJournal: !measured)
    }
}
