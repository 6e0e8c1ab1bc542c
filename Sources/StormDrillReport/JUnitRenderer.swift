import Foundation

/// `junit.xml` for CI systems (Jenkins, GitLab, GitHub test reporters): one `<testsuite name="stormdrill.<plan>">`
/// inside `<testsuites>`, with one `<testcase>` (classname: the plan name) per check of the drill:
/// - `generator kept its schedule`: an `<error>` when the generator saturated, with the reasons: the drill's figures
///   cannot be trusted, which is neither a pass nor a failure of the target;
/// - `fault NAME verified` for each applied fault: an `<error>` when nobody saw it in force (the verdict is INVALID);
/// - each threshold (name: `ThresholdResult.title`), a `<failure>` with the actual value against the condition (for
///   `lostOrders`, with the lost ids);
/// - each SLO objective of `report.slo`;
/// - with an audit: `audit: lost orders == 0` and `audit: duplicate orders == 0` unless a threshold on that metric
///   already is that test case, and, when the compensation audit ran, `audit: compensation share`: every eligible
///   order compensated, or the plan's `compensationRate` threshold when it has one. An audit cut short with no lost
///   order found is an `<error>`, not a pass.
/// The generator's testcase takes the drill's duration and the lost-order audit the audit's, so the testcases' times
/// add up to the suite's.
public enum JUnitRenderer {
    /// One testcase before rendering.
    public struct TestCase: Sendable, Equatable {
        public enum Outcome: Sendable, Equatable {
            case passed
            /// The check ran and did not hold.
            case failure(message: String, type: String, detail: String)
            /// The check could not be judged.
            case error(message: String, type: String, detail: String)
        }

        public var name: String
        public var classname: String
        /// Seconds.
        public var time: Double
        public var outcome: Outcome
        /// What was measured, for the CI log.
        public var output: String?

        public init(name: String, classname: String, time: Double, outcome: Outcome, output: String? = nil) {
            self.name = name
            self.classname = classname
            self.time = time
            self.outcome = outcome
            self.output = output
        }
    }

    /// The testcases of a report, in document order.
    public static func testCases(_ r: DrillReport) -> [TestCase] {
        let plan = r.plan.name
        var cases: [TestCase] = []

        let g = r.generator
        let generatorFigures =
            "lag p50 \(ms(g.lagP50Ms)), p99 \(ms(g.lagP99Ms)), max \(ms(g.lagMaxMs)); cpu busy max "
            + "\(SummaryRenderer.percent(g.cpuBusyMax)); saturated \(g.saturatedSeconds) s in a row; "
            + "\(g.eventLoops) event loops"
        if g.saturated {
            let generatorReasons = r.reasons.filter { $0.hasPrefix("generator") }
            let reasons = generatorReasons.isEmpty ? ["the generator saturated"] : generatorReasons
            cases.append(
                TestCase(
                    name: "generator kept its schedule", classname: plan, time: r.durationSeconds,
                    outcome: .error(
                        message: "INVALID: " + reasons.joined(separator: "; "), type: "invalid",
                        detail: (reasons + [generatorFigures]).joined(separator: "\n")),
                    output: generatorFigures))
        } else {
            cases.append(
                TestCase(
                    name: "generator kept its schedule", classname: plan, time: r.durationSeconds, outcome: .passed,
                    output: generatorFigures))
        }

        // Each fault that was applied: whether the driver saw it in force (an unverified fault makes the drill
        // INVALID, and this case says which one).
        for f in r.faults ?? [] where f.outcome == .applied {
            let evidence = f.evidence ?? ""
            cases.append(
                TestCase(
                    name: "fault \(f.name) verified", classname: plan, time: 0,
                    outcome: f.verified == false
                        ? .error(
                            message: "INVALID: fault \(f.name) was not verified", type: "invalid", detail: evidence)
                        : .passed,
                    output: evidence.isEmpty ? nil : evidence))
        }

        let thresholds = r.thresholds ?? []
        for t in thresholds {
            let measured = "actual \(t.actualText) vs \(t.condition)"
            cases.append(
                TestCase(
                    name: t.title, classname: plan, time: 0,
                    outcome: t.passed
                        ? .passed
                        : .failure(
                            message: measured, type: "threshold",
                            detail: "\(t.title)\nmeasured during \(t.during): \(t.actualText)"
                                + (t.metric == "lostOrders" && !(r.audit?.lostIds.isEmpty ?? true)
                                    ? "\nlost ids: " + (r.audit?.lostIds ?? []).joined(separator: ", ") : "")),
                    output: measured))
        }
        for o in r.slo {
            let actual = o.name == "errorRate" ? SummaryRenderer.percent(o.actual) : ms(o.actual)
            let measured = "actual \(actual) vs at most \(o.limit)"
            cases.append(
                TestCase(
                    name: "slo \(o.name) at most \(o.limit)", classname: plan, time: 0,
                    outcome: o.passed
                        ? .passed : .failure(message: measured, type: "slo", detail: "slo \(o.name): \(measured)"),
                    output: measured))
        }

        if let a = r.audit {
            cases += auditCases(a, thresholds: thresholds, plan: plan)
        }
        return cases
    }

    static func auditCases(_ a: AuditReport, thresholds: [ThresholdResult], plan: String) -> [TestCase] {
        var cases: [TestCase] = []
        let checked =
            "\(a.acknowledged) acknowledged, \(a.checked) checked, \(a.found) found, \(a.lost) lost, "
            + "\(a.unverified) unverified (\(a.request): \(a.condition))"
        let lost: TestCase.Outcome
        if a.lost > 0 {
            lost = .failure(
                message: "\(a.lost) lost order\(a.lost == 1 ? "" : "s") of \(a.acknowledged) acknowledged",
                type: "audit",
                detail: checked + (a.lostIds.isEmpty ? "" : "\nlost ids: " + a.lostIds.joined(separator: ", ")))
        } else if a.incomplete {
            lost = .error(
                message: "audit incomplete: \(a.checked) of \(a.acknowledged) acknowledged orders checked",
                type: "incomplete", detail: checked)
        } else {
            lost = .passed
        }
        // A lostOrders threshold (the plan's own or the implicit one) already is this test case.
        if !thresholds.contains(where: { $0.metric == "lostOrders" }) {
            cases.append(
                TestCase(
                    name: "audit: lost orders == 0", classname: plan, time: a.durationMs / 1000, outcome: lost,
                    output: checked))
        }

        let duplicates =
            a.duplicates == 0
            ? TestCase.Outcome.passed
            : .failure(
                message: "\(a.duplicates) idempotency key\(a.duplicates == 1 ? "" : "s") acknowledged with two or "
                    + "more order ids",
                type: "audit", detail: "duplicate keys: " + a.duplicateKeys.joined(separator: ", "))
        if !thresholds.contains(where: { $0.metric == "duplicateOrders" }) {
            cases.append(
                TestCase(
                    name: "audit: duplicate orders == 0", classname: plan, time: 0, outcome: duplicates,
                    output: "\(a.duplicates) duplicates"))
        }

        if let c = a.compensation {
            let share = SummaryRenderer.percent(c.share)
            let measured = "\(share): \(c.passed) of \(c.eligible) eligible orders meet \(c.condition)"
            let detail =
                measured + (c.failedIds.isEmpty ? "" : "\nnot compensated: " + c.failedIds.joined(separator: ", "))
            let name: String
            let outcome: TestCase.Outcome
            if let t = thresholds.first(where: { $0.metric == "compensationRate" && $0.during == "whole" }) {
                name = "audit: compensation share \(t.condition)"
                outcome =
                    t.passed
                    ? .passed : .failure(message: "actual \(share) vs \(t.condition)", type: "audit", detail: detail)
            } else {
                name = "audit: compensation share == 100 %"
                outcome =
                    c.passed >= c.eligible
                    ? .passed
                    : .failure(
                        message: "\(c.eligible - c.passed) of \(c.eligible) eligible orders not compensated (\(share))",
                        type: "audit", detail: detail)
            }
            cases.append(TestCase(name: name, classname: plan, time: 0, outcome: outcome, output: measured))
        }
        return cases
    }

    /// The whole `junit.xml` document.
    public static func render(_ r: DrillReport) -> String {
        let cases = testCases(r)
        let failures = cases.filter { if case .failure = $0.outcome { true } else { false } }.count
        let errors = cases.filter { if case .error = $0.outcome { true } else { false } }.count
        let time = cases.reduce(0) { $0 + $1.time }
        let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"stormdrill\" \(counts) time=\"\(seconds(time))\">\n"
        out += "  <testsuite name=\"\(attribute("stormdrill.\(r.plan.name)"))\" \(counts) skipped=\"0\""
        out += " time=\"\(seconds(time))\" timestamp=\"\(attribute(timestamp(r.startedAt)))\" hostname=\"localhost\""
        out += " id=\"0\" package=\"stormdrill\">\n"
        out += "    <properties>\n"
        let properties: [(String, String)] = [
            ("plan", r.plan.name), ("plan.file", r.plan.file), ("plan.sha256", r.plan.sha256),
            ("plan.seed", String(r.plan.seed)), ("target", r.target.url), ("status", r.status.rawValue),
            ("verdict", r.verdict.rawValue), ("startedAt", r.startedAt), ("tool.version", r.tool.version),
        ]
        for (name, value) in properties {
            out += "      <property name=\"\(attribute(name))\" value=\"\(attribute(value))\"/>\n"
        }
        out += "    </properties>\n"
        for c in cases {
            out += "    <testcase name=\"\(attribute(c.name))\" classname=\"\(attribute(c.classname))\""
            out += " time=\"\(seconds(c.time))\""
            switch c.outcome {
            case .passed where c.output == nil:
                out += "/>\n"
                continue
            case .passed:
                out += ">\n"
            case .failure(let message, let type, let detail), .error(let message, let type, let detail):
                let element = if case .failure = c.outcome { "failure" } else { "error" }
                out += ">\n      <\(element) message=\"\(attribute(message))\" type=\"\(attribute(type))\">"
                out += "\(text(detail))</\(element)>\n"
            }
            if let output = c.output { out += "      <system-out>\(text(output))</system-out>\n" }
            out += "    </testcase>\n"
        }
        out += "    <system-out>\(text(SummaryRenderer.render(r, reportPath: nil)))</system-out>\n"
        out += "  </testsuite>\n"
        out += "</testsuites>\n"
        return out
    }

    /// Escapes text content (XML-invalid control characters dropped).
    static func text(_ s: String) -> String { SVGChart.escape(s) }

    /// Escapes an attribute value; line breaks and tabs survive attribute normalisation as character references.
    static func attribute(_ s: String) -> String {
        SVGChart.escape(s).replacingOccurrences(of: "\n", with: "&#10;").replacingOccurrences(of: "\r", with: "&#13;")
            .replacingOccurrences(of: "\t", with: "&#9;")
    }

    /// `12.345` (seconds, 3 decimals, C locale).
    static func seconds(_ v: Double) -> String { String(format: "%.3f", v.isFinite ? max(0, v) : 0) }

    static func ms(_ v: Double) -> String { FigureUnit.latency.format(v) }

    /// JUnit's timestamp: ISO 8601 without zone or fraction (`2026-11-25T14:06:36`, UTC); as written when unparsable.
    static func timestamp(_ startedAt: String) -> String {
        let parsed =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(startedAt))
            ?? (try? Date.ISO8601FormatStyle().parse(startedAt))
        guard let parsed else { return startedAt }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: parsed)
    }
}
