import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    /// The HTML report in a real browser: the rich synthetic report of HTMLReportTests rendered to a file and opened
    /// in headless Chromium by Tests/browser/report_render_test.py, through scripts/browser-tools.sh like the
    /// student page's browser test (a first run installs Chromium and Selenium).
    @Suite("HTML report in a browser")
    struct HTMLReportBrowserTests {
        @Test(
            "the rich report draws its charts and fault windows in headless Chromium, console clean, screenshot saved",
            .timeLimit(.minutes(5)))
        func richReportInChromium() throws {
            let folder = Repository.temporaryDirectory("html-report")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let page = "\(folder)/report.html"
            try HTMLReportRenderer.render(HTMLReportTests.richReport()).write(
                toFile: page, atomically: true, encoding: .utf8)

            let result = try ChildProcess.run(
                Repository.path("scripts/browser-tools.sh"),
                ["run", Repository.path("Tests/browser/report_render_test.py"), page],
                timeout: 900, currentDirectory: Repository.root.path)  // a first run installs Chromium with apt-get
            let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            let context = "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)"
            #expect(result.status == 0, "\(context)")
            #expect(json["ok"] as? Bool == true, "\(context)")
            #expect(json["charts"] as? Int == 4, "\(context)")
            #expect((json["dataLines"] as? Int ?? 0) >= 4, "\(context)")
            #expect((json["faultBands"] as? Int ?? 0) >= 3, "\(context)")
            #expect(json["faultLabels"] as? [String] == ["payment-down"], "\(context)")
            #expect(json["consoleErrors"] as? Int == 0, "\(context)")
            #expect(json["resources"] as? Int == 0, "\(context)")
            let png = "\(folder)/report.png"
            #expect(FileManager.default.fileExists(atPath: png), "\(context)")
            let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
            #expect(size > 20_000, "report.png is \(size) bytes: \(context)")
        }
    }
}
