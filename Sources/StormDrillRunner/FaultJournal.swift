import Foundation
import StormDrillPlan
import StormDrillReport

/// One fault that acts outside the driver's process (a command, a paused target), written down before it is
/// applied so that `stormdrill recover` can undo it after a driver killed with SIGKILL.
public struct JournalEntry: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        /// Run `rollback` to undo.
        case command
        /// Send SIGCONT to `pid` to undo (only if it is still the same process).
        case pause
        /// A target process the driver started: stop it (SIGCONT, SIGTERM, SIGKILL after 5 s) if it outlived the
        /// driver, so it neither holds the port nor serves stale state to the next drill.
        case targetProcess = "target-process"
    }

    public var id: String
    public var kind: Kind
    public var fault: String
    public var plan: String
    /// The drill's report folder (where the entry's record copy lives).
    public var reportDirectory: String
    public var createdAt: String
    public var rollback: [String]?
    public var pid: Int32?
    /// The process's start time (field 22 of /proc/PID/stat), to recognise a reused pid.
    public var processStartTime: String?
    /// The driver that wrote the entry, and its start time: while it runs, the rollback is its own business.
    public var driverPID: Int32?
    public var driverStartTime: String?

    public init(
        id: String, kind: Kind, fault: String, plan: String, reportDirectory: String, createdAt: String,
        rollback: [String]? = nil, pid: Int32? = nil, processStartTime: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.fault = fault
        self.plan = plan
        self.reportDirectory = reportDirectory
        self.createdAt = createdAt
        self.rollback = rollback
        self.pid = pid
        self.processStartTime = processStartTime
    }
}

/// The fault journal: each entry is an fsync'd file in the drill's report folder (`journal/ID.json`, kept as a
/// record) and in an index under the user's state directory (`journal/ID.json`, removed once rolled back). An entry
/// left in the index means a rollback may be owed.
///
/// Files are created mode 0600 (folders 0700), and hold no secret: a secret in a rollback command is written as the
/// placeholder it came from (`{{env.TOKEN}}`, which `recover` resolves again), anything else as `***`.
public struct FaultJournal: Sendable {
    /// Where the index lives: `$STORMDRILL_STATE_DIR`, else `$XDG_STATE_HOME/stormdrill`, else
    /// `~/.local/state/stormdrill`.
    public let stateDirectory: String

    public init(stateDirectory: String = FaultJournal.defaultStateDirectory()) {
        self.stateDirectory = stateDirectory
    }

    public static func defaultStateDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        if let dir = environment["STORMDRILL_STATE_DIR"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/stormdrill" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/stormdrill"
    }

    var indexDirectory: String { stateDirectory + "/journal" }

    /// Writes the entry to the report folder and the index, each fsync'd, before the fault is applied. Secrets
    /// `redactor` knows are written as their placeholders in the rollback command and as `***` elsewhere.
    public func record(_ entry: JournalEntry, redactor: SecretRedactor = SecretRedactor()) throws {
        var entry = entry
        entry.driverPID = getpid()
        entry.driverStartTime = Self.processStartTime(getpid())
        entry.rollback = entry.rollback?.map(redactor.replacingWithPlaceholders)
        let data = redactor.redact(try Self.encoder.encode(entry))
        try Self.makePrivateDirectory(indexDirectory)
        if !entry.reportDirectory.isEmpty {
            let copy = entry.reportDirectory + "/journal"
            try Self.makePrivateDirectory(copy)
            try ReportStore.writeAtomically(data, to: copy + "/\(entry.id).json", mode: 0o600)
        }
        try ReportStore.writeAtomically(data, to: indexDirectory + "/\(entry.id).json", mode: 0o600)
    }

    /// Creates a journal folder (and its parents) readable by the user alone.
    static func makePrivateDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Marks the entry rolled back: removes it from the index and notes the outcome beside the report folder copy.
    public func resolve(_ entry: JournalEntry, outcome: String, redactor: SecretRedactor = SecretRedactor()) {
        try? FileManager.default.removeItem(atPath: indexDirectory + "/\(entry.id).json")
        if let dfd = Optional(open(indexDirectory, O_RDONLY)), dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
        if !entry.reportDirectory.isEmpty {
            let note = entry.reportDirectory + "/journal/\(entry.id).resolved"
            try? ReportStore.writeAtomically(
                Data((ReportStore.iso8601(Date()) + " " + redactor.redact(outcome) + "\n").utf8), to: note,
                mode: 0o600)
        }
    }

    /// Entries still in the index (rollbacks possibly owed), oldest first; unreadable files are reported as such.
    public func pending() -> (entries: [JournalEntry], unreadable: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: indexDirectory)) ?? []
        var entries: [JournalEntry] = []
        var unreadable: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = indexDirectory + "/" + name
            if let data = FileManager.default.contents(atPath: path),
                let entry = try? JSONDecoder().decode(JournalEntry.self, from: data)
            {
                entries.append(entry)
            } else {
                unreadable.append(path)
            }
        }
        return (entries.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }, unreadable)
    }

    /// Whether the driver that wrote `entry` still runs (same pid, same start time): then its rollback is not owed
    /// yet, and neither `recover` nor a refusing `run` may touch it.
    public static func ownerIsAlive(_ entry: JournalEntry) -> Bool {
        guard let pid = entry.driverPID, let started = entry.driverStartTime else { return false }
        return processStartTime(pid) == started
    }

    /// Entries whose driver is gone: rollbacks owed now.
    public func owed() -> (entries: [JournalEntry], unreadable: [String]) {
        let (entries, unreadable) = pending()
        return (entries.filter { !Self.ownerIsAlive($0) }, unreadable)
    }

    /// A new entry id, sortable by time.
    public static func newID(fault: String) -> String {
        let stamp = ReportStore.timestamp(Date())
        let random = UUID().uuidString.prefix(8).lowercased()
        return "\(stamp)-\(ReportStore.sanitize(fault))-\(random)"
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), or nil if the process is gone.
    public static func processStartTime(_ pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name start at field 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// The process state letter from /proc/PID/stat (`R`, `S`, `T` stopped, `Z` zombie), or nil if gone.
    public static func processState(_ pid: Int32) -> Character? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").first?.first
    }
}
