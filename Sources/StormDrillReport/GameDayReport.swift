import Foundation

/// The game day as it happened and as participants felt it: report.json's `gameDay`. Built from the game-day
/// journal (`gameday.jsonl`) joined with the drill's faults, recovery analysis and thresholds; every measure is
/// defined in docs/report-format.md ("Game day"). Times are ms on the drill clock unless named `scenario…`.
public struct GameDayReport: Codable, Sendable, Equatable {
    public var title: String
    public var appURL: String?
    /// Participants who joined, and those who sent anything (feedback or a poll answer).
    public var participants: ParticipantCount
    public var phases: [GameDayPhaseReport]
    public var holds: [GameDayHoldReport]
    /// One entry per planned fault, in plan order.
    public var faults: [GameDayFaultReport]
    public var hypotheses: [HypothesisReport]
    /// Every report participants sent, in time order.
    public var feedback: [FeedbackItem]
    /// Reports sent while no fault was in force (nor in the two minutes after one), each matched against the
    /// unplanned incidents the recovery analysis found.
    public var outsideFaults: OutsideFaultsReport
    public var notes: [NoteItem]
    public var announcements: [AnnouncementItem]
    /// When the facilitator pulled the safety lever, if they did.
    public var haltedAtMs: Double?
    /// Lines of the journal that could not be read (a last line cut short by a kill).
    public var unreadableRecords: Int
    /// True when rebuilt from the journal after the driver died (no measurements to compare with).
    public var rebuiltFromJournal: Bool

    public init(
        title: String, appURL: String?, participants: ParticipantCount, phases: [GameDayPhaseReport],
        holds: [GameDayHoldReport], faults: [GameDayFaultReport], hypotheses: [HypothesisReport],
        feedback: [FeedbackItem], outsideFaults: OutsideFaultsReport, notes: [NoteItem],
        announcements: [AnnouncementItem], haltedAtMs: Double?, unreadableRecords: Int, rebuiltFromJournal: Bool
    ) {
        self.title = title
        self.appURL = appURL
        self.participants = participants
        self.phases = phases
        self.holds = holds
        self.faults = faults
        self.hypotheses = hypotheses
        self.feedback = feedback
        self.outsideFaults = outsideFaults
        self.notes = notes
        self.announcements = announcements
        self.haltedAtMs = haltedAtMs
        self.unreadableRecords = unreadableRecords
        self.rebuiltFromJournal = rebuiltFromJournal
    }

    /// Notes that start with `action:`, without the prefix.
    public var actionItems: [String] {
        notes.filter(\.action).map { n in
            let t = n.text.drop { $0 == " " }
            let body = t.lowercased().hasPrefix("action:") ? t.dropFirst("action:".count) : t[...]
            return body.trimmingCharacters(in: .whitespaces)
        }
    }
}

public struct ParticipantCount: Codable, Sendable, Equatable {
    public var joined: Int
    public var active: Int

    public init(joined: Int, active: Int) {
        self.joined = joined
        self.active = active
    }
}

/// Reports per kind (`ok`, `slow`, `error`, `stuck`, `notice`, `other`); kinds nobody used are left out.
public typealias FeedbackCounts = [String: Int]

public struct GameDayPhaseReport: Codable, Sendable, Equatable {
    public var name: String
    public var plannedScenarioMs: Double
    public var gate: Bool
    /// When it began on the drill clock (for a gated phase: when the facilitator continued); nil if never reached.
    public var startMs: Double?
    /// When the next phase began, or the load ended.
    public var endMs: Double?
    /// How long its gate held the drill.
    public var gateHeldMs: Double?
    public var brief: String
    public var expect: String
    public var hypothesis: String?
    /// Participants joined by the phase's end, and those who sent something during it.
    public var participants: ParticipantCount
    public var feedback: FeedbackCounts
    public var poll: PollReport?

    public init(
        name: String, plannedScenarioMs: Double, gate: Bool, startMs: Double?, endMs: Double?, gateHeldMs: Double?,
        brief: String, expect: String, hypothesis: String?, participants: ParticipantCount, feedback: FeedbackCounts,
        poll: PollReport?
    ) {
        self.name = name
        self.plannedScenarioMs = plannedScenarioMs
        self.gate = gate
        self.startMs = startMs
        self.endMs = endMs
        self.gateHeldMs = gateHeldMs
        self.brief = brief
        self.expect = expect
        self.hypothesis = hypothesis
        self.participants = participants
        self.feedback = feedback
        self.poll = poll
    }
}

public struct PollReport: Codable, Sendable, Equatable {
    public var question: String
    public var yes: Int
    public var no: Int
    public var unsure: Int
    /// When it opened (the phase's end); nil if it never did.
    public var openedAtMs: Double?

    public init(question: String, yes: Int, no: Int, unsure: Int, openedAtMs: Double?) {
        self.question = question
        self.yes = yes
        self.no = no
        self.unsure = unsure
        self.openedAtMs = openedAtMs
    }

    public var answered: Int { yes + no + unsure }
}

public struct GameDayHoldReport: Codable, Sendable, Equatable {
    /// `gate` or `facilitator`.
    public var reason: String
    /// The gated phase.
    public var phase: String?
    public var scenarioMs: Double
    public var startMs: Double
    public var endMs: Double?
    public var heldMs: Double?

    public init(reason: String, phase: String?, scenarioMs: Double, startMs: Double, endMs: Double?, heldMs: Double?) {
        self.reason = reason
        self.phase = phase
        self.scenarioMs = scenarioMs
        self.startMs = startMs
        self.endMs = endMs
        self.heldMs = heldMs
    }
}

/// One fault, measured beside perceived.
public struct GameDayFaultReport: Codable, Sendable, Equatable {
    public var fault: String
    /// Planned start and end on the scenario clock.
    public var plannedScenarioStartMs: Double
    public var plannedScenarioEndMs: Double?
    public var startMs: Double?
    public var endMs: Double?
    /// `applied`, `failed`, `skipped` (by the facilitator or because the drill stopped first), `pending`.
    public var outcome: String
    public var skippedByFacilitator: Bool
    /// Participants joined by the fault's end, and those who sent something in its window.
    public var participants: ParticipantCount
    /// Reports in the fault's window (its start to two minutes after its end, or the next fault's start).
    public var feedback: FeedbackCounts
    /// Fault start to the first report of something wrong (`slow`, `error`, `stuck`, `notice` or `other`).
    public var timeToFirstReportMs: Double?
    /// Fault start to the first `notice` report (a participant saw the incident notice).
    public var timeToFirstNoticeMs: Double?
    /// Perceived recovery: fault end to the last negative report (`slow`, `error`, `stuck`) after it; 0 when people
    /// reported trouble during the fault and none after; nil when nobody reported trouble.
    public var perceivedRecoveryMs: Double?
    /// Measured recovery, from the recovery analysis: fault end to recovery (0 when it recovered before the end).
    public var measuredRecoveryMs: Double?
    /// Whether the recovery analysis saw the fault's impact (nil: not measured).
    public var measuredImpact: Bool?
    public var measuredRecovered: Bool?
    /// Fault start to the first announcement at or after it (the golden-hour notice, rehearsed).
    public var timeToAnnounceMs: Double?

    public init(
        fault: String, plannedScenarioStartMs: Double, plannedScenarioEndMs: Double?, startMs: Double?,
        endMs: Double?, outcome: String, skippedByFacilitator: Bool, participants: ParticipantCount,
        feedback: FeedbackCounts, timeToFirstReportMs: Double?, timeToFirstNoticeMs: Double?,
        perceivedRecoveryMs: Double?, measuredRecoveryMs: Double?, measuredImpact: Bool?, measuredRecovered: Bool?,
        timeToAnnounceMs: Double?
    ) {
        self.fault = fault
        self.plannedScenarioStartMs = plannedScenarioStartMs
        self.plannedScenarioEndMs = plannedScenarioEndMs
        self.startMs = startMs
        self.endMs = endMs
        self.outcome = outcome
        self.skippedByFacilitator = skippedByFacilitator
        self.participants = participants
        self.feedback = feedback
        self.timeToFirstReportMs = timeToFirstReportMs
        self.timeToFirstNoticeMs = timeToFirstNoticeMs
        self.perceivedRecoveryMs = perceivedRecoveryMs
        self.measuredRecoveryMs = measuredRecoveryMs
        self.measuredImpact = measuredImpact
        self.measuredRecovered = measuredRecovered
        self.timeToAnnounceMs = timeToAnnounceMs
    }
}

public struct HypothesisReport: Codable, Sendable, Equatable {
    public var phase: String
    public var hypothesis: String
    /// `held` (every threshold of the phase passed), `failed` (one did not), `not measured` (no threshold, or none
    /// could be measured).
    public var outcome: String
    /// The phase's thresholds as `p99 below 3s: 412 ms (passed)`.
    public var thresholds: [String]

    public init(phase: String, hypothesis: String, outcome: String, thresholds: [String]) {
        self.phase = phase
        self.hypothesis = hypothesis
        self.outcome = outcome
        self.thresholds = thresholds
    }
}

public struct FeedbackItem: Codable, Sendable, Equatable {
    public var id: Int
    public var atMs: Double
    public var participant: String
    public var nickname: String?
    public var kind: String
    public var text: String?
    public var orderId: String?
    public var phase: String?
    /// Faults in force when it was sent.
    public var faults: [String]

    public init(
        id: Int, atMs: Double, participant: String, nickname: String?, kind: String, text: String?, orderId: String?,
        phase: String?, faults: [String]
    ) {
        self.id = id
        self.atMs = atMs
        self.participant = participant
        self.nickname = nickname
        self.kind = kind
        self.text = text
        self.orderId = orderId
        self.phase = phase
        self.faults = faults
    }

    /// Kinds that say something was wrong.
    public static let negativeKinds: Set<String> = ["slow", "error", "stuck"]
    public var isNegative: Bool { FeedbackItem.negativeKinds.contains(kind) }
}

public struct OutsideFaultsReport: Codable, Sendable, Equatable {
    public struct Match: Codable, Sendable, Equatable {
        public var feedback: Int
        public var atMs: Double
        public var kind: String
        /// The unplanned incident it fell in (its id in `recovery.incidents`), nil for none.
        public var incident: Int?

        public init(feedback: Int, atMs: Double, kind: String, incident: Int?) {
            self.feedback = feedback
            self.atMs = atMs
            self.kind = kind
            self.incident = incident
        }
    }

    /// Negative reports outside every fault's window.
    public var count: Int
    /// … of which fell in an unplanned incident.
    public var matched: Int
    public var items: [Match]

    public init(count: Int, matched: Int, items: [Match]) {
        self.count = count
        self.matched = matched
        self.items = items
    }
}

public struct NoteItem: Codable, Sendable, Equatable {
    public var atMs: Double
    public var text: String
    public var action: Bool

    public init(atMs: Double, text: String, action: Bool) {
        self.atMs = atMs
        self.text = text
        self.action = action
    }
}

public struct AnnouncementItem: Codable, Sendable, Equatable {
    public var atMs: Double
    public var text: String

    public init(atMs: Double, text: String) {
        self.atMs = atMs
        self.text = text
    }
}
