import Foundation
import NIOCore
import StormDrillPlan
import StormDrillReport

/// Applies the plan's faults on the scenario clock and guarantees their rollback.
///
/// The pure `FaultSchedule` decides what is due (plan times are scenario time: a hold delays what comes after it);
/// this actor carries it out, one action at a time (an apply and its
/// rollback never overlap), records the actual times as offsets from the drill start, checks each fault took effect
/// and journals process and command faults before applying them. `stop()` rolls back everything in force, latest
/// first, and is safe to call from any path (end of load, signal, abort condition, failing fault), any number of
/// times.
actor FaultController {
    private let plan: Plan
    private let proxies: (any ProxyFaultBackend)?
    private let target: TargetProcessSupervisor?
    private let journal: FaultJournal
    private let reportDirectory: String
    /// Called once when a fault cannot be applied; the drill then stops (and this controller rolls back).
    private let onFailure: @Sendable (String) -> Void
    /// Told of every change of a fault's state (the live view, the game-day journal).
    private let onTransition: @Sendable (FaultTransition) async -> Void

    private var schedule: FaultSchedule
    private var records: [FaultReport]
    private var journalEntries: [Int: JournalEntry] = [:]
    private var clock: DrillClock?
    private var checks: [Task<Void, Never>] = []
    /// Waits for a restarted target to serve again; cancelled when the drill stops.
    private var restartWaits: [Task<Void, Never>] = []
    /// Serialises actions: the run loop and `stop()` may both want to act.
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(
        plan: Plan, proxies: (any ProxyFaultBackend)?, target: TargetProcessSupervisor?, journal: FaultJournal,
        reportDirectory: String, onFailure: @escaping @Sendable (String) -> Void,
        onTransition: @escaping @Sendable (FaultTransition) async -> Void = { _ in }
    ) {
        self.plan = plan
        self.proxies = proxies
        self.target = target
        self.journal = journal
        self.reportDirectory = reportDirectory
        self.onFailure = onFailure
        self.onTransition = onTransition
        self.schedule = FaultSchedule(faults: plan.faults)
        self.records = plan.faults.map { f in
            FaultReport(
                name: f.name, type: f.action.typeName, on: FaultController.subject(f),
                plannedStartMs: f.at.milliseconds,
                plannedEndMs: f.end?.milliseconds, outcome: .skipped)
        }
    }

    static func subject(_ f: Fault) -> String {
        switch f.action {
        case .down(let d), .toxic(let d, _): d
        case .kill, .pause: "target"
        case .command: "command"
        }
    }

    /// Runs the schedule on `clock` until every action is done, the task is cancelled or `stop()` is called.
    func run(clock: DrillClock) async {
        self.clock = clock
        while let next = schedule.nextDue() {
            do {
                try await clock.sleep(untilScenario: next.nanoseconds)
            } catch {
                return
            }
            await acquire()
            let due = clock.scenario.due(atDrill: clock.now())
            let actions = schedule.due(at: PlanDuration(nanoseconds: max(0, due)))
            for action in actions { await perform(action) }
            release()
        }
    }

    /// Sets the clock without running the schedule (a drill whose faults never start still reports times on it).
    func attach(clock: DrillClock) {
        if self.clock == nil { self.clock = clock }
    }

    /// Rolls back every fault in force, latest first, and skips those not yet applied. Returns when all rollbacks
    /// and pending checks are done, with the names of the faults it rolled back.
    @discardableResult
    func stop() async -> [String] {
        await acquire()
        let pending = schedule.phases.indices.filter { schedule.phases[$0] == .pending }
        let actions = schedule.stop()
        for action in actions { await perform(action) }
        release()
        for i in pending where records[i].outcome == .skipped {
            await onTransition(
                FaultTransition(
                    name: plan.faults[i].name, state: .skipped, atMs: offsetMs(), reason: "the drill stopped first"))
        }
        for wait in restartWaits { wait.cancel() }
        for wait in restartWaits { await wait.value }
        restartWaits.removeAll()
        for check in checks { await check.value }
        checks.removeAll()
        return actions.map { plan.faults[$0.fault].name }
    }

    /// What became of a request to skip a fault.
    enum SkipOutcome: Sendable, Equatable {
        case skipped
        case unknown
        /// Already applied, over, or skipped before.
        case notPending(String)
    }

    /// Skips a fault not applied yet: it will not be (reported as skipped, with the reason).
    func skip(_ name: String, reason: String) async -> SkipOutcome {
        guard let i = plan.faults.firstIndex(where: { $0.name == name }) else { return .unknown }
        await acquire()
        let done = schedule.skip(i)
        release()
        guard done else {
            let phase = schedule.phases[i]
            return .notPending(
                phase == .active ? "it is in force" : phase == .skipped ? "it was skipped" : "it is over")
        }
        records[i].outcome = .skipped
        records[i].skipReason = "\(reason) at \(SummaryRenderer.seconds(offsetMs() / 1000))"
        await onTransition(
            FaultTransition(name: name, state: .skipped, atMs: offsetMs(), reason: records[i].skipReason))
        return .skipped
    }

    /// The faults as realised so far.
    func report() -> [FaultReport] { records }

    // MARK: - Actions

    private func perform(_ action: FaultSchedule.Action) async {
        switch action {
        case .apply(let i):
            await apply(i)
            let r = records[i]
            await onTransition(
                FaultTransition(
                    name: r.name, state: r.outcome == .failed ? .failed : .applied, atMs: r.actualStartMs ?? offsetMs(),
                    actualStartMs: r.actualStartMs, reason: r.error))
        case .rollback(let i):
            await rollback(i)
            let r = records[i]
            await onTransition(
                FaultTransition(
                    name: r.name, state: .rolledBack, atMs: r.actualEndMs ?? offsetMs(), actualStartMs: r.actualStartMs,
                    actualEndMs: r.actualEndMs, reason: r.error))
        }
    }

    private func apply(_ i: Int) async {
        let fault = plan.faults[i]
        records[i].outcome = .applied
        do {
            switch fault.action {
            case .down(let dependency):
                guard let proxies else { throw ControllerError("no proxy for \(dependency)") }
                try await proxies.setEnabled(dependency, false)
                records[i].actualStartMs = offsetMs()
                // A refused connect takes well under a millisecond: checked at once, before any rollback can run.
                setVerification(i, await proxies.verifyDown(dependency))
            case .toxic(let dependency, let spec):
                guard let proxies else { throw ControllerError("no proxy for \(dependency)") }
                try await proxies.addToxic(dependency, name: fault.name, spec)
                records[i].actualStartMs = offsetMs()
                check(i) { await proxies.verifyToxic(dependency, name: fault.name, spec) }
            case .kill(let signal, _):
                guard let target else { throw ControllerError("no target process") }
                let at = offsetMs()
                let (gone, evidence) = await target.kill(signal: signal)
                records[i].actualStartMs = at
                records[i].verified = gone
                records[i].evidence = evidence
                if gone {
                    // A killed process is gone: nothing may answer on its address any more (checked at once, so a
                    // quick restart cannot answer in its place).
                    let ready = target.spec.ready
                    let answer = await ReadinessProbe.check(ready, timeout: .milliseconds(300))
                    if answer == .refused {
                        setVerification(i, FaultVerification(verified: true, evidence: evidence + "; \(ready) refuses"))
                    } else {
                        setVerification(
                            i,
                            FaultVerification(
                                verified: false, evidence: evidence + "; but \(ready) still answers: \(answer)"))
                    }
                } else {
                    throw ControllerError(evidence)
                }
            case .pause:
                guard let target else { throw ControllerError("no target process") }
                let pid = await target.currentPID()
                if let pid {
                    try writeJournal(
                        i,
                        kind: .pause, rollback: nil, pid: pid, startTime: FaultJournal.processStartTime(pid))
                }
                let (paused, evidence, _) = await target.pause()
                records[i].actualStartMs = offsetMs()
                records[i].verified = paused
                records[i].evidence = evidence
                if !paused { throw ControllerError(evidence) }
            case .command(let start, let rollback):
                try writeJournal(i, kind: .command, rollback: rollback, pid: nil, startTime: nil)
                let outcome = await CommandRunner.run(start, redactor: plan.redactor)
                records[i].actualStartMs = offsetMs()
                records[i].verified = outcome.succeeded
                records[i].evidence = "start " + outcome.summary
                if !outcome.succeeded { throw ControllerError("start command: \(outcome.summary)") }
            }
        } catch {
            let message = "fault \(fault.name) could not be applied: \(error)"
            records[i].outcome = .failed
            records[i].error = String(message.prefix(300))
            if records[i].actualStartMs == nil { records[i].actualStartMs = offsetMs() }
            onFailure(message)
        }
    }

    private func rollback(_ i: Int) async {
        let fault = plan.faults[i]
        switch fault.action {
        case .down(let dependency):
            do {
                try await proxies?.setEnabled(dependency, true)
                records[i].actualEndMs = offsetMs()
                records[i].rollback = "proxy enabled"
                // The dependency must answer through its proxy again: a rollback that did not take is a finding.
                if let up = await proxies?.verifyUp(dependency) {
                    records[i].rollback = String(
                        ((up.verified ? "proxy enabled, answers again: " : "proxy enabled but not answering: ")
                            + up.evidence).prefix(300))
                    if !up.verified { records[i].error = String("rollback not verified: \(up.evidence)".prefix(300)) }
                }
            } catch {
                rollbackFailed(i, "\(error)")
            }
        case .toxic(let dependency, _):
            do {
                try await proxies?.removeToxic(dependency, name: fault.name)
                records[i].actualEndMs = offsetMs()
                records[i].rollback = "toxic removed"
            } catch {
                rollbackFailed(i, "\(error)")
            }
        case .kill:
            guard let target else { return }
            if schedule.stopped {
                // The drill is ending: restarting a target only to stop it again would hold the stop up for as long
                // as the target takes to start.
                records[i].actualEndMs = offsetMs()
                records[i].rollback = "not restarted: the drill stopped during the window"
                return
            }
            do {
                try await target.launchJournaled()
                records[i].actualEndMs = offsetMs()
                let since = records[i].actualEndMs ?? 0
                let task = Task {
                    do {
                        let ms = try await target.waitReady()
                        let pid = await target.currentPID()
                        self.noteRollback(
                            i,
                            "restarted as pid \(pid.map(String.init) ?? "?"), serving again \(Int(ms.rounded())) ms"
                                + " later (at \(Int((since + ms).rounded())) ms)")
                    } catch {
                        self.noteRollback(i, "restarted but not serving: \(error)", failed: true)
                    }
                }
                restartWaits.append(task)
            } catch {
                rollbackFailed(i, "restart failed: \(error)")
            }
        case .pause:
            guard let target else { return }
            let (resumed, evidence) = await target.resume()
            records[i].actualEndMs = offsetMs()
            if resumed {
                records[i].rollback = "SIGCONT: " + evidence
                resolveJournal(i, "rolled back by the driver")
            } else {
                rollbackFailed(i, evidence)
            }
        case .command(_, let rollback):
            let outcome = await CommandRunner.run(rollback, redactor: plan.redactor)
            records[i].actualEndMs = offsetMs()
            if outcome.succeeded {
                records[i].rollback = "rollback " + outcome.summary
                resolveJournal(i, "rolled back by the driver")
            } else {
                // The journal entry stays: `stormdrill recover` will try again.
                rollbackFailed(i, "rollback command: \(outcome.summary); the journal keeps it for `stormdrill recover`")
            }
        }
    }

    private func noteRollback(_ i: Int, _ text: String, failed: Bool = false) {
        records[i].rollback = text
        if failed { records[i].error = String(text.prefix(300)) }
    }

    private func rollbackFailed(_ i: Int, _ message: String) {
        if records[i].actualEndMs == nil { records[i].actualEndMs = offsetMs() }
        records[i].rollback = "failed"
        let text = "rollback failed: \(message)"
        records[i].error = String((records[i].error.map { $0 + "; " } ?? "").appending(text).prefix(400))
    }

    /// Runs a verification in the background (a latency probe may take as long as the latency) so the next action
    /// is never delayed by it.
    private func check(_ i: Int, _ body: @escaping @Sendable () async -> FaultVerification) {
        let task = Task {
            let v = await body()
            self.setVerification(i, v)
        }
        checks.append(task)
    }

    private func setVerification(_ i: Int, _ v: FaultVerification) {
        if !v.verified, let end = records[i].actualEndMs {
            // The window closed before the probe finished: its failure says nothing about the fault.
            records[i].verified = nil
            records[i].evidence = String(
                "inconclusive: the fault was rolled back (at \(Int(end)) ms) before its check finished; \(v.evidence)"
                    .prefix(300))
            return
        }
        records[i].verified = v.verified
        records[i].evidence = String(v.evidence.prefix(300))
    }

    // MARK: - Journal

    private func writeJournal(
        _ i: Int, kind: JournalEntry.Kind, rollback: [String]?, pid: Int32?, startTime: String?
    ) throws {
        let fault = plan.faults[i]
        let entry = JournalEntry(
            id: FaultJournal.newID(fault: fault.name), kind: kind, fault: fault.name, plan: plan.name,
            reportDirectory: reportDirectory, createdAt: ReportStore.iso8601(Date()), rollback: rollback, pid: pid,
            processStartTime: startTime)
        do {
            try journal.record(entry, redactor: plan.redactor)
        } catch {
            throw ControllerError("cannot write the fault journal (\(error)); the fault was not applied")
        }
        journalEntries[i] = entry
    }

    private func resolveJournal(_ i: Int, _ outcome: String) {
        guard let entry = journalEntries.removeValue(forKey: i) else { return }
        journal.resolve(entry, outcome: outcome, redactor: plan.redactor)
    }

    // MARK: - Clock and lock

    private func offsetNow() -> PlanDuration {
        guard let clock else { return .zero }
        return PlanDuration(nanoseconds: max(0, clock.now()))
    }

    private func offsetMs() -> Double {
        (offsetNow().milliseconds * 10).rounded() / 10
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// A short reason a fault action failed.
struct ControllerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = String(description.prefix(300)) }
}

/// A fault changed state, for the live view and the game-day journal.
struct FaultTransition: Sendable {
    enum State: String, Sendable { case applied, rolledBack, failed, skipped }

    var name: String
    var state: State
    /// When, on the drill clock (ms).
    var atMs: Double
    var actualStartMs: Double?
    var actualEndMs: Double?
    var reason: String?
}
