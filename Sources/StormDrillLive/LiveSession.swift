import Foundation
import NIOCore
import StormDrillReport
import Synchronization

/// Everything the live view knows about the running drill, and the one place where what happens is recorded: each
/// change is made durable in the game-day journal (when there is one), kept for `GET /api/state` and published as an
/// event, in that order. The runner reports the drill's side (ticks, phases, holds, faults, the end); the live server
/// brings the participants' and the facilitator's side (joins, feedback, poll answers, notes, announcements, and the
/// actions it hands to `LiveDrillControl`).
public final class LiveSession: Sendable {
    public struct Configuration: Sendable {
        public var plan: String
        /// The game day's title, or the plan's name.
        public var title: String
        /// The game day as planned; nil for a plain drill (participants' and game-day actions answer 409).
        public var definition: GameDayDefinition?
        /// Planned faults (for a plain drill too).
        public var faults: [GameDayDefinition.Fault]
        public var appURL: String?
        public var startedAt: String
        public var loadScenarioMs: Double
        public var maxParticipants: Int
        /// Seconds of ticks kept for `/api/state`.
        public var tickHistory = 21_600
        /// Latest reports kept for `/api/state` (all of them go into the journal and the report).
        public var feedbackHistory = 500

        public init(
            plan: String, title: String, definition: GameDayDefinition?, faults: [GameDayDefinition.Fault],
            appURL: String?, startedAt: String, loadScenarioMs: Double, maxParticipants: Int
        ) {
            self.plan = plan
            self.title = title
            self.definition = definition
            self.faults = faults
            self.appURL = appURL
            self.startedAt = startedAt
            self.loadScenarioMs = loadScenarioMs
            self.maxParticipants = maxParticipants
        }
    }

    /// One second of the drill, from the runner's per-second merge.
    public struct Tick: Sendable {
        public var second: Int
        public var atMs: Double
        public var scenarioMs: Double
        public var sent: Int
        public var ok: Int
        public var errors: Int
        public var dropped: Int
        public var inFlight: Int
        public var p50Ms: Double
        public var p99Ms: Double
        public var held: Bool
        public var totalSent: Int
        public var totalOk: Int
        public var totalErrors: Int
        public var totalDropped: Int

        public init(
            second: Int, atMs: Double, scenarioMs: Double, sent: Int, ok: Int, errors: Int, dropped: Int,
            inFlight: Int, p50Ms: Double, p99Ms: Double, held: Bool, totalSent: Int, totalOk: Int, totalErrors: Int,
            totalDropped: Int
        ) {
            self.second = second
            self.atMs = atMs
            self.scenarioMs = scenarioMs
            self.sent = sent
            self.ok = ok
            self.errors = errors
            self.dropped = dropped
            self.inFlight = inFlight
            self.p50Ms = p50Ms
            self.p99Ms = p99Ms
            self.held = held
            self.totalSent = totalSent
            self.totalOk = totalOk
            self.totalErrors = totalErrors
            self.totalDropped = totalDropped
        }
    }

    /// A fault's state as the live view shows it.
    public enum FaultState: String, Sendable {
        case pending, applied, rolledBack, failed, skipped
    }

    /// The drill's status as the live view shows it.
    public enum Status: String, Sendable {
        case starting, running, ending, ended
    }

    /// The facilitator's actions (every one needs the token; the server checks it).
    public enum Action: String, Sendable, CaseIterable {
        case `continue`, hold, halt, skip, note, announce
    }

    public static let feedbackKinds = ["ok", "slow", "error", "stuck", "notice", "other"]
    public static let pollAnswers = ["yes", "no", "unsure"]
    public static let maximumFeedbackText = 280
    public static let maximumNoteText = 500

    public let configuration: Configuration
    public let log: LiveEventLog
    let journal: GameDayJournal?
    /// Drill and scenario time now, ms.
    let now: @Sendable () -> (atMs: Double, scenarioMs: Double)
    private let control = Mutex<(any LiveDrillControl)?>(nil)
    private let state: Mutex<State>

    private struct FaultEntry {
        var definition: GameDayDefinition.Fault
        var state = FaultState.pending
        var actualStartMs: Double?
        var actualEndMs: Double?
        var reason: String?
    }

    private struct PollEntry {
        var phase: String
        var question: String
        var open: Bool
        var answers: [String: String] = [:]
    }

    private struct State {
        var status = Status.starting
        var joinURL: String?
        var appURL: String?
        var ticks: [LiveValue] = []
        var totals: LiveValue = ["sent": 0, "ok": 0, "errors": 0, "dropped": 0]
        var phaseStarts: [Int: (atMs: Double, scenarioMs: Double)] = [:]
        var currentPhase: Int?
        var hold: LiveValue?
        var holds: [LiveValue] = []
        var faults: [FaultEntry]
        var participants: ParticipantRegistry
        var active = Set<String>()
        var feedback: [LiveValue] = []
        var feedbackCount = 0
        var polls: [PollEntry] = []
        var notes: [LiveValue] = []
        var announcements: [LiveValue] = []
        var records: [GameDayRecord] = []
    }

    /// - Parameters:
    ///   - journal: where every record goes first (nil: kept in memory only, for tests and plain drills).
    ///   - now: drill and scenario time now, in ms.
    public init(
        configuration: Configuration, journal: GameDayJournal?, log: LiveEventLog = LiveEventLog(),
        now: @escaping @Sendable () -> (atMs: Double, scenarioMs: Double)
    ) {
        self.configuration = configuration
        self.journal = journal
        self.log = log
        self.now = now
        state = Mutex(
            State(
                appURL: configuration.appURL, faults: configuration.faults.map { FaultEntry(definition: $0) },
                participants: ParticipantRegistry(maxParticipants: configuration.maxParticipants)))
    }

    public var isGameDay: Bool { configuration.definition != nil }

    /// The runner's side of the facilitator's buttons.
    public func attach(control: any LiveDrillControl) {
        self.control.withLock { $0 = control }
    }

    /// The join link, once the server knows its address.
    public func setJoinURL(_ url: String) {
        state.withLock { $0.joinURL = url }
    }

    public var joinURL: String? { state.withLock { $0.joinURL } }

    /// The ordering app's address when the plan names none: the embedded target's own page, once it listens.
    public func setDefaultAppURL(_ url: String) {
        state.withLock { s in if s.appURL == nil { s.appURL = url } }
    }

    public var appURL: String? { state.withLock { $0.appURL } }

    /// Every record so far, in the order they were made durable.
    public var records: [GameDayRecord] { state.withLock { $0.records } }

    public var participantCount: Int { state.withLock { $0.participants.count } }

    // MARK: - Recording

    /// Makes a record durable, then keeps it. Throws when the journal cannot take it (nothing is kept then).
    private func record(_ r: GameDayRecord) async throws {
        try await journal?.append(r)
        state.withLock { $0.records.append(r) }
    }

    private func publish(_ name: String, _ data: LiveValue) {
        log.publish(name, data: data.json)
    }

    private func stamp() -> (atMs: Double, scenarioMs: Double) {
        let n = now()
        return (LiveJSON.ms(max(0, n.atMs)), LiveJSON.ms(max(0, n.scenarioMs)))
    }

    // MARK: - The drill's side (the runner)

    /// The drill starts: records the plan and the game day's definition.
    public func begin() async {
        var r = GameDayRecord(type: .start, atMs: 0, scenarioMs: 0)
        r.plan = configuration.plan
        r.startedAt = configuration.startedAt
        r.gameDay = configuration.definition
        try? await record(r)
        state.withLock { $0.status = .running }
    }

    public func setStatus(_ status: Status) {
        state.withLock { $0.status = status }
    }

    public func tick(_ t: Tick) {
        let value: LiveValue = [
            "t": .number(Double(t.second)), "atMs": .ms(t.atMs), "scenarioMs": .ms(t.scenarioMs),
            "sent": .number(Double(t.sent)), "ok": .number(Double(t.ok)), "errors": .number(Double(t.errors)),
            "dropped": .number(Double(t.dropped)), "inFlight": .number(Double(t.inFlight)),
            "p50Ms": .ms(t.p50Ms), "p99Ms": .ms(t.p99Ms), "held": .bool(t.held),
        ]
        let totals: LiveValue = [
            "sent": .number(Double(t.totalSent)), "ok": .number(Double(t.totalOk)),
            "errors": .number(Double(t.totalErrors)), "dropped": .number(Double(t.totalDropped)),
        ]
        let participants = state.withLock { s -> Int in
            s.ticks.append(value)
            if s.ticks.count > configuration.tickHistory {
                s.ticks.removeFirst(s.ticks.count - configuration.tickHistory)
            }
            s.totals = totals
            return s.participants.count
        }
        guard case .object(var event) = value else { return }
        event["participants"] = .number(Double(participants))
        event["totals"] = totals
        publish("tick", .object(event))
    }

    /// Phase `index` of the game day began at drill time `atMs`.
    public func phaseBegan(_ index: Int, atMs: Double, scenarioMs: Double) async {
        guard let definition = configuration.definition, definition.phases.indices.contains(index) else { return }
        let p = definition.phases[index]
        var r = GameDayRecord(type: .phase, atMs: LiveJSON.ms(atMs), scenarioMs: LiveJSON.ms(scenarioMs))
        r.phase = p.name
        r.index = index
        try? await record(r)
        state.withLock { s in
            s.phaseStarts[index] = (r.atMs, r.scenarioMs ?? 0)
            s.currentPhase = index
        }
        publish("phase", phaseValue(index, atMs: r.atMs, scenarioMs: r.scenarioMs))
    }

    /// The scenario clock stopped.
    public func holdBegan(reason: String, phase: String?, atMs: Double, scenarioMs: Double) async {
        var r = GameDayRecord(type: .hold, atMs: LiveJSON.ms(atMs), scenarioMs: LiveJSON.ms(scenarioMs))
        r.reason = reason
        r.phase = phase
        try? await record(r)
        let value: LiveValue = [
            "state": "held", "reason": .string(reason), "phase": LiveValue(phase), "atMs": .ms(r.atMs),
            "scenarioMs": .ms(r.scenarioMs), "heldMs": nil,
        ]
        state.withLock { s in
            s.hold = ["reason": .string(reason), "phase": LiveValue(phase), "sinceMs": .ms(r.atMs)]
            s.holds.append(value)
        }
        publish("hold", value)
    }

    /// It ran again, after `heldMs`.
    public func holdReleased(atMs: Double, scenarioMs: Double, heldMs: Double) async {
        var r = GameDayRecord(type: .release, atMs: LiveJSON.ms(atMs), scenarioMs: LiveJSON.ms(scenarioMs))
        r.heldMs = LiveJSON.ms(heldMs)
        let (reason, phase) = state.withLock { s -> (LiveValue, LiveValue) in
            (s.hold?["reason"] ?? "facilitator", s.hold?["phase"] ?? nil)
        }
        if case .string(let text) = reason { r.reason = text }
        if case .string(let text) = phase { r.phase = text }
        try? await record(r)
        let value: LiveValue = [
            "state": "released", "reason": reason, "phase": phase, "atMs": .ms(r.atMs),
            "scenarioMs": .ms(r.scenarioMs), "heldMs": .ms(r.heldMs),
        ]
        state.withLock { s in
            s.hold = nil
            if case .object(var last) = s.holds.last {
                last["heldMs"] = .ms(r.heldMs)
                s.holds[s.holds.count - 1] = .object(last)
            }
        }
        publish("hold", value)
    }

    /// A fault changed state. `atMs`: when (its actual start or end).
    public func faultChanged(
        _ name: String, to newState: FaultState, atMs: Double, actualStartMs: Double?, actualEndMs: Double?,
        reason: String? = nil
    ) async {
        var r = GameDayRecord(type: .fault, atMs: LiveJSON.ms(atMs), scenarioMs: stamp().scenarioMs)
        r.fault = name
        r.state = newState.rawValue
        r.reason = reason
        try? await record(r)
        let value = state.withLock { s -> LiveValue? in
            guard let i = s.faults.firstIndex(where: { $0.definition.name == name }) else { return nil }
            s.faults[i].state = newState
            s.faults[i].actualStartMs = actualStartMs.map(LiveJSON.ms) ?? s.faults[i].actualStartMs
            s.faults[i].actualEndMs = actualEndMs.map(LiveJSON.ms) ?? s.faults[i].actualEndMs
            s.faults[i].reason = reason ?? s.faults[i].reason
            guard case .object(var v) = faultValue(s.faults[i]) else { return nil }
            v["atMs"] = .ms(r.atMs)
            return .object(v)
        }
        if let value { publish("fault", value) }
    }

    /// The poll of phase `index` opens (its phase ended).
    public func pollOpened(_ index: Int) async {
        guard let p = configuration.definition?.phases[safe: index], let question = p.poll else { return }
        let at = stamp()
        var r = GameDayRecord(type: .poll, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.phase = p.name
        r.text = question
        r.state = "open"
        try? await record(r)
        let value = state.withLock { s -> LiveValue in
            s.polls.append(PollEntry(phase: p.name, question: question, open: true))
            return pollValue(s.polls[s.polls.count - 1], atMs: at.atMs)
        }
        publish("poll", value)
    }

    /// Closes every open poll (or only phase `only`'s).
    public func closePolls(only: String? = nil) async {
        let open = state.withLock { s in s.polls.filter(\.open).map(\.phase) }.filter { only == nil || $0 == only }
        for phase in open {
            let at = stamp()
            var r = GameDayRecord(type: .poll, atMs: at.atMs, scenarioMs: at.scenarioMs)
            r.phase = phase
            r.state = "closed"
            try? await record(r)
            let value = state.withLock { s -> LiveValue? in
                guard let i = s.polls.firstIndex(where: { $0.phase == phase && $0.open }) else { return nil }
                s.polls[i].open = false
                return pollValue(s.polls[i], atMs: at.atMs)
            }
            if let value { publish("poll", value) }
        }
    }

    /// Whether a poll is open.
    public var hasOpenPoll: Bool { state.withLock { s in s.polls.contains(where: \.open) } }

    /// Whether every participant who joined has answered the open polls.
    public var everyoneAnswered: Bool {
        state.withLock { s in
            s.participants.count > 0
                && s.polls.filter(\.open).allSatisfy { $0.answers.count >= s.participants.count }
        }
    }

    /// The facilitator halted the drill (recorded before the rollbacks begin).
    public func recordHalt() async throws {
        let at = stamp()
        try await record(GameDayRecord(type: .halt, atMs: at.atMs, scenarioMs: at.scenarioMs))
    }

    /// The facilitator skipped a fault.
    public func recordSkip(_ fault: String) async throws {
        let at = stamp()
        var r = GameDayRecord(type: .skip, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.fault = fault
        try await record(r)
    }

    /// The drill is over: records the end, tells every client and closes the event streams.
    public func end(status: String, reason: String?) async {
        let at = stamp()
        var r = GameDayRecord(type: .end, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.status = status
        r.reason = reason
        try? await record(r)
        journal?.close()
        state.withLock { $0.status = .ended }
        publish("end", ["status": .string(status), "reason": LiveValue(reason), "atMs": .ms(at.atMs)])
        log.finish()
    }

    // MARK: - Participants

    public func join(body: [UInt8]) async -> LiveAnswer {
        guard isGameDay else { return .error(409, "this drill is not a game day: there is nothing to join") }
        guard let object = LiveSession.object(body) else { return .error(400, "the body must be a JSON object") }
        var nickname: String?
        if let raw = object["nickname"] {
            guard let s = raw as? String else { return .error(400, "nickname must be a string") }
            nickname = ParticipantRegistry.cleanNickname(s)
        }
        let id = LiveSession.participantID()
        let at = stamp()
        let joined = state.withLock { s in s.participants.join(id: id, nickname: nickname, atMs: at.atMs) }
        switch joined {
        case .failure(.full(let limit)):
            return .error(403, "the game day is full (\(limit) participants)")
        case .failure:
            return .error(403, "cannot join")
        case .success:
            break
        }
        var r = GameDayRecord(type: .join, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.participant = id
        r.nickname = nickname
        do {
            try await record(r)
        } catch {
            return .error(503, "could not be recorded: \(error)")
        }
        let count = participantCount
        publish(
            "join",
            [
                "participant": .string(id), "nickname": LiveValue(nickname), "atMs": .ms(at.atMs),
                "participants": .number(Double(count)),
            ])
        return .json(201, ["participant": LiveValue.string(id), "nickname": LiveValue(nickname)])
    }

    public func feedback(body: [UInt8]) async -> LiveAnswer {
        guard isGameDay else { return .error(409, "this drill is not a game day") }
        guard let object = LiveSession.object(body) else { return .error(400, "the body must be a JSON object") }
        guard let participant = object["participant"] as? String, !participant.isEmpty else {
            return .error(400, "participant is missing: join first (POST /api/join)")
        }
        guard let kind = object["kind"] as? String, LiveSession.feedbackKinds.contains(kind) else {
            return .error(400, "kind must be one of \(LiveSession.feedbackKinds.joined(separator: ", "))")
        }
        var text: String?
        if let raw = object["text"], !(raw is NSNull) {
            guard let s = raw as? String else { return .error(400, "text must be a string") }
            guard s.count <= LiveSession.maximumFeedbackText else {
                return .error(400, "text must be at most \(LiveSession.maximumFeedbackText) characters")
            }
            text = LiveSession.clean(s)
        }
        var orderId: String?
        if let raw = object["orderId"], !(raw is NSNull) {
            guard let s = raw as? String, s.count <= 64 else {
                return .error(400, "orderId must be a string of at most 64")
            }
            orderId = LiveSession.clean(s)
        }
        let at = stamp()
        let admitted = state.withLock { s -> Result<ParticipantRegistry.Participant, ParticipantRegistry.Refusal> in
            s.participants.post(by: participant, now: Int64(NIODeadline.now().uptimeNanoseconds))
        }
        let nickname: String?
        switch admitted {
        case .failure(let refusal): return LiveSession.answer(for: refusal)
        case .success(let p): nickname = p.nickname
        }
        let (id, phase, faults) = state.withLock { s -> (Int, String?, [String]) in
            s.feedbackCount += 1
            let phase = s.currentPhase.flatMap { configuration.definition?.phases[safe: $0]?.name }
            return (s.feedbackCount, phase, s.faults.filter { $0.state == .applied }.map(\.definition.name))
        }
        var r = GameDayRecord(type: .feedback, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.id = id
        r.participant = participant
        r.nickname = nickname
        r.kind = kind
        r.text = text
        r.orderId = orderId
        r.phase = phase
        r.faults = faults
        do {
            try await record(r)
        } catch {
            return .error(503, "could not be recorded: \(error)")
        }
        let value: LiveValue = [
            "id": .number(Double(id)), "participant": .string(participant), "nickname": LiveValue(nickname),
            "kind": .string(kind), "text": LiveValue(text), "orderId": LiveValue(orderId), "atMs": .ms(at.atMs),
            "phase": LiveValue(phase), "faults": LiveValue(faults),
        ]
        state.withLock { s in
            s.active.insert(participant)
            s.feedback.append(value)
            if s.feedback.count > configuration.feedbackHistory { s.feedback.removeFirst() }
        }
        publish("feedback", value)
        return .json(202, ["id": LiveValue.number(Double(id)), "atMs": .ms(at.atMs)])
    }

    public func pollAnswer(body: [UInt8]) async -> LiveAnswer {
        guard isGameDay else { return .error(409, "this drill is not a game day") }
        guard let object = LiveSession.object(body) else { return .error(400, "the body must be a JSON object") }
        guard let participant = object["participant"] as? String, !participant.isEmpty else {
            return .error(400, "participant is missing: join first (POST /api/join)")
        }
        guard let phase = object["phase"] as? String else { return .error(400, "phase is missing") }
        guard let answer = object["answer"] as? String, LiveSession.pollAnswers.contains(answer) else {
            return .error(400, "answer must be one of \(LiveSession.pollAnswers.joined(separator: ", "))")
        }
        let open = state.withLock { s in s.polls.contains { $0.phase == phase && $0.open } }
        guard open else { return .error(409, "no poll is open for phase \"\(LiveSession.clean(phase).prefix(60))\"") }
        let admitted = state.withLock { s in
            s.participants.post(by: participant, now: Int64(NIODeadline.now().uptimeNanoseconds))
        }
        if case .failure(let refusal) = admitted { return LiveSession.answer(for: refusal) }
        let at = stamp()
        var r = GameDayRecord(type: .pollAnswer, atMs: at.atMs, scenarioMs: at.scenarioMs)
        r.participant = participant
        r.phase = phase
        r.answer = answer
        do {
            try await record(r)
        } catch {
            return .error(503, "could not be recorded: \(error)")
        }
        let value = state.withLock { s -> LiveValue? in
            s.active.insert(participant)
            guard let i = s.polls.firstIndex(where: { $0.phase == phase && $0.open }) else { return nil }
            s.polls[i].answers[participant] = answer
            return pollValue(s.polls[i], atMs: at.atMs)
        }
        if let value {
            publish("poll", value)
            return .json(202, ["answers": value["answers"] ?? [:]])
        }
        return .json(202, ["answers": LiveValue.object([:])])
    }

    static func answer(for refusal: ParticipantRegistry.Refusal) -> LiveAnswer {
        switch refusal {
        case .unknownParticipant: .error(400, "unknown participant: join first (POST /api/join)")
        case .tooFast: .error(429, "slow down: at most 5 posts a second")
        case .tooMany(let limit): .error(429, "this participant has sent \(limit) posts, the most one may send")
        case .full(let limit): .error(403, "the game day is full (\(limit) participants)")
        }
    }

    // MARK: - The facilitator (token checked by the server)

    public func facilitate(_ action: Action, body: [UInt8]) async -> LiveAnswer {
        switch action {
        case .note, .announce:
            guard isGameDay else { return .error(409, "this drill is not a game day") }
            guard let object = LiveSession.object(body) else { return .error(400, "the body must be a JSON object") }
            guard let raw = object["text"] as? String else { return .error(400, "text is missing") }
            let text = LiveSession.clean(raw)
            guard !text.isEmpty else { return .error(400, "text must not be empty") }
            guard text.count <= LiveSession.maximumNoteText else {
                return .error(400, "text must be at most \(LiveSession.maximumNoteText) characters")
            }
            let at = stamp()
            var r = GameDayRecord(
                type: action == .note ? .note : .announcement, atMs: at.atMs, scenarioMs: at.scenarioMs)
            r.text = text
            do {
                try await record(r)
            } catch {
                return .error(503, "could not be recorded: \(error)")
            }
            if action == .note {
                let isAction = text.drop { $0 == " " }.lowercased().hasPrefix("action:")
                let value: LiveValue = ["text": .string(text), "action": .bool(isAction), "atMs": .ms(at.atMs)]
                state.withLock { $0.notes.append(value) }
                publish("note", value)
            } else {
                let value: LiveValue = ["text": .string(text), "atMs": .ms(at.atMs)]
                state.withLock { $0.announcements.append(value) }
                publish("announcement", value)
            }
            return .json(201, ["atMs": LiveValue.ms(at.atMs)])
        case .continue, .hold, .halt, .skip:
            guard let control = control.withLock({ $0 }) else { return .error(503, "the drill is not running yet") }
            switch action {
            case .continue:
                return await control.continueDrill()
            case .hold:
                return await control.holdDrill()
            case .halt:
                return await control.haltDrill()
            default:
                guard let object = LiveSession.object(body), let name = object["fault"] as? String else {
                    return .error(400, "the body must be {\"fault\": NAME}")
                }
                return await control.skipFault(name)
            }
        }
    }

    // MARK: - State

    /// `GET /api/state`.
    public func stateJSON() -> String {
        let at = stamp()
        let lastEventId = log.lastId
        let value = state.withLock { s -> LiveValue in
            let definition = configuration.definition
            let phases: [LiveValue] = (definition?.phases ?? []).indices.map { i in
                phaseValue(i, atMs: s.phaseStarts[i]?.atMs, scenarioMs: s.phaseStarts[i]?.scenarioMs)
            }
            let next = (s.currentPhase.map { $0 + 1 } ?? 0)
            let nextPhase: LiveValue =
                definition.map { d in next < d.phases.count ? phaseValue(next, atMs: nil, scenarioMs: nil) : nil }
                ?? nil
            let shift = at.atMs - at.scenarioMs
            return [
                "plan": .string(configuration.plan), "title": .string(configuration.title),
                "gameDay": .bool(definition != nil), "startedAt": .string(configuration.startedAt),
                "status": .string(s.status.rawValue), "atMs": .ms(at.atMs), "scenarioMs": .ms(at.scenarioMs),
                "loadScenarioMs": .ms(configuration.loadScenarioMs), "shiftMs": .ms(max(0, shift)),
                "held": .bool(s.hold != nil), "hold": s.hold ?? nil,
                "phase": s.currentPhase.map { phases[$0] } ?? nil, "nextPhase": nextPhase,
                "phases": .array(phases), "faults": .array(s.faults.map(faultValue)),
                "inForce": LiveValue(s.faults.filter { $0.state == .applied }.map(\.definition.name)),
                "holds": .array(s.holds), "totals": s.totals, "ticks": .array(s.ticks),
                "participants": [
                    "joined": .number(Double(s.participants.count)), "active": .number(Double(s.active.count)),
                ],
                "feedback": .array(s.feedback), "polls": .array(s.polls.map { pollValue($0, atMs: nil) }),
                "notes": .array(s.notes), "announcements": .array(s.announcements),
                "appURL": LiveValue(s.appURL), "joinURL": LiveValue(s.joinURL),
                "maxParticipants": .number(Double(configuration.maxParticipants)),
                "lastEventId": .number(Double(lastEventId)),
            ]
        }
        return value.json
    }

    private func phaseValue(_ index: Int, atMs: Double?, scenarioMs: Double?) -> LiveValue {
        guard let p = configuration.definition?.phases[safe: index] else { return nil }
        return [
            "index": .number(Double(index)), "name": .string(p.name), "brief": .string(p.brief),
            "expect": .string(p.expect), "hypothesis": LiveValue(p.hypothesis), "poll": LiveValue(p.poll),
            "gate": .bool(p.gate), "plannedScenarioMs": .ms(p.scenarioMs), "atMs": .ms(atMs),
            "scenarioMs": .ms(scenarioMs ?? p.scenarioMs),
        ]
    }

    private func faultValue(_ f: FaultEntry) -> LiveValue {
        [
            "name": .string(f.definition.name), "type": .string(f.definition.type), "on": .string(f.definition.on),
            "plannedStartMs": .ms(f.definition.plannedStartMs), "plannedEndMs": .ms(f.definition.plannedEndMs),
            "state": .string(f.state.rawValue), "actualStartMs": .ms(f.actualStartMs),
            "actualEndMs": .ms(f.actualEndMs), "reason": LiveValue(f.reason),
        ]
    }

    private func pollValue(_ p: PollEntry, atMs: Double?) -> LiveValue {
        var counts: [String: LiveValue] = [:]
        for a in LiveSession.pollAnswers { counts[a] = .number(Double(p.answers.values.filter { $0 == a }.count)) }
        return [
            "phase": .string(p.phase), "question": .string(p.question), "state": .string(p.open ? "open" : "closed"),
            "answers": .object(counts), "atMs": .ms(atMs),
        ]
    }

    // MARK: - Input

    /// A JSON object, or nil for anything else.
    static func object(_ body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// Text as kept: control characters other than newline removed, spaces trimmed.
    static func clean(_ s: String) -> String { ParticipantRegistry.cleanText(s, keepingNewlines: true) }

    /// `p-` and 16 random hex digits (64 bits): unguessable enough that one participant cannot post as another.
    static func participantID() -> String {
        var rng = SystemRandomNumberGenerator()
        return "p-" + String(format: "%016llx", rng.next() as UInt64)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
