import Foundation

/// The drills in a reports folder, oldest first: one entry per run folder that holds a readable `report.json`
/// (`stormdrill history`). Folders without `report.json` are not drills and are passed over; a report that cannot
/// be read or decoded is skipped with a warning, never fatal. Reports of every schema-1 age are read: sections
/// added later (recovery, audit, capacity) are simply absent from older ones.
public struct DrillHistory: Sendable, Equatable {
    /// The folder that was scanned.
    public var directory: String
    /// The plan filter, if any.
    public var plan: String?
    /// Oldest first (by `startedAt`, then folder name).
    public var entries: [HistoryEntry]
    /// One line per skipped folder: `20261125-140636-smoke: not a stormdrill report: missing "totals"`.
    public var warnings: [String]
    /// Every plan name seen, filtered out or not, sorted (to suggest one when a filter matches nothing).
    public var plans: [String]

    public init(directory: String, plan: String?, entries: [HistoryEntry], warnings: [String], plans: [String]) {
        self.directory = directory
        self.plan = plan
        self.entries = entries
        self.warnings = warnings
        self.plans = plans
    }

    /// The reports folder itself could not be listed.
    public struct ScanError: Error, CustomStringConvertible, Sendable, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "cannot read the reports folder \(path): \(reason)" }
    }

    /// Reads every `<directory>/*/report.json`, keeps those of `plan` (all when nil) and sorts them by start time.
    public static func scan(directory: String, plan: String? = nil) throws(ScanError) -> DrillHistory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ScanError(path: directory, reason: "no such folder")
        }
        guard isDirectory.boolValue else { throw ScanError(path: directory, reason: "not a folder") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw ScanError(path: directory, reason: "cannot list it (\(error.localizedDescription))")
        }
        var entries: [HistoryEntry] = []
        var warnings: [String] = []
        var plans = Set<String>()
        for name in names where !name.hasPrefix(".") {
            let folder = (directory as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                continue
            }
            let file = (folder as NSString).appendingPathComponent(ReportStore.reportFileName)
            guard FileManager.default.fileExists(atPath: file) else { continue }
            do {
                let report = try readReport(at: file).report
                plans.insert(report.plan.name)
                if let plan, report.plan.name != plan { continue }
                entries.append(HistoryEntry(folder: name, report: report))
            } catch {
                warnings.append("\(name): \(error.reason)")
            }
        }
        entries.sort { a, b in
            let x = (a.startedAtDate ?? .distantPast, a.startedAt, a.folder)
            let y = (b.startedAtDate ?? .distantPast, b.startedAt, b.folder)
            if x.0 != y.0 { return x.0 < y.0 }
            if x.1 != y.1 { return x.1 < y.1 }
            return x.2 < y.2
        }
        return DrillHistory(
            directory: directory, plan: plan, entries: entries, warnings: warnings, plans: plans.sorted())
    }

    /// A report that could not be read, with a reason for people.
    public struct ReadError: Error, CustomStringConvertible, Sendable, Equatable {
        /// The path as given.
        public var path: String
        /// `no such file or folder`, `not valid JSON`, `not a stormdrill report: missing "totals"`.
        public var reason: String
        public var description: String { "cannot read a report from \(path): \(reason)" }
    }

    /// Reads a report from a run folder (its `report.json`) or a report file, with ReportStore's decoding.
    public static func readReport(at path: String) throws(ReadError) -> (path: String, report: DrillReport) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError(path: path, reason: "no such file or folder")
        }
        var file = path
        if isDirectory.boolValue {
            file = (path as NSString).appendingPathComponent(ReportStore.reportFileName)
            guard FileManager.default.fileExists(atPath: file) else {
                throw ReadError(path: path, reason: "the folder holds no \(ReportStore.reportFileName)")
            }
        }
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw ReadError(path: path, reason: "\(file) is not readable (permissions)")
        }
        do {
            return (file, try ReportStore.read(path: file))
        } catch let error as DecodingError {
            throw ReadError(path: path, reason: describe(error))
        } catch let error as ReportValueError {
            throw ReadError(path: path, reason: error.description)
        } catch {
            throw ReadError(path: path, reason: "cannot read \(file): \(error.localizedDescription)")
        }
    }

    /// A decoding failure in a line: where in the JSON and what was wrong.
    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            var out = ""
            for key in path {
                if let i = key.intValue {
                    out += "[\(i)]"
                } else {
                    out += (out.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return out
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "not a stormdrill report: invalid value at \"\(at(context.codingPath))\""
        case .keyNotFound(let key, let context):
            return "not a stormdrill report: missing \"\(at(context.codingPath + [key]))\""
        case .typeMismatch(let type, let context):
            return "not a stormdrill report: \"\(at(context.codingPath))\" is not a \(type)"
        case .valueNotFound(_, let context):
            return "not a stormdrill report: \"\(at(context.codingPath))\" is null"
        @unknown default:
            return "not a stormdrill report"
        }
    }

    /// The history as a text table, oldest first, then the skipped folders.
    public func renderText() -> String {
        var out = ""
        let drills = entries.count == 1 ? "drill" : "drills"
        let what = plan.map { "\(drills) of \"\($0)\"" } ?? drills
        out += "\(entries.count) \(what) in \(directory)\n"
        if !entries.isEmpty {
            out += "\n"
            let header = [
                "#", "started (UTC)", "plan", "status", "verdict", "journeys/s", "error rate", "p99", "MTTR", "lost",
                "capacity", "folder",
            ]
            let rightAligned: Set<Int> = [0, 5, 6, 7, 8, 9, 10]
            let cells = entries.enumerated().map { i, e in
                [
                    "\(i + 1)", e.startedAtText, e.plan, e.status.rawValue, e.verdict.rawValue,
                    FigureUnit.rate.format(e.journeysPerSecond).replacingOccurrences(of: "/s", with: ""),
                    FigureUnit.share.format(e.errorRate), e.p99Ms.map { FigureUnit.latency.format($0) } ?? "—",
                    e.mttrText, e.lostOrders.map(String.init) ?? "—",
                    e.capacity.map { FigureUnit.rate.format($0) } ?? "—", e.folder,
                ]
            }
            var widths = header.map(\.count)
            for row in cells {
                for (i, s) in row.enumerated() { widths[i] = max(widths[i], s.count) }
            }
            func line(_ row: [String]) -> String {
                let padded = row.enumerated().map { i, s in
                    let fill = String(repeating: " ", count: widths[i] - s.count)
                    return rightAligned.contains(i) ? fill + s : s + fill
                }
                let text = "  " + padded.joined(separator: "  ")
                return String(text.reversed().drop { $0 == " " }.reversed())
            }
            out += line(header) + "\n"
            for row in cells { out += line(row) + "\n" }
        }
        if !warnings.isEmpty {
            out += "\n"
            for w in warnings { out += "  skipped \(w)\n" }
        }
        return out
    }
}

/// One drill of the history: the figures that show a trend.
public struct HistoryEntry: Sendable, Equatable {
    /// The run folder's name inside the reports folder.
    public var folder: String
    /// As in the report (UTC ISO 8601).
    public var startedAt: String
    public var plan: String
    public var status: RunStatus
    public var verdict: Verdict
    public var journeysPerSecond: Double
    public var errorRate: Double
    /// Request latency p99 (intended-time view), ms; nil when no request got a response.
    public var p99Ms: Double?
    /// Mean time to recover (ms); 0 when the recovery analysis found no incident; nil without a recovery analysis.
    public var mttrMs: Double?
    /// Lost orders found by the audit; nil when the drill had no audit.
    public var lostOrders: Int?
    /// The capacity found (journeys/s); nil without a capacity section or when none was found.
    public var capacity: Double?

    public init(
        folder: String, startedAt: String, plan: String, status: RunStatus, verdict: Verdict,
        journeysPerSecond: Double, errorRate: Double, p99Ms: Double?, mttrMs: Double?, lostOrders: Int?,
        capacity: Double?
    ) {
        self.folder = folder
        self.startedAt = startedAt
        self.plan = plan
        self.status = status
        self.verdict = verdict
        self.journeysPerSecond = journeysPerSecond
        self.errorRate = errorRate
        self.p99Ms = p99Ms
        self.mttrMs = mttrMs
        self.lostOrders = lostOrders
        self.capacity = capacity
    }

    /// The entry of one report.
    public init(folder: String, report r: DrillReport) {
        let mttr: Double? =
            if let recovery = r.recovery { recovery.mttrMs ?? (recovery.incidents.isEmpty ? 0 : nil) } else { nil }
        self.init(
            folder: folder, startedAt: r.startedAt, plan: r.plan.name, status: r.status, verdict: r.verdict,
            journeysPerSecond: r.totals.throughput.journeysPerSecond, errorRate: r.totals.errorRate,
            p99Ms: r.latency.count > 0 ? r.latency.p99 : nil, mttrMs: mttr, lostOrders: r.audit?.lost,
            capacity: r.capacity?.capacity)
    }

    /// `startedAt` as a date; nil when it is not ISO 8601.
    public var startedAtDate: Date? {
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(startedAt) { return d }
        return try? Date.ISO8601FormatStyle().parse(startedAt)
    }

    /// `2026-11-25 14:06:36`, or `startedAt` as written when it is not ISO 8601.
    public var startedAtText: String {
        guard let date = startedAtDate else { return startedAt.isEmpty ? "?" : startedAt }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `1.20 s`, `none` (no incident), `—` (no analysis).
    var mttrText: String {
        guard let mttrMs else { return "—" }
        return mttrMs == 0 ? "none" : FigureUnit.drillTime.format(mttrMs)
    }
}
