import ArgumentParser
import Foundation
import StormDrillReport

/// `stormdrill history DIR`: the drills in a reports folder as a table and a self-contained HTML page of trends.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Tabulate the drills in a reports folder and write an HTML page of their trends.",
        discussion: """
            Reads every <dir>/*/report.json (older reports included; unreadable ones are skipped with a warning), \
            oldest first, and prints throughput, error rate, p99, MTTR, lost orders and capacity per drill. The \
            page (inline CSS and SVG, no script) goes to --html, or <dir>/history.html. Exit status: 0, or 2 when \
            the folder cannot be read or --plan names no plan in it.
            """
    )

    @Argument(help: "The reports folder (one run folder per drill).")
    var directory: String

    @Option(name: .long, help: "Only the drills of this plan (its name).")
    var plan: String?

    @Option(name: .long, help: "Where to write the HTML page (default: <dir>/history.html).")
    var html: String?

    func run() async throws {
        let history: DrillHistory
        do {
            history = try DrillHistory.scan(directory: directory, plan: plan)
        } catch {
            FileHandleOutput.standardError.write("stormdrill: \(error)\n")
            throw ExitCode(2)
        }
        for w in history.warnings {
            FileHandleOutput.standardError.write("stormdrill: skipped \(w)\n")
        }
        if let plan, history.entries.isEmpty, !history.plans.isEmpty {
            let known = history.plans.map { "\"\($0)\"" }.joined(separator: ", ")
            FileHandleOutput.standardError.write(
                "stormdrill: no drill of plan \"\(plan)\" in \(directory); its drills are of \(known)\n")
            throw ExitCode(2)
        }
        FileHandleOutput.standardOutput.write(history.renderText())
        let page = html ?? (directory as NSString).appendingPathComponent("history.html")
        let pageFolder = ((page as NSString).deletingLastPathComponent as NSString).standardizingPath
        let reportsFolder = (directory as NSString).standardizingPath
        let prefix: String
        if absolute(pageFolder.isEmpty ? "." : pageFolder) == absolute(reportsFolder) {
            prefix = ""
        } else {
            prefix = URL(fileURLWithPath: absolute(reportsFolder), isDirectory: true).absoluteString
        }
        do {
            try ReportStore.writeAtomically(
                Data(HistoryPageRenderer.render(history, reportLinkPrefix: prefix).utf8), to: page)
        } catch {
            FileHandleOutput.standardError.write("stormdrill: history page not written: \(error)\n")
            throw ExitCode(2)
        }
        FileHandleOutput.standardOutput.write("\nhistory page: \(page)\n")
    }

    /// `path` made absolute against the working directory, `.` and `..` resolved.
    func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }
}
