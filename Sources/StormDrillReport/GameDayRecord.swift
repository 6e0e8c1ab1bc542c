import Foundation

/// One line of `gameday.jsonl`: everything people did during a game day and everything the drill did to them, in
/// the order it happened. The live server appends each line and fsyncs it before it answers, so a driver killed with
/// SIGKILL loses none; `stormdrill report DIR` rebuilds the game-day sections from the file alone.
///
/// One flat shape for every kind, with the fields that kind uses (JSON Lines stay readable with `jq` and `grep`).
/// Times: `atMs` on the drill clock (ms since the drill start), `scenarioMs` on the plan's clock.
public struct GameDayRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The drill began: the plan, the start time and the game day's definition.
        case start
        /// A phase began (`phase`, `index`).
        case phase
        /// The scenario clock stopped (`reason` gate or facilitator, `phase` for a gate).
        case hold
        /// It ran again (`heldMs`).
        case release
        /// A fault changed state (`fault`, `state`: applied, rolledBack, failed, skipped).
        case fault
        /// A participant joined (`participant`, `nickname`).
        case join
        /// A participant's report (`id`, `participant`, `kind`, `text`, `orderId`, `phase`, `faults`).
        case feedback
        /// A phase's poll opened or closed (`phase`, `text` the question, `state` open or closed).
        case poll
        /// A participant answered a poll (`participant`, `phase`, `answer`).
        case pollAnswer
        /// The facilitator's observation (`text`; `action:` marks an action item).
        case note
        /// A message shown on every participant's page (`text`).
        case announcement
        /// The facilitator skipped a fault not yet applied (`fault`).
        case skip
        /// The facilitator pulled the safety lever.
        case halt
        /// The drill ended (`status`, `reason`).
        case end
    }

    public var type: Kind
    public var atMs: Double
    public var scenarioMs: Double?
    public var plan: String?
    public var startedAt: String?
    public var gameDay: GameDayDefinition?
    public var phase: String?
    public var index: Int?
    public var reason: String?
    public var heldMs: Double?
    public var fault: String?
    public var state: String?
    public var participant: String?
    public var nickname: String?
    public var kind: String?
    public var text: String?
    public var orderId: String?
    public var id: Int?
    public var answer: String?
    public var faults: [String]?
    public var status: String?

    public init(type: Kind, atMs: Double, scenarioMs: Double? = nil) {
        self.type = type
        self.atMs = atMs
        self.scenarioMs = scenarioMs
    }

    /// The record as one line of JSON (no newline inside; keys sorted, so the file diffs well).
    public func jsonLine() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }

    /// The file name in the run folder.
    public static let fileName = "gameday.jsonl"

    /// Reads a journal. A last line cut short (the driver died while writing it, before it was acknowledged) is left
    /// out and counted, as is any other line that is not a record.
    public static func read(path: String) throws -> (records: [GameDayRecord], unreadable: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var records: [GameDayRecord] = []
        var unreadable = 0
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            if let r = try? decoder.decode(GameDayRecord.self, from: Data(line)) {
                records.append(r)
            } else {
                unreadable += 1
            }
        }
        return (records, unreadable)
    }
}

/// What a game day was meant to be, as recorded at its start: enough to rebuild its report from the journal alone.
public struct GameDayDefinition: Codable, Sendable, Equatable {
    public struct Phase: Codable, Sendable, Equatable {
        public var name: String
        public var scenarioMs: Double
        public var gate: Bool
        public var brief: String
        public var expect: String
        public var hypothesis: String?
        public var poll: String?

        public init(
            name: String, scenarioMs: Double, gate: Bool, brief: String, expect: String, hypothesis: String?,
            poll: String?
        ) {
            self.name = name
            self.scenarioMs = scenarioMs
            self.gate = gate
            self.brief = brief
            self.expect = expect
            self.hypothesis = hypothesis
            self.poll = poll
        }
    }

    public struct Fault: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public var on: String
        public var plannedStartMs: Double
        public var plannedEndMs: Double?

        public init(name: String, type: String, on: String, plannedStartMs: Double, plannedEndMs: Double?) {
            self.name = name
            self.type = type
            self.on = on
            self.plannedStartMs = plannedStartMs
            self.plannedEndMs = plannedEndMs
        }
    }

    public var title: String
    public var appURL: String?
    public var maxParticipants: Int
    public var pollWindowMs: Double
    public var loadScenarioMs: Double
    public var phases: [Phase]
    public var faults: [Fault]

    public init(
        title: String, appURL: String?, maxParticipants: Int, pollWindowMs: Double, loadScenarioMs: Double,
        phases: [Phase], faults: [Fault]
    ) {
        self.title = title
        self.appURL = appURL
        self.maxParticipants = maxParticipants
        self.pollWindowMs = pollWindowMs
        self.loadScenarioMs = loadScenarioMs
        self.phases = phases
        self.faults = faults
    }
}
