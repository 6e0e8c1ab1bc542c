import Foundation
import StormDrillPlan

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
    /// `environment` gives the values of `{{env.NAME}}` placeholders the journal wrote in place of secrets.
    public static func recover(
        _ journal: FaultJournal, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> (results: [Result], unreadable: [String]) {
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
                let secrets: (argv: [String], redactor: SecretRedactor)
                switch resolveSecrets(rollback, environment: environment) {
                case .success(let s):
                    secrets = s
                case .failure(let problem):
                    results.append(Result(entry: entry, resolved: false, detail: problem.message))
                    continue
                }
                let outcome = await CommandRunner.run(secrets.argv, redactor: secrets.redactor)
                if outcome.succeeded {
                    journal.resolve(
                        entry, outcome: "rolled back by stormdrill recover: \(outcome.summary)",
                        redactor: secrets.redactor)
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

    /// Puts the secrets back into a journaled rollback command: `{{env.NAME}}` from `environment`. A secret var
    /// (`{{vars.NAME}}`) is not kept anywhere, so such a rollback is left for the operator to run by hand.
    static func resolveSecrets(
        _ argv: [String], environment: [String: String]
    ) -> Swift.Result<(argv: [String], redactor: SecretRedactor), PlanProblem> {
        var secrets: [Secret] = []
        var out: [String] = []
        for arg in argv {
            var text = ""
            var rest = Substring(arg)
            while let open = rest.range(of: "{{env."), let close = rest[open.upperBound...].range(of: "}}") {
                text += rest[..<open.lowerBound]
                let name = String(rest[open.upperBound..<close.lowerBound])
                guard let value = environment[name] else {
                    return .failure(
                        PlanProblem(
                            "the rollback needs {{env.\(name)}}, and \(name) is not set; set it and recover again"))
                }
                secrets.append(Secret(value: value, placeholder: "{{env.\(name)}}"))
                text += value
                rest = rest[close.upperBound...]
            }
            text += rest
            if let open = text.range(of: "{{vars."), let close = text[open.upperBound...].range(of: "}}") {
                let placeholder = text[open.lowerBound..<close.upperBound]
                return .failure(
                    PlanProblem(
                        "the rollback needs the secret var \(placeholder), which the journal does not keep;"
                            + " run the rollback by hand"))
            }
            out.append(text)
        }
        return .success((out, SecretRedactor(secrets)))
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
