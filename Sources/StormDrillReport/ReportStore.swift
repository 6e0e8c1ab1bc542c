import Foundation
import StormDrillPlan

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where reports live on disk and how they are written: one folder per run, files replaced atomically.
public enum ReportStore {
    /// The file name of the source-of-truth report in a run folder.
    public static let reportFileName = "report.json"

    /// A failure to write a report, with a short reason.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// `reports/<UTC yyyyMMdd-HHmmss>-<plan name>`; a `-2`, `-3`… suffix if two runs start in the same second.
    public static func makeRunDirectory(base: String, startedAt: Date, planName: String) throws(WriteError) -> String {
        let stamp = timestamp(startedAt)
        let name = "\(stamp)-\(sanitize(planName))"
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: base, reason: error.localizedDescription)
        }
        var candidate = (base as NSString).appendingPathComponent(name)
        var n = 2
        while true {
            if mkdir(candidate, 0o755) == 0 { return candidate }
            if errno != EEXIST { throw WriteError(path: candidate, reason: String(cString: strerror(errno))) }
            candidate = (base as NSString).appendingPathComponent("\(name)-\(n)")
            n += 1
        }
    }

    /// `20261125-133000` (UTC).
    public static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }

    /// ISO 8601 UTC with milliseconds: `2026-11-25T13:30:00.123Z`.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// A plan name made safe for a folder name: letters, digits, '-', '_' and '.', at most 60 characters.
    public static func sanitize(_ name: String) -> String {
        var out = ""
        for s in name.unicodeScalars {
            if s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_" || s == ".") {
                out.unicodeScalars.append(s)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasPrefix(".") || out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        if out.isEmpty { out = "drill" }
        return String(out.prefix(60))
    }

    /// Encodes a report as pretty JSON with sorted keys (stable for diffs and hashes).
    public static func encode(_ report: DrillReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }

    /// Writes `report.json` into `directory` atomically: a temporary file in the same folder, fsync, rename.
    /// Secrets `redactor` knows are replaced by `***`, in the report and again in the bytes written.
    @discardableResult
    public static func write(
        _ report: DrillReport, to directory: String, redactor: SecretRedactor = SecretRedactor()
    ) throws(WriteError) -> String {
        let data: Data
        do {
            data = try encode(report.redacted(by: redactor))
        } catch {
            throw WriteError(path: directory, reason: "cannot encode the report: \(error)")
        }
        let path = (directory as NSString).appendingPathComponent(reportFileName)
        try writeAtomically(redactor.redact(data), to: path)
        return path
    }

    /// The files rendered from report.json beside it (debrief.md too for a game day).
    public static let renderedFileNames = ["summary.md", "report.html", "junit.xml"]

    /// The files rendered for `report`.
    public static func renderedFileNames(for report: DrillReport) -> [String] {
        renderedFileNames + (report.gameDay != nil ? [DebriefRenderer.fileName] : [])
    }

    /// Writes `report.json` and every format rendered from it (summary.md, report.html, junit.xml) into `directory`.
    /// report.json goes first: if a renderer's file cannot be written, the source of truth is already on disk.
    @discardableResult
    public static func writeAll(
        _ report: DrillReport, to directory: String, redactor: SecretRedactor = SecretRedactor()
    ) throws(WriteError) -> String {
        let clean = report.redacted(by: redactor)
        let path = try write(clean, to: directory, redactor: redactor)
        try writeRendered(clean, to: directory, redactor: redactor)
        return path
    }

    /// Renders summary.md, report.html, junit.xml (and a game day's debrief.md) from a report into `directory` (for
    /// `stormdrill report`).
    public static func writeRendered(
        _ report: DrillReport, to directory: String, redactor: SecretRedactor = SecretRedactor()
    ) throws(WriteError) {
        let report = report.redacted(by: redactor)
        var files = [
            ("summary.md", MarkdownSummaryRenderer.render(report)),
            ("report.html", HTMLReportRenderer.render(report)),
            ("junit.xml", JUnitRenderer.render(report)),
        ]
        if let debrief = DebriefRenderer.render(report) { files.append((DebriefRenderer.fileName, debrief)) }
        for (name, text) in files {
            try writeAtomically(
                redactor.redact(Data(text.utf8)), to: (directory as NSString).appendingPathComponent(name))
        }
    }

    /// Writes bytes to `path` through a temporary file and a rename, so readers never see a partial file. `mode`
    /// is the new file's permissions (0600 for journal files).
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o644) throws(WriteError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw WriteError(path: temporary, reason: String(cString: strerror(errno))) }
        // A temporary file left behind by a crash keeps its old mode through O_CREAT: set it.
        fchmod(fd, mode)
        var offset = 0
        let failure: String? = data.withUnsafeBytes { raw -> String? in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += n
            }
            return nil
        }
        if let failure {
            close(fd)
            unlink(temporary)
            throw WriteError(path: temporary, reason: failure)
        }
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(path: path, reason: reason)
        }
        // Make the rename itself durable.
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Reads a report back (for `stormdrill report`, `compare` and tests).
    public static func read(path: String) throws -> DrillReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            return try JSONDecoder().decode(DrillReport.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation says "not valid JSON" for a number that does not fit an Int: say which value it was.
            if let problem = ReportValueError.find(in: data) { throw problem }
            throw DecodingError.dataCorrupted(context)
        }
    }
}
