import ArgumentParser
import Foundation
import StormDrillAnalysis
import StormDrillReport

/// `stormdrill report DIR`: re-renders summary.md, report.html and junit.xml from a run folder's report.json, so
/// reports written by older versions get the current renderers.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Re-render summary.md, report.html, junit.xml (and a game day's debrief.md) from a drill's report.json.",
        discussion: """
            DIR is a run folder (reports/<stamp>-<plan>) or a report.json inside one. report.json is the source of \
            truth; only its game-day section is rebuilt, from the folder's gameday.jsonl (also after the driver was \
            killed), and debrief.md written with it. Exit status: 0 on success, the report's verdict is printed; 2 when it cannot \
            be read.
            """
    )

    @Argument(help: "The run folder or its report.json.")
    var directory: String

    @Flag(name: .shortAndLong, help: "Print only the paths written.")
    var quiet = false

    func run() async throws {
        var path = directory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (path as NSString).appendingPathComponent(ReportStore.reportFileName)
        }
        let folder = (path as NSString).deletingLastPathComponent
        var report: DrillReport
        do {
            report = try ReportStore.read(path: path)
        } catch {
            FileHandleOutput.standardError.write("stormdrill: cannot read \(path): \(Self.describe(error))\n")
            throw ExitCode(2)
        }
        // A game day's journal is the record of what people did: its sections are rebuilt from it, so a drill whose
        // driver was killed still gets them (and its debrief).
        var rebuilt = false
        let journalPath = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(GameDayRecord.fileName)
        if FileManager.default.fileExists(atPath: journalPath) {
            do {
                let (records, unreadable) = try GameDayRecord.read(path: journalPath)
                if let gameDay = GameDayAnalysis.rebuild(report: report, records: records, unreadable: unreadable) {
                    report.gameDay = gameDay
                    rebuilt = true
                }
            } catch {
                FileHandleOutput.standardError.write("stormdrill: cannot read \(journalPath): \(error)\n")
                throw ExitCode(2)
            }
        }
        do {
            if rebuilt { try ReportStore.write(report, to: folder.isEmpty ? "." : folder) }
            try ReportStore.writeRendered(report, to: folder.isEmpty ? "." : folder)
        } catch {
            FileHandleOutput.standardError.write("stormdrill: \(error.description)\n")
            throw ExitCode(2)
        }
        let written =
            (rebuilt ? [ReportStore.reportFileName] : [])
            + ReportStore.renderedFileNames(for: report).map { $0 }
        let paths = written.map { (folder as NSString).appendingPathComponent($0) }
        if quiet {
            FileHandleOutput.standardOutput.write(paths.joined(separator: "\n") + "\n")
        } else {
            FileHandleOutput.standardOutput.write(
                "\(report.plan.name) (\(report.startedAt)): \(report.verdict.rawValue)\n"
                    + paths.map { "  wrote \($0)\n" }.joined())
        }
    }

    /// A short reason for an unreadable report (decoding errors name the key, not a page of context).
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "not a StormDrill report: missing \"\(key.stringValue)\" at \(Self.path(context.codingPath))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "not a StormDrill report: unexpected value at \(Self.path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return "not valid JSON" + (context.codingPath.isEmpty ? "" : " at \(Self.path(context.codingPath))")
        default:
            return String(describing: error).prefix(200).description
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "$" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
