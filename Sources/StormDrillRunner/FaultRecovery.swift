import Foundation

/// `stormdrill recover`: undoes what a driver killed with SIGKILL left applied, from the journal's index.
public enum FaultRecovery {
    /// What recovery did with one journal entry.
    public struct Result: Sendable, Hashable {
        public var entry: JournalEntry
        /// True if the entry is resolved (rolled back, or nothing was left to undo) and left the index.
        public var resolved: Bool
        public var detail: String
    }

    /// Rolls back every pending entry, oldest first. An entry whose rollback fails stays for the next attempt.
    public static func recover(_ journal: FaultJournal) async -> (results: [Result], unreadable: [String]) {
        // Entries of a driver that still runs are its own to roll back: touching them would undo a live drill's
        // faults under it and run their rollbacks twice.
        let (entries, unreadable) = journal.owed()
        var results: [Result] = []
        for entry in entries {
            switch entry.kind {
            case .command:
                guard let rollback = entry.rollback, !rollback.isEmpty else {
                    journal.resolve(entry, outcome: "no rollback command recorded")
                    results.append(Result(entry: entry, resolved: true, detail: "no rollback command recorded"))
                    continue
                }
                let outcome = await CommandRunner.run(rollback)
                if outcome.succeeded {
                    journal.resolve(entry, outcome: "rolled back by stormdrill recover: \(outcome.summary)")
                    results.append(Result(entry: entry, resolved: true, detail: "rollback \(outcome.summary)"))
                } else {
                    results.append(Result(entry: entry, resolved: false, detail: "rollback \(outcome.summary)"))
                }
            case .targetProcess:
                results.append(await stopOrphan(entry, journal))
            case .pause:
                guard let pid = entry.pid else {
                    journal.resolve(entry, outcome: "no pid recorded")
                    results.append(Result(entry: entry, resolved: true, detail: "no pid recorded"))
                    continue
                }
                let now = FaultJournal.processStartTime(pid)
                if now == nil || (entry.processStartTime != nil && now != entry.processStartTime) {
                    journal.resolve(entry, outcome: "pid \(pid) is gone; nothing to resume")
                    results.append(
                        Result(entry: entry, resolved: true, detail: "pid \(pid) is gone; nothing to resume"))
                } else if kill(pid, SIGCONT) == 0 {
                    journal.resolve(entry, outcome: "SIGCONT sent to pid \(pid) by stormdrill recover")
                    results.append(Result(entry: entry, resolved: true, detail: "SIGCONT sent to pid \(pid)"))
                } else {
                    results.append(
                        Result(entry: entry, resolved: false, detail: "SIGCONT to pid \(pid) failed: errno \(errno)"))
                }
            }
        }
        return (results, unreadable)
    }

    /// Stops a target process that outlived its driver, if it is still the same process.
    static func stopOrphan(_ entry: JournalEntry, _ journal: FaultJournal) async -> Result {
        guard let pid = entry.pid else {
            journal.resolve(entry, outcome: "no pid recorded")
            return Result(entry: entry, resolved: true, detail: "no pid recorded")
        }
        let now = FaultJournal.processStartTime(pid)
        if now == nil || (entry.processStartTime != nil && now != entry.processStartTime) {
            journal.resolve(entry, outcome: "pid \(pid) is gone; nothing to stop")
            return Result(entry: entry, resolved: true, detail: "target process pid \(pid) is gone; nothing to stop")
        }
        _ = kill(pid, SIGCONT)
        _ = kill(pid, SIGTERM)
        for _ in 0..<100 {
            if FaultJournal.processStartTime(pid) == nil || FaultJournal.processState(pid) == "Z" { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        var how = "stopped with SIGTERM"
        if let s = FaultJournal.processState(pid), s != "Z" {
            _ = kill(pid, SIGKILL)
            how = "killed with SIGKILL (SIGTERM was ignored for 5 s)"
        }
        journal.resolve(entry, outcome: "target process pid \(pid) \(how) by stormdrill recover")
        return Result(entry: entry, resolved: true, detail: "target process pid \(pid) \(how)")
    }
}
