import Foundation
import StormDrillReport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

extension StormDrillTests {
    @Suite("junit.xml: a testcase per threshold, audit, SLO and the generator, parsed back with XMLParser")
    struct JUnitRendererTests {
        /// An element of the parsed document.
        final class Element {
            let name: String
            let attributes: [String: String]
            var children: [Element] = []
            var text = ""

            init(name: String, attributes: [String: String]) {
                self.name = name
                self.attributes = attributes
            }

            func all(_ name: String) -> [Element] { children.filter { $0.name == name } }
            func first(_ name: String) -> Element? { children.first { $0.name == name } }
            subscript(_ attribute: String) -> String? { attributes[attribute] }
        }

        /// Builds the element tree; any XML error fails the parse.
        final class TreeBuilder: NSObject, XMLParserDelegate {
            var root: Element?
            var stack: [Element] = []

            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
            ) {
                let element = Element(name: elementName, attributes: attributeDict)
                if let parent = stack.last { parent.children.append(element) } else { root = element }
                stack.append(element)
            }

            func parser(
                _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?
            ) {
                stack.removeLast()
            }

            func parser(_ parser: XMLParser, foundCharacters string: String) {
                stack.last?.text += string
            }
        }

        struct ParseError: Error {
            var description: String
        }

        static func parse(_ xml: String) throws -> Element {
            let parser = XMLParser(data: Data(xml.utf8))
            let builder = TreeBuilder()
            parser.delegate = builder
            guard parser.parse(), let root = builder.root else {
                throw ParseError(description: "\(parser.parserError.map { "\($0)" } ?? "no root element")")
            }
            return root
        }

        /// The single testsuite, after checking what JUnit consumers rely on: `<testsuites>` around one
        /// `<testsuite>`, counts that match the testcases, numeric times that add up, name and classname on every
        /// testcase, at most one `<failure>` or `<error>` with message and type.
        static func suite(_ report: DrillReport) throws -> Element {
            let root = try parse(JUnitRenderer.render(report))
            #expect(root.name == "testsuites")
            let suites = root.all("testsuite")
            #expect(suites.count == 1)
            let suite = try #require(suites.first)
            let cases = suite.all("testcase")
            let failures = cases.filter { !$0.all("failure").isEmpty }.count
            let errors = cases.filter { !$0.all("error").isEmpty }.count
            for element in [root, suite] {
                #expect(element["tests"] == "\(cases.count)")
                #expect(element["failures"] == "\(failures)")
                #expect(element["errors"] == "\(errors)")
            }
            #expect(suite["skipped"] == "0" && suite["hostname"] != nil && suite["timestamp"] != nil)
            var total = 0.0
            for c in cases {
                #expect(c["name"]?.isEmpty == false)
                // XML cannot carry control characters: they are dropped.
                #expect(c["classname"] == String(report.plan.name.unicodeScalars.filter { $0.value >= 0x20 }))
                let time = try #require(c["time"])
                total += try #require(Double(time))
                #expect(c.all("failure").count + c.all("error").count <= 1)
                for problem in c.all("failure") + c.all("error") {
                    #expect(problem["message"]?.isEmpty == false && problem["type"]?.isEmpty == false)
                }
            }
            let suiteTimeText = try #require(suite["time"])
            let suiteTime = try #require(Double(suiteTimeText))
            #expect(abs(suiteTime - total) < 0.0015)
            #expect(root["time"] == suite["time"])
            // Properties come before the testcases.
            #expect(suite.children.first?.name == "properties")
            return suite
        }

        static func testcase(_ suite: Element, _ name: String) throws -> Element {
            try #require(suite.all("testcase").first { $0["name"] == name }, "no testcase \(name)")
        }

        @Test("thresholds and audits: one testcase each, failures with actual vs condition, counts and times right")
        func thresholdsAndAudits() throws {
            var report = ReportComparisonTests.report(thresholds: [
                ThresholdResult(
                    metric: "p99", during: "whole", condition: "below 800ms", actual: 200, actualText: "200 ms",
                    passed: true),
                ThresholdResult(
                    metric: "errorRate", during: "fault:payment-outage", condition: "below 0.05", actual: 0.12,
                    actualText: "12.0 %", passed: false),
            ])
            report.audit?.lost = 2
            report.audit?.lostIds = ["o-17", "o-42"]
            report.audit?.compensation?.passed = 450
            report.audit?.compensation?.share = 0.9
            let suite = try Self.suite(report)
            #expect(suite["name"] == "stormdrill.weekly-payment-outage")
            #expect(
                suite.all("testcase").map { $0["name"] ?? "" } == [
                    "generator kept its schedule", "p99 below 800ms",
                    "errorRate during fault:payment-outage below 0.05", "slo p99 at most 800ms",
                    "slo errorRate at most 0.05",
                    "audit: lost orders == 0", "audit: duplicate orders == 0", "audit: compensation share == 100 %",
                ])
            let sloFailures = report.slo.filter { !$0.passed }.count
            #expect(suite["tests"] == "8" && suite["failures"] == "\(3 + sloFailures)" && suite["errors"] == "0")
            #expect(suite["time"] == "62.500")  // 61 s of drill + 1.5 s of audit
            #expect(suite["timestamp"] == "2026-11-02T13:30:00")
            #expect(try Self.testcase(suite, "generator kept its schedule")["time"] == "61.000")
            #expect(try Self.testcase(suite, "audit: lost orders == 0")["time"] == "1.500")

            #expect(try Self.testcase(suite, "p99 below 800ms").all("failure").isEmpty)
            let failed = try #require(
                try Self.testcase(suite, "errorRate during fault:payment-outage below 0.05").first("failure"))
            #expect(failed["message"] == "actual 12.0 % vs below 0.05" && failed["type"] == "threshold")
            let lost = try #require(try Self.testcase(suite, "audit: lost orders == 0").first("failure"))
            #expect(lost["message"] == "2 lost orders of 5940 acknowledged")
            #expect(lost.text.contains("lost ids: o-17, o-42"))
            let compensation = try #require(
                try Self.testcase(suite, "audit: compensation share == 100 %").first("failure"))
            #expect(compensation["message"] == "50 of 500 eligible orders not compensated (90.0%)")
            // The SLO objectives decide the verdict too: each is a test case beside the thresholds.
            #expect(suite.all("testcase").filter { $0["name"]?.hasPrefix("slo ") == true }.count == report.slo.count)
            let properties = try #require(suite.first("properties")).all("property")
            #expect(properties.contains { $0["name"] == "verdict" && $0["value"] == "PASS" })
            #expect(suite.first("system-out")?.text.contains("verdict") == true)
        }

        @Test("a compensationRate threshold judges the compensation audit; an incomplete audit is an error")
        func auditRules() throws {
            var report = ReportComparisonTests.report(thresholds: [
                ThresholdResult(
                    metric: "compensationRate", during: "whole", condition: "atLeast 0.85", actual: 0.9,
                    actualText: "90.0 %", passed: true)
            ])
            report.audit?.compensation?.passed = 450
            report.audit?.compensation?.share = 0.9
            report.audit?.incomplete = true
            report.audit?.checked = 3000
            let suite = try Self.suite(report)
            #expect(
                try Self.testcase(suite, "audit: compensation share atLeast 0.85").children.allSatisfy {
                    $0.name == "system-out"
                })
            let incomplete = try #require(try Self.testcase(suite, "audit: lost orders == 0").first("error"))
            #expect(incomplete["message"] == "audit incomplete: 3000 of 5940 acknowledged orders checked")
            #expect(suite["errors"] == "1" && suite["failures"] == "0")
        }

        @Test("INVALID: the generator's testcase is an <error> with the verdict's reasons")
        func invalid() throws {
            var report = ReportComparisonTests.report(verdict: .invalid)
            report.reasons = ["generator fell behind its schedule: lag p99 12.0ms > 5.00ms"]
            report.generator.saturated = true
            let suite = try Self.suite(report)
            let error = try #require(try Self.testcase(suite, "generator kept its schedule").first("error"))
            #expect(error["type"] == "invalid")
            #expect(error["message"] == "INVALID: generator fell behind its schedule: lag p99 12.0ms > 5.00ms")
            #expect(suite["errors"] == "1")
        }

        @Test("without thresholds: one testcase per SLO objective; without an audit: no audit testcases")
        func sloAndOldReports() throws {
            var report = ReportComparisonTests.report(audit: false)
            report.slo[0] = ObjectiveResult(name: "p99", limit: "150ms", actual: 200, passed: false)
            let suite = try Self.suite(report)
            #expect(
                suite.all("testcase").map { $0["name"] ?? "" } == [
                    "generator kept its schedule", "slo p99 at most 150ms", "slo errorRate at most 0.05",
                ])
            let failure = try #require(try Self.testcase(suite, "slo p99 at most 150ms").first("failure"))
            #expect(failure["message"] == "actual 200 ms vs at most 150ms" && failure["type"] == "slo")

            let old = try ReportComparisonTests.oldSmoke()
            let oldSuite = try Self.suite(old)
            #expect(oldSuite["name"] == "stormdrill.smoke")
            #expect(oldSuite["tests"] == "3" && oldSuite["failures"] == "0" && oldSuite["errors"] == "0")
            #expect(oldSuite["timestamp"] == "2026-11-25T14:06:36")
        }

        @Test("names, messages and output are XML-escaped and survive a round trip")
        func escaping() throws {
            let tricky = "lunch <peak> & \"rush\" 'o'\u{1}"
            let report = ReportComparisonTests.report(
                plan: tricky,
                thresholds: [
                    ThresholdResult(
                        metric: "p99", during: "fault:a&b", condition: "below 1<2ms", actual: 5,
                        actualText: "5 ms\nover",
                        passed: false)
                ])
            let xml = JUnitRenderer.render(report)
            #expect(!xml.contains("\u{1}"))
            let suite = try Self.suite(report)
            #expect(suite["name"] == "stormdrill.lunch <peak> & \"rush\" 'o'")
            let c = try Self.testcase(suite, "p99 during fault:a&b below 1<2ms")
            #expect(c["classname"] == "lunch <peak> & \"rush\" 'o'")
            #expect(c.first("failure")?["message"] == "actual 5 ms\nover vs below 1<2ms")
        }
    }
}
