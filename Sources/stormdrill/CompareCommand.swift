import ArgumentParser
import StormDrillReport

/// `stormdrill compare OLD NEW`: two drills' key figures side by side, regressions marked.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two drill reports and mark the regressions.",
        discussion: """
            OLD and NEW are run folders or report.json files. A figure regresses when it got worse by more than the \
            tolerance (relative to the old value) and by more than a small absolute floor (1 ms for latencies, \
            100 ms for recovery times, 0.1 percentage point for rates, any increase from zero for counts); verdict \
            PASS to FAIL, a threshold that passed and now fails, and a fault that no longer recovers always \
            regress. Reports of different plans are compared with a warning. Exit status: 0 no regression, \
            1 regressions, 2 a report cannot be read or bad usage.
            """
    )

    /// How the comparison is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown
    }

    @Argument(help: "The earlier drill: a run folder or its report.json.")
    var old: String

    @Argument(help: "The later drill: a run folder or its report.json.")
    var new: String

    @Option(name: .long, help: "Relative change tolerated before a figure counts as a regression (0.1 = 10 %).")
    var tolerance = 0.1

    @Option(name: .long, help: "Output format: text or markdown.")
    var format = Format.text

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else {
            throw ValidationError("--tolerance must be a share of at least 0 (0.1 = 10 %)")
        }
    }

    func run() async throws {
        let oldReport: (path: String, report: DrillReport)
        let newReport: (path: String, report: DrillReport)
        do {
            oldReport = try DrillHistory.readReport(at: old)
            newReport = try DrillHistory.readReport(at: new)
        } catch {
            FileHandleOutput.standardError.write("stormdrill: \(error)\n")
            throw ExitCode(2)
        }
        var comparison = ReportComparison.compare(
            old: oldReport.report, new: newReport.report, tolerance: tolerance)
        comparison.oldLabel = "\(oldReport.path)  (\(oldReport.report.plan.name), \(oldReport.report.startedAt))"
        comparison.newLabel = "\(newReport.path)  (\(newReport.report.plan.name), \(newReport.report.startedAt))"
        switch format {
        case .text: FileHandleOutput.standardOutput.write(comparison.renderText())
        case .markdown: FileHandleOutput.standardOutput.write(comparison.renderMarkdown())
        }
        if comparison.hasRegressions { throw ExitCode(1) }
    }
}
