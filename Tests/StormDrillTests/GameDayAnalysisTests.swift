import Foundation
import StormDrillAnalysis
import StormDrillReport
import Testing

extension StormDrillTests {
    /// The game-day section from a synthetic journal with known answers, with and without the drill's measurements,
    /// and the debrief drawn from it.
    @Suite("Game-day analysis and debrief on a synthetic journal")
    struct GameDayAnalysisTests {
        static let definition = GameDayDefinition(
            title: "Rehearsal", appURL: "http://127.0.0.1:8080/", maxParticipants: 500, pollWindowMs: 30_000,
            loadScenarioMs: 600_000,
            phases: [
                .init(
                    name: "warm-up", scenarioMs: 0, gate: false, brief: "Order.", expect: "Fine.", hypothesis: nil,
                    poll: nil),
                .init(
                    name: "outage", scenarioMs: 100_000, gate: true, brief: "Keep ordering.", expect: "A notice.",
                    hypothesis: "Orders are kept.", poll: "Did you see a notice?"),
                .init(
                    name: "after", scenarioMs: 300_000, gate: false, brief: "Order again.", expect: "Works.",
                    hypothesis: nil, poll: nil),
            ],
            faults: [
                .init(
                    name: "payment-down", type: "down", on: "payment", plannedStartMs: 100_000, plannedEndMs: 160_000),
                .init(name: "never", type: "latency", on: "payment", plannedStartMs: 400_000, plannedEndMs: 420_000),
            ])

        static func r(
            _ type: GameDayRecord.Kind, _ at: Double, _ fill: (inout GameDayRecord) -> Void = { _ in }
        )
            -> GameDayRecord
        {
            var r = GameDayRecord(type: type, atMs: at, scenarioMs: at)
            fill(&r)
            return r
        }

        static func feedback(
            _ id: Int, _ at: Double, _ who: String, _ kind: String, _ text: String? = nil
        )
            -> GameDayRecord
        {
            r(.feedback, at) {
                $0.id = id
                $0.participant = who
                $0.kind = kind
                $0.text = text
            }
        }

        /// Gate at 100 s held 20 s; the fault runs 120–180 s of drill time; reports before, during and after.
        static var records: [GameDayRecord] {
            [
                r(.start, 0) { $0.gameDay = definition },
                r(.phase, 0) {
                    $0.phase = "warm-up"; $0.index = 0
                },
                r(.join, 5_000) {
                    $0.participant = "p-a"; $0.nickname = "Ana"
                },
                r(.join, 6_000) { $0.participant = "p-b" },
                r(.join, 7_000) { $0.participant = "p-c" },
                feedback(1, 50_000, "p-a", "ok"),
                r(.hold, 100_000) {
                    $0.reason = "gate"; $0.phase = "outage"
                },
                r(.release, 120_000) {
                    $0.heldMs = 20_000; $0.reason = "gate"; $0.phase = "outage"
                },
                r(.phase, 120_000) {
                    $0.phase = "outage"; $0.index = 1
                },
                r(.fault, 120_000) {
                    $0.fault = "payment-down"; $0.state = "applied"
                },
                feedback(2, 126_000, "p-a", "slow", "paying spins"),
                feedback(3, 131_000, "p-b", "error"),
                r(.announcement, 140_000) { $0.text = "Payment is down; orders are kept." },
                feedback(4, 150_000, "p-c", "notice"),
                r(.note, 155_000) { $0.text = "Action: make the notice bigger" },
                r(.note, 156_000) { $0.text = "the room went quiet" },
                r(.fault, 180_000) {
                    $0.fault = "payment-down"; $0.state = "rolledBack"
                },
                feedback(5, 195_000, "p-b", "stuck", "order 42 still pending"),
                // Outside every fault's window (the window ends 120 s after the end, at 300 s).
                feedback(6, 350_000, "p-a", "slow"),
                feedback(7, 500_000, "p-c", "error"),
                r(.phase, 320_000) {
                    $0.phase = "after"; $0.index = 2
                },
                r(.poll, 320_000) {
                    $0.phase = "outage"; $0.state = "open"; $0.text = "Did you see a notice?"
                },
                r(.pollAnswer, 321_000) {
                    $0.participant = "p-a"; $0.phase = "outage"; $0.answer = "no"
                },
                r(.pollAnswer, 322_000) {
                    $0.participant = "p-a"; $0.phase = "outage"; $0.answer = "yes"
                },
                r(.pollAnswer, 323_000) {
                    $0.participant = "p-b"; $0.phase = "outage"; $0.answer = "unsure"
                },
                r(.skip, 330_000) { $0.fault = "never" },
                r(.fault, 330_000) {
                    $0.fault = "never"; $0.state = "skipped"
                },
                r(.end, 640_000) { $0.status = "completed" },
            ]
        }

        static var recovery: RecoveryReport {
            RecoveryReport(
                resolutionMs: 100,
                settings: .init(
                    errorTolerance: 0.02, latencyFactor: 3, latencyFloorMs: 50, throughputFloor: 0.5, stableForMs: 2000,
                    minIncidentMs: 500),
                baseline: .init(fromMs: 0, toMs: 100_000, throughput: 10, errorRate: 0, p99Ms: 20, steady: true),
                incidents: [
                    .init(
                        id: 1, startMs: 120_500, recoveredAtMs: 184_000, durationMs: 63_500, recovered: true,
                        fault: "payment-down", causes: ["errors"], worstErrorRate: 1, worstP99Ms: 30,
                        throughputLost: 300, failedRequests: 500),
                    .init(
                        id: 2, startMs: 495_000, recoveredAtMs: 499_000, durationMs: 4_000, recovered: true, fault: nil,
                        causes: ["errors"], worstErrorRate: 0.4, worstP99Ms: 30, throughputLost: 10, failedRequests: 20),
                ],
                faults: [
                    .init(
                        fault: "payment-down", startMs: 120_000, endMs: 180_000, impacted: true, incident: 1,
                        timeToImpactMs: 500, impactDurationMs: 63_500, timeToRecoverMs: 4_000, recovered: true,
                        worstErrorRate: 1, worstP99Ms: 30, throughputLost: 300)
                ], mttrMs: 33_750, unrecovered: 0)
        }

        static let thresholds = [
            ThresholdResult(
                metric: "errorRate", during: "phase:outage", condition: "below 0.5", actual: 0.7, actualText: "70%",
                passed: false)
        ]

        @Test("per fault: first report, first notice, announcement, perceived recovery beside measured recovery")
        func perFault() throws {
            let g = GameDayAnalysis.build(
                records: Self.records, definition: Self.definition,
                measurements: .init(recovery: Self.recovery, thresholds: Self.thresholds, loadEndMs: 620_000))
            let f = try #require(g.faults.first)
            #expect(f.startMs == 120_000 && f.endMs == 180_000 && f.outcome == "applied")
            #expect(f.timeToFirstReportMs == 6_000)
            #expect(f.timeToFirstNoticeMs == 30_000)
            #expect(f.timeToAnnounceMs == 20_000)
            // The last negative report after the end was at 195 s: perceived 15 s, measured 4 s.
            #expect(f.perceivedRecoveryMs == 15_000)
            #expect(f.measuredRecoveryMs == 4_000 && f.measuredImpact == true && f.measuredRecovered == true)
            #expect(f.feedback == ["slow": 1, "error": 1, "notice": 1, "stuck": 1])
            #expect(f.participants == ParticipantCount(joined: 3, active: 3))
            let never = try #require(g.faults.last)
            #expect(never.outcome == "skipped" && never.skippedByFacilitator && never.startMs == nil)
        }

        @Test("phases, the gate's hold, polls, hypotheses, notes, and reports outside faults matched to incidents")
        func phasesAndTheRest() throws {
            let g = GameDayAnalysis.build(
                records: Self.records, definition: Self.definition,
                measurements: .init(recovery: Self.recovery, thresholds: Self.thresholds, loadEndMs: 620_000))
            #expect(g.phases.map(\.startMs) == [0, 120_000, 320_000])
            #expect(g.phases.map(\.endMs) == [120_000, 320_000, 620_000])
            #expect(g.phases[1].gateHeldMs == 20_000)
            #expect(
                g.holds == [
                    .init(
                        reason: "gate", phase: "outage", scenarioMs: 100_000, startMs: 100_000, endMs: 120_000,
                        heldMs: 20_000)
                ])
            // One answer per participant: Ana changed her mind.
            let poll = try #require(g.phases[1].poll)
            #expect(poll.yes == 1 && poll.no == 0 && poll.unsure == 1 && poll.openedAtMs == 320_000)
            #expect(g.phases[0].feedback == ["ok": 1])
            #expect(
                g.hypotheses == [
                    .init(
                        phase: "outage", hypothesis: "Orders are kept.", outcome: "failed",
                        thresholds: ["errorRate below 0.5: 70% (failed)"])
                ])
            #expect(g.actionItems == ["make the notice bigger"])
            #expect(g.notes.map(\.action) == [true, false])
            // 350 s: no incident; 500 s: within incident #2 (ended 499 s, and reports trail by up to 30 s).
            #expect(g.outsideFaults.count == 2 && g.outsideFaults.matched == 1)
            #expect(g.outsideFaults.items.map(\.incident) == [nil, 2])
            #expect(g.participants == ParticipantCount(joined: 3, active: 3))
            #expect(g.feedback.first { $0.id == 2 }?.nickname == "Ana", "nicknames filled from the joins")
        }

        @Test("from the journal alone (a killed driver): every participant measure, measured ones missing")
        func journalAlone() throws {
            let g = GameDayAnalysis.build(records: Self.records, definition: Self.definition, rebuiltFromJournal: true)
            let f = try #require(g.faults.first)
            #expect(f.timeToFirstReportMs == 6_000 && f.perceivedRecoveryMs == 15_000)
            #expect(f.measuredRecoveryMs == nil && f.measuredImpact == nil)
            #expect(g.hypotheses.first?.outcome == "not measured")
            #expect(g.rebuiltFromJournal)
            // Rebuilt from a folder's journal against a placeholder report.
            #expect(GameDayAnalysis.definition(in: Self.records) == Self.definition)
        }

        @Test("debrief.md: timeline, measured against perceived, hypotheses, action items, comments, open questions")
        func debrief() throws {
            let g = GameDayAnalysis.build(
                records: Self.records, definition: Self.definition,
                measurements: .init(recovery: Self.recovery, thresholds: Self.thresholds, loadEndMs: 620_000))
            var report = try ReportStore.read(
                path: Repository.path("Tests/StormDrillTests/Fixtures/reports/old-smoke/report.json"))
            report.gameDay = g
            let text = try #require(DebriefRenderer.render(report))
            #expect(text.hasPrefix("# Debrief: Rehearsal"))
            for heading in [
                "## What was rehearsed", "## Timeline", "## Measured and perceived, per fault", "## Hypotheses",
                "## Action items", "## What participants said", "## Open questions",
            ] {
                #expect(text.contains(heading), "missing \(heading)")
            }
            #expect(text.contains("- [ ] make the notice bigger"))
            #expect(text.contains("| 02:00 | fault **payment-down** applied |"))
            #expect(text.contains("| 01:40 | held by gate of outage |"))
            #expect(text.contains("announcement: Payment is down; orders are kept."))
            #expect(text.contains("| payment-down | yes | 6.00s | 30.0s | 20.0s | 4.00s | 15.0s |"), "\(text)")
            #expect(text.contains("**FAILED**: Orders are kept."))
            #expect(text.contains("Ana (slow, ") || text.contains("Ana (slow)"))
            #expect(text.contains("\u{201C}order 42 still pending\u{201D}"))
            #expect(text.contains("**never** was skipped"))
            #expect(text.contains("fell in an unplanned incident"))
            // People's text cannot inject Markdown.
            report.gameDay?.notes.append(.init(atMs: 1, text: "action: | break *the* table", action: true))
            let hostile = try #require(DebriefRenderer.render(report))
            #expect(hostile.contains("\\| break \\*the\\* table"))
            // report.html shows the section and marks every report on the charts (the x axis spans the drill).
            report.durationSeconds = 700
            let html = HTMLReportRenderer.render(report)
            #expect(html.contains("id=\"game-day\""))
            #expect(html.components(separatedBy: "class=\"event-dot feedback-").count - 1 >= 7)
            #expect(html.contains("class=\"ribbon-segment\""))
        }
    }
}
