import Foundation
import NIOCore
import StormDrillPlan
import StormDrillReport
import Subprocess
import SystemPackage

/// Starts the plan's target process, waits until it answers, and kills, restarts, pauses and resumes it for process
/// faults; stops it at the end of the drill (SIGTERM, then SIGKILL after 5 s). The child runs in its own process
/// group so a Ctrl-C in the terminal reaches only the driver, which then stops it in order.
actor TargetProcessSupervisor {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let spec: TargetProcess
    /// Standard output and error of the target are appended here (nil: discarded).
    let logPath: String?

    private var pid: Int32?
    private var exit: Task<String, Never>?
    private var paused = false

    /// Where each spawned process is journaled (so `stormdrill recover` can stop it if the driver dies first).
    private let journal: FaultJournal?
    private let planName: String
    private let reportDirectory: String
    private var journalEntry: JournalEntry?

    init(
        spec: TargetProcess, logPath: String?, journal: FaultJournal? = nil, planName: String = "",
        reportDirectory: String = ""
    ) {
        self.spec = spec
        self.logPath = logPath
        self.journal = journal
        self.planName = planName
        self.reportDirectory = reportDirectory
    }

    /// Journals the process just spawned; a failure to write only loses the safety net, so it is not fatal.
    private func journalSpawn() async {
        guard let journal, let pid = await resolvePID() else { return }
        let entry = JournalEntry(
            id: FaultJournal.newID(fault: "target-process"), kind: .targetProcess, fault: "target process",
            plan: planName, reportDirectory: reportDirectory, createdAt: ReportStore.iso8601(Date()), pid: pid,
            processStartTime: FaultJournal.processStartTime(pid))
        if (try? journal.record(entry)) != nil { journalEntry = entry }
    }

    private func journalExit(_ how: String) {
        guard let journal, let entry = journalEntry else { return }
        journal.resolve(entry, outcome: "target process \(how)")
        journalEntry = nil
    }

    /// The running process's pid (waits for a spawn in progress).
    func currentPID() async -> Int32? { await resolvePID() }

    /// Starts the process and polls `ready` until it answers; returns milliseconds until ready.
    @discardableResult
    func start() async throws -> Double {
        try await launchJournaled()
        return try await waitReady()
    }

    /// Spawns the process and journals it.
    func launchJournaled() async throws {
        try launch()
        await journalSpawn()
    }

    /// Polls `ready` until the launched process answers; returns milliseconds waited.
    @discardableResult
    func waitReady() async throws -> Double {
        let started = ContinuousClock.now
        let deadline = started + .nanoseconds(spec.readyTimeout.nanoseconds)
        while ContinuousClock.now < deadline {
            if let exit, exitedAlready {
                let how = await exit.value
                throw Failure(description: "target process \(spec.argv[0]) \(how) before it was ready")
            }
            if case .status = await ReadinessProbe.check(spec.ready, timeout: .milliseconds(500)) {
                return (ContinuousClock.now - started).milliseconds
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(
            description: "target process did not answer \(spec.ready) within \(spec.readyTimeout)")
    }

    private var exitedFlag = false
    private var exitedAlready: Bool { exitedFlag }

    private func markExited() { exitedFlag = true }

    /// Spawns the process (again); `waitReady` then tells when it serves.
    func launch() throws {
        if exit != nil && !exitedFlag {
            throw Failure(description: "the previous target process (pid \(pid.map(String.init) ?? "?")) still runs")
        }
        exitedFlag = false
        paused = false
        let out: SystemPackage.FileDescriptor?
        let err: SystemPackage.FileDescriptor?
        if let logPath {
            out = try? SystemPackage.FileDescriptor.open(
                FilePath(logPath), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite, .groupRead])
            err = try? SystemPackage.FileDescriptor.open(
                FilePath(logPath), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite, .groupRead])
        } else {
            out = nil
            err = nil
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        var updates: [Environment.Key: String?] = [:]
        for (k, v) in spec.env {
            if let key = Environment.Key(rawValue: k) { updates[key] = v }
        }
        let environment = Environment.inherit.updating(updates)
        let executable = CommandRunner.executable(spec.argv[0])
        let arguments = Arguments(Array(spec.argv.dropFirst()))
        let (pids, pidSink) = AsyncStream.makeStream(of: Int32.self)
        let task = Task { [weak self] () -> String in
            defer { pidSink.finish() }
            let outcome: String
            do {
                let status: TerminationStatus
                switch (out, err) {
                case (.some(let o), .some(let e)):
                    status = try await Subprocess.run(
                        executable, arguments: arguments, environment: environment, platformOptions: options,
                        input: .none, output: .fileDescriptor(o, closeAfterSpawningProcess: true),
                        error: .fileDescriptor(e, closeAfterSpawningProcess: true)
                    ) { execution in
                        pidSink.yield(execution.processIdentifier.value)
                    }.terminationStatus
                default:
                    status = try await Subprocess.run(
                        executable, arguments: arguments, environment: environment, platformOptions: options,
                        input: .none, output: .discarded, error: .discarded
                    ) { execution in
                        pidSink.yield(execution.processIdentifier.value)
                    }.terminationStatus
                }
                switch status {
                case .exited(let code): outcome = "exited with status \(code)"
                case .signaled(let signal): outcome = "was ended by signal \(signal)"
                }
            } catch {
                outcome = "could not start (\(String("\(error)".prefix(120))))"
            }
            await self?.markExited()
            return outcome
        }
        exit = task
        // The pid arrives as soon as the process is spawned (or the stream ends if spawning failed).
        let box = PIDBox()
        let waiter = Task {
            for await p in pids {
                box.set(p)
                break
            }
        }
        _ = waiter
        self.pidWaiter = waiter
        self.pidBox = box
    }

    private var pidWaiter: Task<Void, Never>?
    private var pidBox: PIDBox?

    /// The pid of the process just launched (waits until the spawn is done).
    private func resolvePID() async -> Int32? {
        if let pid { return pid }
        await pidWaiter?.value
        pid = pidBox?.value
        return pid
    }

    /// Sends `signal` and waits (up to 5 s) until the process is gone. Returns evidence.
    func kill(signal: ProcessSignal) async -> (gone: Bool, evidence: String) {
        guard let pid = await resolvePID(), exit != nil else { return (false, "no target process is running") }
        let sent = ContinuousClock.now
        if paused { _ = Glibc.kill(pid, SIGCONT) }
        guard Glibc.kill(pid, signal.number) == 0 else {
            return (false, "kill(\(pid), SIG\(signal.rawValue)) failed: errno \(errno)")
        }
        var how = await waitForExit(timeout: .seconds(5))
        var escalated = false
        if how == nil && signal != .KILL {
            // The fault is a crash: a target that ignores the signal is killed outright, never left running beside
            // the restarted one.
            _ = Glibc.kill(pid, SIGKILL)
            escalated = true
            how = await waitForExit(timeout: .seconds(5))
        }
        let ms = (ContinuousClock.now - sent).milliseconds
        guard let how else { return (false, "pid \(pid) still running 10 s after SIG\(signal.rawValue) and SIGKILL") }
        self.pid = nil
        self.exit = nil
        journalExit(how)
        let note = escalated ? " (SIG\(signal.rawValue) was ignored for 5 s; SIGKILL sent)" : ""
        return (true, "pid \(pid) \(how) \(Int(ms.rounded())) ms after SIG\(signal.rawValue)\(note)")
    }

    /// SIGSTOP; verified by the process state in /proc.
    func pause() async -> (paused: Bool, evidence: String, pid: Int32?) {
        guard let pid = await resolvePID() else { return (false, "no target process is running", nil) }
        guard Glibc.kill(pid, SIGSTOP) == 0 else { return (false, "SIGSTOP to pid \(pid) failed: errno \(errno)", pid) }
        paused = true
        for _ in 0..<50 {
            if FaultJournal.processState(pid) == "T" { return (true, "pid \(pid) is stopped (state T)", pid) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return (false, "pid \(pid) state is \(FaultJournal.processState(pid).map(String.init) ?? "gone"), not T", pid)
    }

    /// SIGCONT.
    func resume() async -> (resumed: Bool, evidence: String) {
        guard let pid = await resolvePID() else { return (false, "no target process is running") }
        guard Glibc.kill(pid, SIGCONT) == 0 else { return (false, "SIGCONT to pid \(pid) failed: errno \(errno)") }
        paused = false
        for _ in 0..<50 {
            if let s = FaultJournal.processState(pid), s != "T" { return (true, "pid \(pid) runs again (state \(s))") }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return (false, "pid \(pid) still stopped after SIGCONT")
    }

    /// Stops the process for good: SIGCONT if paused, SIGTERM, SIGKILL after 5 s.
    func stop() async -> String {
        guard exit != nil else { return "not running" }
        guard let pid = await resolvePID() else {
            _ = await waitForExit(timeout: .seconds(5))
            return "not running"
        }
        if paused { _ = Glibc.kill(pid, SIGCONT) }
        _ = Glibc.kill(pid, SIGTERM)
        var how = await waitForExit(timeout: .seconds(5))
        var suffix = ""
        if how == nil {
            _ = Glibc.kill(pid, SIGKILL)
            how = await waitForExit(timeout: .seconds(5))
            suffix = " (after SIGKILL: SIGTERM was ignored for 5 s)"
        }
        let text = (how ?? "did not exit even after SIGKILL") + suffix
        if how != nil {
            self.exit = nil
            self.pid = nil
            journalExit(text)
        }
        return text
    }

    /// How the current process ended, once it has (nil if it still runs after `timeout`). Polls the exit flag the
    /// process task sets, rather than awaiting the task itself, so the time limit holds even though that task cannot
    /// be cancelled.
    private func waitForExit(timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while !exitedFlag && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        guard exitedFlag, let exit else { return nil }
        return await exit.value
    }
}

/// The pid handed from the spawning task to the supervisor.
final class PIDBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32?

    func set(_ value: Int32) {
        lock.lock()
        stored = value
        lock.unlock()
    }

    var value: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
