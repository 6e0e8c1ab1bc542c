import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    @Suite("Report comparison: key figures, regression rules, text and Markdown, stormdrill compare")
    struct ReportComparisonTests {
        /// A synthetic report: 100 journeys/s, 1 % errors, p50 40 ms, p99 200 ms, PASS; optionally with a recovery
        /// analysis of one fault (`payment-outage`, recovered 1.2 s after its end, notice after 2 s), an audit and
        /// a capacity.
        static func report(
            plan: String = "weekly-payment-outage", sha256: String = "aaaa",
            startedAt: String = "2026-11-02T13:30:00.000Z",
            verdict: Verdict = .pass, recovery: Bool = true, audit: Bool = true, capacity: Double? = nil,
            thresholds: [ThresholdResult]? = nil
        ) -> DrillReport {
            let latency = LatencySummary(
                count: 1000, p50: 40, p90: 120, p95: 150, p99: 200, p999: 300, max: 400, mean: 60)
            let service = LatencySummary(
                count: 1000, p50: 30, p90: 90, p95: 110, p99: 150, p999: 250, max: 350, mean: 45)
            var r = DrillReport(
                tool: ToolInfo(version: "test"), status: .completed, verdict: verdict,
                reasons: verdict == .pass ? [] : ["slo p99: 900ms > 800ms"],
                plan: PlanInfo(
                    name: plan, description: "", file: "plans/\(plan).json", sha256: sha256, seed: 7, formatVersion: 1),
                target: TargetInfo(url: "http://127.0.0.1:1", embedded: "campus", timeoutMs: 5000, connections: 8),
                load: LoadInfo(model: "open", plannedDurationSeconds: 60), startedAt: startedAt, durationSeconds: 61,
                totals: Totals(
                    journeys: 6000, journeysOk: 5940, journeysFailed: 60, journeysAbandoned: 0, requests: 12000,
                    ok: 11940, errors: 60, dropped: 0, errorRate: 0.01,
                    throughput: Throughput(requestsPerSecond: 200, journeysPerSecond: 100)),
                latency: latency, serviceLatency: service, errors: ["http_503": 60], errorSamples: [],
                slo: [
                    ObjectiveResult(name: "p99", limit: "800ms", actual: 200, passed: true),
                    ObjectiveResult(name: "errorRate", limit: "0.05", actual: 0.01, passed: true),
                ],
                journeys: [], steps: [], timeline: [],
                generator: GeneratorReport(
                    eventLoops: 2, lagP50Ms: 0.05, lagP99Ms: 0.5, lagMaxMs: 2, dropped: 0, saturated: false,
                    cpuBusyMax: 0.3, saturatedSeconds: 0, connectionsOpened: 8))
            if recovery {
                r.recovery = RecoveryReport(
                    resolutionMs: 100,
                    settings: RecoverySettingsReport(
                        errorTolerance: 0.05, latencyFactor: 3, latencyFloorMs: 50, throughputFloor: 0.5,
                        stableForMs: 3000, minIncidentMs: 300),
                    baseline: nil,
                    incidents: [
                        IncidentReport(
                            id: 1, startMs: 20_300, recoveredAtMs: 31_200, durationMs: 10_900, recovered: true,
                            fault: "payment-outage", causes: ["errors"], worstErrorRate: 0.4, worstP99Ms: 900,
                            throughputLost: 100, failedRequests: 60)
                    ],
                    faults: [
                        FaultImpactReport(
                            fault: "payment-outage", startMs: 20_000, endMs: 30_000, impacted: true, incident: 1,
                            timeToImpactMs: 300, impactDurationMs: 10_900, timeToRecoverMs: 1200, recovered: true,
                            worstErrorRate: 0.4, worstP99Ms: 900, throughputLost: 100,
                            notices: [NoticeReport(probe: "status", timeToNoticeMs: 2000, timeToClearMs: 1500)])
                    ],
                    mttrMs: 10_900, unrecovered: 0)
            }
            if audit {
                r.audit = AuditReport(
                    request: "GET /orders/{{extract.orderId}}", condition: "status 200", acknowledged: 5940,
                    checked: 5940, found: 5940, lost: 0, lostIds: [], unverified: 0, duplicates: 0, duplicateKeys: [],
                    durationMs: 1500, incomplete: false,
                    compensation: CompensationAuditReport(
                        condition: "/compensation exists", eligible: 500, passed: 500, share: 1, failedIds: []))
            }
            if let capacity {
                r.capacity = CapacityReport(
                    windowMs: 5000, capacity: capacity, throughputAtCapacity: capacity, limitReached: true,
                    brokeAtMs: 40_000, brokeAtRate: capacity + 10, brokenBy: ["latency"], peakThroughput: capacity,
                    pastKnee: "plateau", points: [], forecast: nil)
            }
            r.thresholds = thresholds
            return r
        }

        /// The old-format report (written before recovery, audit, capacity and thresholds existed).
        static func oldSmoke() throws -> DrillReport {
            try ReportStore.read(path: Repository.path("Tests/StormDrillTests/Fixtures/reports/old-smoke/report.json"))
        }

        static func compare(_ old: DrillReport, _ new: DrillReport, _ tolerance: Double = 0.1) -> ReportComparison {
            ReportComparison.compare(old: old, new: new, tolerance: tolerance)
        }

        @Test("identical reports: every key figure is a row, nothing moved, nothing regressed")
        func identical() throws {
            let r = Self.report(
                capacity: 250,
                thresholds: [
                    ThresholdResult(
                        metric: "p99", during: "whole", condition: "below 800ms", actual: 200, actualText: "200 ms",
                        passed: true)
                ])
            let c = Self.compare(r, r)
            #expect(!c.hasRegressions && c.warnings.isEmpty)
            #expect(
                c.rows.map(\.name) == [
                    "verdict", "status", "journeys/s", "error rate", "p50 latency", "p99 latency", "service p99",
                    "dropped arrivals", "generator lag p99", "MTTR", "unrecovered incidents",
                    "time to impact payment-outage", "time to recover payment-outage",
                    "impact duration payment-outage", "worst error rate payment-outage",
                    "time to notice payment-outage (status)", "lost orders", "duplicate orders", "compensation share",
                    "capacity", "threshold p99 below 800ms",
                ])
            #expect(c.rows.allSatisfy { $0.movement == .unchanged }, "\(c.rows.filter { $0.movement != .unchanged })")
            #expect(c.summary == "no regressions beyond 10 %")
        }

        @Test("known deltas: absolute and relative change, better direction, tolerance is relative and strict")
        func knownDeltas() throws {
            let old = Self.report()
            var new = old
            new.totals.throughput.journeysPerSecond = 90  // -10 %: at the tolerance, not beyond it
            new.latency.p99 = 260  // +30 %
            new.totals.errorRate = 0.0105  // +5 %
            new.serviceLatency.p99 = 120  // better
            let c = Self.compare(old, new)
            let throughput = try #require(c.row("journeys/s"))
            #expect(throughput.old == 100 && throughput.new == 90)
            #expect(abs(try #require(throughput.absoluteDelta) + 10) < 1e-9)
            #expect(abs(try #require(throughput.relativeDelta) + 0.1) < 1e-9)
            #expect(throughput.better == .higher && throughput.movement == .worse && !throughput.regression)
            let p99 = try #require(c.row("p99 latency"))
            #expect(p99.better == .lower && p99.regression && p99.reason == "+30 % > 10 %")
            #expect(abs(try #require(p99.relativeDelta) - 0.3) < 1e-9 && p99.absoluteDelta == 60)
            #expect(p99.deltaText == "+60.0 ms" && p99.relativeText == "+30 %")
            let errors = try #require(c.row("error rate"))
            #expect(errors.movement == .worse && !errors.regression)
            #expect(c.row("service p99")?.movement == .better)
            #expect(c.regressions.map(\.name) == ["p99 latency"])
            // A tighter tolerance turns the throughput drop into a regression; a looser one forgives the p99.
            #expect(Self.compare(old, new, 0.05).regressions.map(\.name) == ["journeys/s", "p99 latency"])
            #expect(Self.compare(old, new, 0.5).regressions.isEmpty)
            #expect(Self.compare(old, old, 0).summary == "no regressions beyond 0 %")
            // The error rate's +5 % is only 0.05 percentage point: under the 0.1 pp floor of shares.
            #expect(Self.compare(old, new, 0.025).summary == "2 regressions beyond 2.5 %: journeys/s, p99 latency")
        }

        @Test("zero bases: 0 → 3 lost orders regresses at any tolerance, 0 → 0.4 ms does not, floors per unit")
        func zeroBases() throws {
            let old = Self.report()
            var new = old
            new.audit?.lost = 3
            new.generator.lagP99Ms = 0
            var zeroLag = old
            zeroLag.generator.lagP99Ms = 0
            new.totals.dropped = 1
            let c = Self.compare(zeroLag, new, 1000)
            let lost = try #require(c.row("lost orders"))
            #expect(lost.regression && lost.reason == "from 0" && lost.relativeDelta == nil)
            #expect(lost.relativeText == "from 0" && lost.deltaText == "+3")
            #expect(try #require(c.row("dropped arrivals")).regression)
            // 0 → 0.4 ms of generator lag: under the 1 ms floor of latencies.
            var lag = zeroLag
            lag.generator.lagP99Ms = 0.4
            let small = try #require(Self.compare(zeroLag, lag, 0).row("generator lag p99"))
            #expect(small.movement == .worse && !small.regression)
            lag.generator.lagP99Ms = 3
            #expect(try #require(Self.compare(zeroLag, lag, 0).row("generator lag p99")).regression)
            // The floor also holds for a non-zero base: 0.5 → 0.9 ms is +80 % but only 0.4 ms.
            var tiny = old
            tiny.latency.p50 = 0.5
            var tinyNew = tiny
            tinyNew.latency.p50 = 0.9
            #expect(try #require(Self.compare(tiny, tinyNew, 0).row("p50 latency")).regression == false)
            // Drill-clock times have a 100 ms floor: time to recover 0 → 80 ms is noise, 0 → 300 ms is not.
            var fast = old
            fast.recovery?.faults[0].timeToRecoverMs = 0
            var slower = old
            slower.recovery?.faults[0].timeToRecoverMs = 80
            #expect(try #require(Self.compare(fast, slower).row("time to recover payment-outage")).regression == false)
            slower.recovery?.faults[0].timeToRecoverMs = 300
            #expect(try #require(Self.compare(fast, slower).row("time to recover payment-outage")).regression)
            #expect(FigureUnit.latency.floor == 1 && FigureUnit.drillTime.floor == 100 && FigureUnit.count.floor == 0)
        }

        @Test("verdict PASS → FAIL regresses whatever the tolerance; INVALID is a warning; status completed → aborted")
        func verdicts() throws {
            let pass = Self.report()
            let fail = Self.report(verdict: .fail)
            let c = Self.compare(pass, fail, 100)
            let verdict = try #require(c.row("verdict"))
            #expect(verdict.regression && verdict.reason == "PASS → FAIL")
            #expect(verdict.oldValue == .label("PASS") && verdict.newValue == .label("FAIL"))
            #expect(!Self.compare(fail, pass).hasRegressions)
            #expect(Self.compare(fail, pass).row("verdict")?.movement == .better)
            let invalid = Self.compare(pass, Self.report(verdict: .invalid))
            #expect(invalid.row("verdict")?.regression == false)
            #expect(invalid.warnings.contains { $0.contains("new drill is INVALID") })
            var aborted = pass
            aborted.status = .aborted
            #expect(Self.compare(pass, aborted).row("status")?.regression == true)
            var interrupted = pass
            interrupted.status = .interrupted
            let partial = Self.compare(pass, interrupted)
            #expect(partial.row("status")?.regression == false)
            #expect(partial.warnings.contains { $0.contains("interrupted") })
        }

        @Test("per fault, matched by name: 1.20 s → 1.68 s to recover is +40 %; not recovered and no notice are worst")
        func faults() throws {
            let old = Self.report()
            var new = old
            new.recovery?.faults[0].timeToRecoverMs = 1680
            new.recovery?.faults[0].timeToImpactMs = 100  // hit sooner: the platform absorbed it for less long
            let c = Self.compare(old, new)
            let recover = try #require(c.row("time to recover payment-outage"))
            #expect(recover.regression && recover.absoluteDelta == 480)
            #expect(abs(try #require(recover.relativeDelta) - 0.4) < 1e-9)
            let impact = try #require(c.row("time to impact payment-outage"))
            #expect(impact.better == .higher && impact.regression)
            let text = c.renderText()
            let line = try #require(text.split(separator: "\n").first { $0.contains("time to recover payment-outage") })
            #expect(line.contains("1.20 s") && line.contains("1.68 s") && line.contains("+480 ms"))
            #expect(line.contains("+40 %") && line.contains("REGRESSION"))

            var stuck = old
            stuck.recovery?.faults[0].recovered = false
            stuck.recovery?.faults[0].timeToRecoverMs = nil
            stuck.recovery?.faults[0].notices = [NoticeReport(probe: "status", timeToNoticeMs: nil, timeToClearMs: nil)]
            let s = Self.compare(old, stuck)
            let notRecovered = try #require(s.row("time to recover payment-outage"))
            #expect(notRecovered.regression && notRecovered.newValue == .worst("not recovered"))
            #expect(notRecovered.newValue.text(.drillTime) == "not recovered")
            #expect(try #require(s.row("time to notice payment-outage (status)")).regression)
            // And back again is an improvement, not a regression.
            #expect(Self.compare(stuck, old).row("time to recover payment-outage")?.movement == .better)

            // A fault only one drill had is shown, never a regression.
            var renamed = old
            renamed.recovery?.faults[0].fault = "dispatch-closure"
            let r = Self.compare(old, renamed)
            #expect(r.row("time to recover dispatch-closure")?.oldValue == .missing("no such fault"))
            #expect(r.row("time to recover payment-outage")?.newValue == .missing("no such fault"))
            #expect(r.row("time to recover payment-outage")?.movement == .incomparable)
            // An unimpacted fault counts as 0 ms to recover: a new impact regresses.
            var untouched = old
            untouched.recovery?.faults[0].impacted = false
            let u = try #require(Self.compare(untouched, old).row("time to recover payment-outage"))
            #expect(u.oldValue.text(.drillTime) == "no impact" && u.regression)
        }

        @Test("audit, capacity and thresholds: lower or higher is better by meaning; passed → failed regresses")
        func sections() throws {
            let threshold = ThresholdResult(
                metric: "timeToRecover", during: "fault:payment-outage", condition: "below 5s", actual: 1200,
                actualText: "1.20 s", passed: true)
            let old = Self.report(capacity: 200, thresholds: [threshold])
            var new = old
            new.audit?.compensation?.share = 0.8
            new.capacity?.capacity = 150
            var failed = threshold
            failed.actual = 1250
            failed.passed = false
            failed.condition = "below 1.22s"
            new.thresholds = [failed]
            let c = Self.compare(old, new)
            let comp = try #require(c.row("compensation share"))
            #expect(comp.better == .higher && comp.regression)
            let cap = try #require(c.row("capacity"))
            #expect(cap.better == .higher && cap.regression && cap.newValue.text(.rate) == "150/s")
            // +4 % is within the tolerance, but the threshold passed and now fails.
            let t = try #require(c.row("threshold timeToRecover during fault:payment-outage below 1.22s"))
            #expect(t.regression && t.reason == "threshold passed before, fails now")
            #expect(t.note == "condition was below 5s")
            var noCapacity = new
            noCapacity.capacity?.capacity = nil
            #expect(Self.compare(old, noCapacity).row("capacity")?.newValue == .worst("none found"))
            #expect(Self.compare(old, noCapacity).row("capacity")?.regression == true)
        }

        @Test("missing sections: the old-format report compares with a new one; its rows show — and never regress")
        func oldFormat() throws {
            let old = try Self.oldSmoke()
            #expect(old.recovery == nil && old.audit == nil && old.thresholds == nil)
            var new = Self.report(plan: "smoke", sha256: old.plan.sha256, startedAt: "2026-11-26T14:00:00.000Z")
            new.totals.errorRate = 0  // as the old drill: 0 → 1 % would be a regression whatever the tolerance
            let c = Self.compare(old, new, 100)
            let lost = try #require(c.row("lost orders"))
            #expect(lost.oldValue == .missing("no audit") && lost.old == nil && lost.new == 0)
            #expect(lost.movement == .incomparable && !lost.regression && lost.relativeDelta == nil)
            #expect(c.row("MTTR")?.oldValue == .missing("no recovery analysis"))
            #expect(c.row("capacity") == nil)
            #expect(!c.hasRegressions, "\(c.regressions)")
            #expect(c.renderText().contains("lost orders"))
            // And the other way round.
            #expect(Self.compare(new, old, 100).row("lost orders")?.newValue == .missing("no audit"))
            #expect(!Self.compare(old, old).hasRegressions)
        }

        @Test("a different plan or plan file is a warning, not an error")
        func planMismatch() {
            let c = Self.compare(Self.report(plan: "a"), Self.report(plan: "b"))
            #expect(c.warnings.first?.contains("different plans: \"a\" and \"b\"") == true)
            #expect(!c.rows.isEmpty && !c.hasRegressions)
            let changed = Self.compare(Self.report(sha256: "1111"), Self.report(sha256: "2222"))
            #expect(
                changed.warnings == ["plan \"weekly-payment-outage\" changed between the drills (sha256 1111 → 2222)"])
            #expect(changed.renderText().contains("warning: plan \"weekly-payment-outage\" changed"))
        }

        @Test("Markdown: a table with the regressions in bold and cells escaped")
        func markdown() throws {
            let old = Self.report(plan: "lunch|peak")
            var new = Self.report(plan: "lunch|peak", verdict: .fail)
            new.latency.p99 = 400
            let md = Self.compare(old, new).renderMarkdown()
            #expect(md.contains("| figure | old | new | change | relative | |"))
            #expect(md.contains("|---|---:|---:|---:|---:|---|"))
            #expect(
                md.contains("| p99 latency | 200 ms | 400 ms | +200 ms | +100 % | **REGRESSION** (+100 % > 10 %) |"))
            #expect(md.contains("| verdict | PASS | FAIL |  |  | **REGRESSION** (PASS → FAIL) |"))
            #expect(md.contains("lunch\\|peak"))
            #expect(md.contains("**2 regressions beyond 10 %: verdict, p99 latency**"))
            // Every table line has the same number of cells.
            let table = md.split(separator: "\n").filter { $0.hasPrefix("|") }
            let cells = Set(table.map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count })
            #expect(cells == [7])
        }

        /// Writes reports into run folders under a fresh temporary folder.
        static func folders(_ reports: [String: DrillReport]) throws -> String {
            let base = Repository.temporaryDirectory("compare")
            for (name, report) in reports {
                let dir = "\(base)/\(name)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try ReportStore.write(report, to: dir)
            }
            return base
        }

        @Test("stormdrill compare: exit 0 without regressions, 1 with, 2 on unreadable input or a bad tolerance")
        func cli() throws {
            let old = Self.report()
            var new = old
            new.recovery?.faults[0].timeToRecoverMs = 1680
            let base = try Self.folders(["old": old, "new": new, "same": old])
            let fixture = Repository.path("Tests/StormDrillTests/Fixtures/reports/old-smoke")

            let same = try ChildProcess.run(Repository.binary, ["compare", "\(base)/old", "\(base)/same"], timeout: 30)
            #expect(same.status == 0, "\(same.stderr)")
            #expect(same.stdout.contains("no regressions beyond 10 %"))

            let worse = try ChildProcess.run(
                Repository.binary, ["compare", "\(base)/old", "\(base)/new/report.json"], timeout: 30)
            #expect(worse.status == 1, "\(worse.stderr)")
            #expect(worse.stdout.contains("REGRESSION"))
            #expect(worse.stdout.contains("1 regression beyond 10 %: time to recover payment-outage"))
            #expect(worse.stdout.contains("\(base)/old/report.json"))

            let forgiving = try ChildProcess.run(
                Repository.binary,
                ["compare", "\(base)/old", "\(base)/new", "--tolerance", "0.5", "--format", "markdown"],
                timeout: 30)
            #expect(forgiving.status == 0, "\(forgiving.stderr)")
            #expect(
                forgiving.stdout.contains("| time to recover payment-outage | 1.20 s | 1.68 s | +480 ms | +40 % |  |"))

            let oldFormat = try ChildProcess.run(Repository.binary, ["compare", fixture, "\(base)/old"], timeout: 30)
            #expect([0, 1].contains(oldFormat.status), "\(oldFormat.stderr)")
            #expect(oldFormat.stdout.contains("warning: different plans: \"smoke\" and \"weekly-payment-outage\""))

            let missing = try ChildProcess.run(
                Repository.binary, ["compare", "\(base)/old", "\(base)/nope"], timeout: 30)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("cannot read a report from \(base)/nope: no such file or folder"))
            #expect(missing.stdout.isEmpty)

            try "{\"schemaVersion\": 1}".write(toFile: "\(base)/partial.json", atomically: true, encoding: .utf8)
            let partial = try ChildProcess.run(
                Repository.binary, ["compare", "\(base)/partial.json", fixture], timeout: 30)
            #expect(partial.status == 2)
            #expect(partial.stderr.contains("not a stormdrill report: missing"), "\(partial.stderr)")

            try "not json".write(toFile: "\(base)/garbage.json", atomically: true, encoding: .utf8)
            let garbage = try ChildProcess.run(
                Repository.binary, ["compare", fixture, "\(base)/garbage.json"], timeout: 30)
            #expect(garbage.status == 2 && garbage.stderr.contains("not valid JSON"), "\(garbage.stderr)")

            let empty = Repository.temporaryDirectory("compare-empty")
            let noReport = try ChildProcess.run(Repository.binary, ["compare", empty, fixture], timeout: 30)
            #expect(noReport.status == 2 && noReport.stderr.contains("the folder holds no report.json"))

            let badTolerance = try ChildProcess.run(
                Repository.binary, ["compare", fixture, fixture, "--tolerance", "-1"], timeout: 30)
            #expect(badTolerance.status == 2 && badTolerance.stderr.contains("--tolerance"))
        }
    }
}
