import NIOCore
import StormDrillLive
import StormDrillPlan
import StormDrillReport

/// The game day's conductor and the facilitator's buttons: walks the phases on the scenario clock (a gate holds it
/// until Continue), opens each phase's poll when the phase ends, and carries out Continue, Hold, Halt and Skip.
///
/// One actor, so a Continue pressed just as a gate is reached and the conductor recording that gate never race: the
/// hold's start is announced exactly once, before its release. Everything that happens goes through the live
/// session, which makes it durable in the game-day journal before anyone is told.
actor GameDayCoordinator: LiveDrillControl {
    let plan: Plan
    let clock: DrillClock
    let session: LiveSession
    let faults: FaultController
    let control: RunControl
    let stopGrace: TimeAmount
    /// Press Continue by itself this long after a gate holds (and end the last poll's wait as soon): unattended
    /// rehearsals of a game day, and tests. Nil: only the facilitator continues.
    let autoContinue: Duration?

    /// Holds (by number) whose start the session has been told of.
    private var announced = Set<Int>()
    /// Continue (or Halt) ended the wait for answers to the last phase's poll after the load.
    private var finalPollDone = false
    private var pollClosers: [Task<Void, Never>] = []

    init(
        plan: Plan, clock: DrillClock, session: LiveSession, faults: FaultController, control: RunControl,
        stopGrace: TimeAmount, autoContinue: Duration? = nil
    ) {
        self.plan = plan
        self.clock = clock
        self.session = session
        self.faults = faults
        self.control = control
        self.stopGrace = stopGrace
        self.autoContinue = autoContinue
    }

    private var loadScenario: Int64 { plan.loadDuration.nanoseconds }

    // MARK: - The phases

    /// Walks the game day's phases until the load ends and the last poll closes; returns early when cancelled (the
    /// drill stopped), closing any open poll.
    func direct() async {
        defer { pollClosers.forEach { $0.cancel() } }
        guard let gameDay = plan.gameDay else { return }
        do {
            for (i, phase) in gameDay.phases.enumerated() {
                let at = phase.at.nanoseconds
                if phase.gate {
                    try await clock.sleep(untilHoldAt: at)
                    announceGateIfReached()
                    await announcePending()
                    if let autoContinue {
                        try await Task.sleep(for: autoContinue)
                        _ = await continueDrill()
                    }
                }
                try await clock.sleep(untilScenario: at)
                let begun = clock.scenario.drillTime(ofScenario: at) ?? clock.now()
                await session.phaseBegan(i, atMs: Double(begun) / 1e6, scenarioMs: Double(at) / 1e6)
                if i > 0 { await openPoll(i - 1, closeAfter: gameDay.pollWindow) }
            }
            try await clock.sleep(untilScenario: loadScenario)
        } catch {
            await session.closePolls()
            return
        }
        // The last phase ends with the load: its poll stays open for the poll window, or until everyone answered or
        // the facilitator continues.
        guard let last = gameDay.phases.indices.last, gameDay.phases[last].poll != nil else { return }
        await session.pollOpened(last)
        // Nobody joined: nobody can answer, so there is nothing to wait for.
        let window =
            session.participantCount == 0
            ? 0 : min(gameDay.pollWindow.nanoseconds, autoContinue.map(DrillClock.nanoseconds) ?? .max)
        let until = clock.now() + window
        while !finalPollDone && !Task.isCancelled && clock.now() < until && !session.everyoneAnswered {
            do {
                try await Task.sleep(nanoseconds: UInt64(min(250_000_000, max(1, until - clock.now()))))
            } catch {
                break
            }
        }
        await session.closePolls()
    }

    /// Ends the final poll's wait (Continue after the load).
    private func endFinalPoll() {
        finalPollDone = true
    }

    private func openPoll(_ index: Int, closeAfter window: PlanDuration) async {
        guard plan.gameDay?.phases[index].poll != nil, let name = plan.gameDay?.phases[index].name else { return }
        await session.pollOpened(index)
        let session = self.session
        pollClosers.append(
            Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0, window.nanoseconds)))
                await session.closePolls(only: name)
            })
    }

    /// Records a gate the scenario has reached as the hold in force (no change if none is reached).
    private func announceGateIfReached() {
        clock.update { c, t in c.recordGate(atDrill: t) }
    }

    /// Tells the session of a hold in force it has not heard of.
    private func announcePending() async {
        let c = clock.scenario
        guard let i = c.holds.indices.last, c.holds[i].drillEnd == nil, !announced.contains(i) else { return }
        await announce(c.holds[i], number: i)
    }

    private func announce(_ hold: ScenarioClock.Hold, number: Int) async {
        guard announced.insert(number).inserted else { return }
        var reason = "facilitator"
        var phase: String?
        if case .gate(let p) = hold.reason {
            reason = "gate"
            phase = plan.gameDay?.phases[p].name
        }
        await session.holdBegan(
            reason: reason, phase: phase, atMs: Double(hold.drillStart) / 1e6, scenarioMs: Double(hold.scenarioAt) / 1e6
        )
    }

    // MARK: - The facilitator's buttons

    func continueDrill() async -> LiveAnswer {
        guard plan.gameDay != nil else { return .error(409, "this drill is not a game day: nothing holds it") }
        if clock.scenario.due(atDrill: clock.now()) >= loadScenario {
            guard session.hasOpenPoll, !finalPollDone else { return .error(409, "the load is over: nothing holds") }
            endFinalPoll()
            return .json(200, ["closed": LiveValue("the last poll")])
        }
        // A gate reached but not yet recorded is recorded first, so its start is told before its end.
        announceGateIfReached()
        await announcePending()
        guard
            let released = clock.update({ c, t -> (ScenarioClock.Hold, Int)? in
                guard let h = c.release(atDrill: t) else { return nil }
                return (h, c.holds.count - 1)
            })
        else { return .error(409, "nothing holds the drill") }
        let (hold, _) = released
        let held = Double(hold.length ?? 0) / 1e6
        await session.holdReleased(
            atMs: Double(hold.drillEnd ?? 0) / 1e6, scenarioMs: Double(hold.scenarioAt) / 1e6, heldMs: held)
        return .json(200, ["heldMs": LiveValue.ms(held), "atMs": .ms(Double(hold.drillEnd ?? 0) / 1e6)])
    }

    func holdDrill() async -> LiveAnswer {
        guard plan.gameDay != nil else { return .error(409, "holding needs a plan with a gameDay") }
        guard !control.stopRequested else { return .error(409, "the drill is stopping") }
        let now = clock.now()
        guard clock.scenario.scenario(atDrill: now) < loadScenario else { return .error(409, "the load is over") }
        guard
            let begun = clock.update({ c, t -> (ScenarioClock.Hold, Int)? in
                guard let h = c.beginHold(atDrill: t) else { return nil }
                return (h, c.holds.count - 1)
            })
        else { return .error(409, "the drill is already held") }
        await announce(begun.0, number: begun.1)
        return .json(
            200,
            [
                "atMs": LiveValue.ms(Double(begun.0.drillStart) / 1e6),
                "scenarioMs": .ms(Double(begun.0.scenarioAt) / 1e6),
            ])
    }

    func haltDrill() async -> LiveAnswer {
        // The record comes first, so even a driver that dies during the rollbacks leaves the halt on disk; a journal
        // that cannot be written never keeps the lever from working.
        let recorded = (try? await session.recordHalt()) != nil
        let first = control.halt()
        let rolledBack = await faults.stop()
        control.stopLoad(grace: stopGrace)
        endFinalPoll()
        var body: [String: LiveValue] = ["rolledBack": LiveValue(rolledBack), "recorded": .bool(recorded)]
        if !first { body["note"] = "the drill was already stopping" }
        return .json(200, LiveValue.object(body))
    }

    func skipFault(_ name: String) async -> LiveAnswer {
        switch await faults.skip(name, reason: "skipped by the facilitator") {
        case .unknown:
            return .error(404, "no fault named \"\(String(name.prefix(60)))\"")
        case .notPending(let why):
            return .error(409, "\(name) cannot be skipped: \(why)")
        case .skipped:
            do {
                try await session.recordSkip(name)
            } catch {
                return .json(200, ["skipped": LiveValue(name), "recorded": false])
            }
            return .json(200, ["skipped": LiveValue(name), "recorded": true])
        }
    }
}
