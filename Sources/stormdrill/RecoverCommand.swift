import ArgumentParser
import StormDrillRunner

/// `stormdrill recover`: rolls back what a driver killed with SIGKILL left applied.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Roll back faults a killed driver left applied (from the fault journal).",
        discussion: """
            Process and command faults are journaled (fsync'd) before they are applied; a driver that ends normally, \
            by Ctrl-C or by SIGTERM rolls them back itself. After SIGKILL or a crash the entries stay, and this \
            command runs each rollback once. The journal lives in $STORMDRILL_STATE_DIR, else \
            $XDG_STATE_HOME/stormdrill, else ~/.local/state/stormdrill. Exit status 0 when nothing is left owing.
            """
    )

    @Flag(name: .shortAndLong, help: "Print only failures.")
    var quiet = false

    func run() async throws {
        guard await Self.recover(FaultJournal(), quiet: quiet) else { throw ExitCode(1) }
    }

    /// Runs every owed rollback; true when nothing is left owing.
    static func recover(_ journal: FaultJournal, quiet: Bool) async -> Bool {
        let (results, unreadable) = await FaultRecovery.recover(journal)
        if results.isEmpty && unreadable.isEmpty {
            if !quiet { FileHandleOutput.standardError.write("stormdrill: nothing to recover\n") }
            return true
        }
        var ok = unreadable.isEmpty
        for r in results {
            let line = "\(r.entry.fault) (\(r.entry.kind.rawValue), plan \"\(r.entry.plan)\"): \(r.detail)"
            if r.resolved {
                if !quiet { FileHandleOutput.standardError.write("stormdrill: recovered \(line)\n") }
            } else {
                ok = false
                FileHandleOutput.standardError.write("stormdrill: NOT recovered \(line); the entry stays\n")
            }
        }
        for u in unreadable {
            FileHandleOutput.standardError.write("stormdrill: unreadable journal entry \(u); inspect and remove it\n")
        }
        return ok
    }
}
