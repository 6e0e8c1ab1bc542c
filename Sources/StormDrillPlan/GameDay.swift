/// A facilitated fault rehearsal with participants: the plan's `gameDay` section.
///
/// Phases run on scenario time, the clock plan times are written on. A phase with a gate holds the scenario clock at
/// its `at` until the facilitator continues; the load goes on at the rate in force meanwhile and everything planned
/// later moves later by the hold (see `ScenarioClock`). A phase's thresholds live with the plan's other thresholds,
/// scoped `during: "phase:NAME"`.
public struct GameDay: Sendable, Hashable {
    public var title: String
    /// The ordering app participants use (nil: the embedded target's own page, or none).
    public var appURL: String?
    public var phases: [GameDayPhase]
    /// Participants beyond this many are refused (403).
    public var maxParticipants: Int
    /// How long the drill waits after the load for answers to the last phase's poll (ended early by Continue).
    public var pollWindow: PlanDuration

    public static let defaultMaxParticipants = 500
    public static let defaultPollWindow = PlanDuration.seconds(30)

    public init(
        title: String, appURL: String? = nil, phases: [GameDayPhase],
        maxParticipants: Int = GameDay.defaultMaxParticipants, pollWindow: PlanDuration = GameDay.defaultPollWindow
    ) {
        self.title = title
        self.appURL = appURL
        self.phases = phases
        self.maxParticipants = maxParticipants
        self.pollWindow = pollWindow
    }

    /// The phase index in force at scenario offset `t` (nil before the first phase).
    public func phaseIndex(atScenario t: PlanDuration) -> Int? {
        phases.lastIndex { $0.at <= t }
    }

    /// Scenario offsets at which the scenario clock holds until the facilitator continues, with their phase.
    public var gates: [(at: PlanDuration, phase: Int)] {
        phases.enumerated().filter { $0.element.gate }.map { ($0.element.at, $0.offset) }
    }
}

/// One phase of a game day: what participants are asked to do and what they should expect.
public struct GameDayPhase: Sendable, Hashable {
    public var name: String
    /// Scenario offset at which the phase begins.
    public var at: PlanDuration
    /// Hold the scenario clock at `at` until the facilitator continues.
    public var gate: Bool
    /// What participants are asked to do.
    public var brief: String
    /// What they should see.
    public var expect: String
    /// What the team believes will hold; judged by the phase's thresholds.
    public var hypothesis: String?
    /// A yes/no question put to participants when the phase ends.
    public var poll: String?

    public init(
        name: String, at: PlanDuration, gate: Bool = false, brief: String = "", expect: String = "",
        hypothesis: String? = nil, poll: String? = nil
    ) {
        self.name = name
        self.at = at
        self.gate = gate
        self.brief = brief
        self.expect = expect
        self.hypothesis = hypothesis
        self.poll = poll
    }
}
