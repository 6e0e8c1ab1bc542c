import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Drill history: a reports folder as a table and an HTML page of trends, stormdrill history")
    struct DrillHistoryTests {
        /// A reports folder with drills of two plans (folder names out of time order), the old-format smoke report,
        /// a corrupt report, a JSON file that is not a report, a folder without a report and a loose file.
        static func folder() throws -> String {
            let base = Repository.temporaryDirectory("history")
            func write(_ name: String, _ report: DrillReport) throws {
                try FileManager.default.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: true)
                try ReportStore.write(report, to: "\(base)/\(name)")
            }
            func raw(_ name: String, _ text: String) throws {
                try FileManager.default.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: true)
                try text.write(toFile: "\(base)/\(name)/report.json", atomically: true, encoding: .utf8)
            }
            let first = ReportComparisonTests.report(startedAt: "2026-11-02T13:30:00.000Z")
            var second = ReportComparisonTests.report(startedAt: "2026-11-09T13:30:00.000Z", verdict: .fail)
            second.audit?.lost = 3
            second.recovery?.mttrMs = 15_000
            second.totals.throughput.journeysPerSecond = 80
            let surge = ReportComparisonTests.report(
                plan: "event-day-surge", startedAt: "2026-11-05T09:00:00.000Z", recovery: false, audit: false,
                capacity: 250)
            try write("20261102-133000-weekly-payment-outage", first)
            // A folder name that sorts first but a drill that ran last of the weekly ones.
            try write("0-renamed-by-hand", second)
            try write("20261105-090000-event-day-surge", surge)
            try FileManager.default.createDirectory(atPath: "\(base)/old-smoke", withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: Repository.path("Tests/StormDrillTests/Fixtures/reports/old-smoke/report.json"),
                toPath: "\(base)/old-smoke/report.json")
            try raw("zz-corrupt", "{\"schemaVersion\": 1, \"tool\": ")
            try raw("aa-not-a-report", "{\"hello\": 1}")
            try FileManager.default.createDirectory(atPath: "\(base)/notes", withIntermediateDirectories: true)
            try "notes".write(toFile: "\(base)/README.md", atomically: true, encoding: .utf8)
            return base
        }

        @Test("scan: every readable report, oldest first; the old format read; bad ones skipped with a warning")
        func scan() throws {
            let base = try Self.folder()
            let history = try DrillHistory.scan(directory: base)
            #expect(
                history.entries.map(\.folder) == [
                    "20261102-133000-weekly-payment-outage", "20261105-090000-event-day-surge", "0-renamed-by-hand",
                    "old-smoke",
                ])
            #expect(history.plans == ["event-day-surge", "smoke", "weekly-payment-outage"])
            #expect(history.warnings.count == 2, "\(history.warnings)")
            #expect(history.warnings.contains("zz-corrupt: not valid JSON"))
            #expect(history.warnings.contains { $0.hasPrefix("aa-not-a-report: not a stormdrill report: missing") })

            let weekly = history.entries[2]
            #expect(weekly.plan == "weekly-payment-outage" && weekly.verdict == .fail && weekly.status == .completed)
            #expect(weekly.lostOrders == 3 && weekly.mttrMs == 15_000 && weekly.journeysPerSecond == 80)
            #expect(weekly.p99Ms == 200 && weekly.errorRate == 0.01 && weekly.capacity == nil)
            #expect(history.entries[1].capacity == 250 && history.entries[1].lostOrders == nil)
            #expect(history.entries[1].mttrMs == nil)

            let old = history.entries[3]
            #expect(old.plan == "smoke" && old.verdict == .pass && old.startedAt == "2026-11-25T14:06:36.147Z")
            #expect(old.journeysPerSecond == 63 && old.p99Ms == 4.027)
            #expect(old.lostOrders == nil && old.mttrMs == nil && old.capacity == nil)
            #expect(old.startedAtText == "2026-11-25 14:06:36")
        }

        @Test("a plan filter keeps that plan's drills; a missing folder is an error, an empty one is not")
        func filter() throws {
            let base = try Self.folder()
            let weekly = try DrillHistory.scan(directory: base, plan: "weekly-payment-outage")
            #expect(weekly.entries.map(\.verdict) == [.pass, .fail])
            #expect(weekly.plans.count == 3 && weekly.warnings.count == 2)
            #expect(try DrillHistory.scan(directory: base, plan: "nope").entries.isEmpty)
            #expect(throws: DrillHistory.ScanError.self) { try DrillHistory.scan(directory: "\(base)/missing") }
            #expect(throws: DrillHistory.ScanError.self) { try DrillHistory.scan(directory: "\(base)/README.md") }
            let empty = try DrillHistory.scan(directory: Repository.temporaryDirectory("history-empty"))
            #expect(empty.entries.isEmpty && empty.warnings.isEmpty)
            #expect(empty.renderText().hasPrefix("0 drills in "))
        }

        @Test("the text table: one row per drill, — where a section is missing, the skipped folders after it")
        func table() throws {
            let base = try Self.folder()
            let text = try DrillHistory.scan(directory: base).renderText()
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines[0] == "4 drills in \(base)")
            let header = try #require(lines.first { $0.contains("started (UTC)") })
            for column in [
                "#", "plan", "status", "verdict", "journeys/s", "error rate", "p99", "MTTR", "lost",
                "capacity", "folder",
            ] {
                #expect(header.contains(column))
            }
            let old = try #require(lines.first { $0.hasSuffix("old-smoke") })
            #expect(old.contains("2026-11-25 14:06:36") && old.contains("smoke") && old.contains("PASS"))
            #expect(old.contains("63.0") && old.contains("4.03 ms") && old.contains("—"))
            let weekly = try #require(lines.first { $0.hasSuffix("0-renamed-by-hand") })
            #expect(weekly.contains("FAIL") && weekly.contains("15.00 s") && weekly.contains(" 3 "))
            let surge = try #require(lines.first { $0.hasSuffix("event-day-surge") && $0.contains("2026-11-05") })
            #expect(surge.contains("250/s"))
            #expect(text.contains("  skipped zz-corrupt: not valid JSON"))
            // The header and one line per drill, all indented.
            #expect(lines.filter { $0.hasPrefix("  ") && !$0.contains("skipped") }.count == 5)
        }

        @Test("the HTML page is self-contained: inline CSS and SVG trend charts, verdict colours, no script")
        func page() throws {
            let base = try Self.folder()
            let history = try DrillHistory.scan(directory: base)
            let html = HistoryPageRenderer.render(history)
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
            #expect(html.contains("<style>"))
            #expect(!html.lowercased().contains("<script"))
            #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<link"))
            #expect(html.components(separatedBy: "<svg").count - 1 == 4)
            for id in ["trend-throughput", "trend-p99", "trend-mttr", "trend-lost-orders"] {
                #expect(html.contains("id=\"\(id)\""))
            }
            // Each drill's point in its verdict's colour (only PASS and FAIL occur here), a line per plan.
            #expect(html.contains("data-series=\"PASS\"") && html.contains("data-series=\"FAIL\""))
            #expect(!html.contains("data-series=\"INVALID\""))
            #expect(html.contains("data-series=\"weekly-payment-outage\""))
            #expect(html.contains(SVGChart.green) && html.contains(SVGChart.red))
            // Table: one row per drill, linked to its report; the skipped folders listed.
            #expect(html.components(separatedBy: "<tr>").count - 1 == 5)
            #expect(html.contains("<a href=\"old-smoke/report.json\">old-smoke</a>"))
            #expect(html.contains("<span class=\"verdict verdict-fail\">FAIL</span>"))
            #expect(html.contains("<li>zz-corrupt: not valid JSON</li>"))
            // A history without an audit anywhere says so in its lost-orders chart.
            let smoke = try DrillHistory.scan(directory: base, plan: "smoke")
            let smokePage = HistoryPageRenderer.render(smoke, reportLinkPrefix: nil)
            #expect(smokePage.contains("no drill has an order audit"))
            #expect(smokePage.contains("<td>old-smoke</td>"))
            let empty = HistoryPageRenderer.render(
                try DrillHistory.scan(directory: Repository.temporaryDirectory("history-empty")))
            #expect(empty.contains("No drill reports found.") && !empty.contains("<svg"))
        }

        @Test("stormdrill history: prints the table, writes the page and says where; exit 2 on a bad folder or plan")
        func cli() throws {
            let base = try Self.folder()
            let all = try ChildProcess.run(Repository.binary, ["history", base], timeout: 30)
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stdout.hasPrefix("4 drills in \(base)"))
            #expect(all.stdout.contains("old-smoke") && all.stdout.contains("0-renamed-by-hand"))
            #expect(all.stdout.contains("history page: \(base)/history.html"))
            #expect(all.stderr.contains("stormdrill: skipped zz-corrupt: not valid JSON"))
            let page = try String(contentsOfFile: "\(base)/history.html", encoding: .utf8)
            #expect(page.contains("<svg") && page.contains("href=\"old-smoke/report.json\""))

            // Run again: the page in the folder is not mistaken for a drill.
            let again = try ChildProcess.run(Repository.binary, ["history", base], timeout: 30)
            #expect(again.status == 0 && again.stdout.hasPrefix("4 drills in"))

            let elsewhere = Repository.temporaryDirectory("history-page")
            let weekly = try ChildProcess.run(
                Repository.binary,
                ["history", base, "--plan", "weekly-payment-outage", "--html", "\(elsewhere)/weekly.html"], timeout: 30)
            #expect(weekly.status == 0, "\(weekly.stderr)")
            #expect(weekly.stdout.hasPrefix("2 drills of \"weekly-payment-outage\" in \(base)"))
            #expect(!weekly.stdout.contains("old-smoke"))
            #expect(weekly.stdout.contains("history page: \(elsewhere)/weekly.html"))
            let weeklyPage = try String(contentsOfFile: "\(elsewhere)/weekly.html", encoding: .utf8)
            #expect(weeklyPage.contains("href=\"file://"))
            #expect(weeklyPage.contains("Drill history: weekly-payment-outage"))

            let unknown = try ChildProcess.run(Repository.binary, ["history", base, "--plan", "weekly"], timeout: 30)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("no drill of plan \"weekly\""))
            #expect(unknown.stderr.contains("\"weekly-payment-outage\""))

            let missing = try ChildProcess.run(Repository.binary, ["history", "\(base)/missing"], timeout: 30)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("cannot read the reports folder \(base)/missing: no such folder"))

            let empty = Repository.temporaryDirectory("history-empty")
            let none = try ChildProcess.run(Repository.binary, ["history", empty], timeout: 30)
            #expect(none.status == 0 && none.stdout.hasPrefix("0 drills in"))
            #expect(FileManager.default.fileExists(atPath: "\(empty)/history.html"))
        }
    }
}
