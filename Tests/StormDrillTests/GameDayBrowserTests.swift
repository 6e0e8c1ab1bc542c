import Foundation
import StormDrillReport
import Testing

extension StormDrillTests {
    /// Issue 12's acceptance in a browser: a short game day against the embedded campus platform, driven in headless
    /// Chromium by Tests/browser/game_day_test.py (through scripts/browser-tools.sh, which installs Chromium and
    /// Selenium; the QR code is decoded by zbarimg through scripts/qr-tools.sh).
    @Suite("Game day in a browser")
    struct GameDayBrowserTests {
        @Test(
            "console with the token, QR to the join link, two participants, a gate until Continue, note and announcement within 2 s, Halt; no console errors",
            .timeLimit(.minutes(10)))
        func gameDayInChromium() async throws {
            let dependency = FreePort.find()
            let plan = """
                {"stormdrill": 1, "name": "browser-game-day", "seed": 12,
                 "target": {"embedded": "campus", "timeout": "3s"},
                 "dependencies": [{"name": "payment", "listen": "127.0.0.1:\(dependency)",
                                   "upstream": "127.0.0.1:\(FreePort.find())", "protocol": "http"}],
                 "load": {"model": "open", "stages": [{"duration": "2m", "rate": 4}]},
                 "journeys": [{"name": "menu", "steps": [{"name": "menu", "path": "/menu"}]}],
                 "faults": [
                   {"name": "slow-payment", "dependency": "payment", "type": "latency", "latency": "1s", "at": "2s",
                    "duration": "6s"},
                   {"name": "payment-outage", "dependency": "payment", "type": "down", "at": "10s", "duration": "60s"}],
                 "gameDay": {"title": "Browser game day",
                   "phases": [
                     {"name": "warm-up", "at": "0s", "brief": "Order as usual.", "expect": "All fine."},
                     {"name": "slow-payment", "at": "2s", "brief": "Keep ordering.", "expect": "Paying is slow.",
                      "poll": "Was paying slow?"},
                     {"name": "payment-down", "at": "10s", "gate": true, "brief": "Payment goes down.",
                      "expect": "A notice explains it."}]}}
                """
            let drill = try LiveDrill(plan: plan, label: "game-day-browser")
            defer { drill.stop() }
            try drill.waitForLinks()
            let shots = drill.folder + "/screenshots"
            let result = try ChildProcess.run(
                Repository.path("scripts/browser-tools.sh"),
                [
                    "run", Repository.path("Tests/browser/game_day_test.py"), "--facilitator", drill.facilitatorURL,
                    "--join", drill.joinURL, "--app", drill.targetURL + "/",
                    "--dependency", "http://127.0.0.1:\(dependency)/health", "--gate-phase", "payment-down",
                    "--gated-fault", "payment-outage", "--first-fault", "slow-payment",
                    "--qr-decoder", Repository.path("scripts/qr-tools.sh") + " run", "--screenshots", shots,
                ],
                timeout: 900, currentDirectory: Repository.root.path)  // a first run installs Chromium and zbar
            let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            let context =
                "stdout:\n\(result.stdout.suffix(3000))\nstderr:\n\(result.stderr.suffix(4000))\ndriver:\n\(drill.output.suffix(2000))"
            #expect(result.status == 0, "\(context)")
            #expect(json["ok"] as? Bool == true, "\(context)")
            #expect((json["failures"] as? [Any])?.isEmpty == true, "\(context)")
            // Both participant pages showed the announcement within 2 s.
            let delays = (json["announcement"] as? [String: Any])?["delaysSeconds"] as? [Double] ?? []
            #expect(delays.count == 2 && delays.allSatisfy { $0 <= 2 }, "\(delays)")
            // No page of the rehearsal logged a console error, the campus student page included.
            let severe = json["consoleSevere"] as? [String: Any] ?? [:]
            #expect(severe.isEmpty, "console errors: \(severe)")

            // The drill ended aborted by the halt, exit 1, with the fault in force rolled back and checked.
            let status = drill.waitForExit(seconds: 60)
            #expect(status == 1, "exit \(String(describing: status)):\n\(drill.output.suffix(2000))")
            let report = try drill.report()
            #expect(report.status == .aborted && report.interruption == "halted by the facilitator")
            let outage = try #require(report.faults?.first { $0.name == "payment-outage" })
            #expect(outage.rollback?.contains("answers again") == true, "\(outage.rollback ?? "no rollback")")
            let g = try #require(report.gameDay)
            let gate = try #require(g.holds.first { $0.reason == "gate" })
            #expect(
                (outage.actualStartMs ?? 0) >= (gate.endMs ?? .infinity) - 1, "the gated fault started before Continue")
            #expect(g.participants.joined == 2 && g.feedback.count >= 2)
            #expect(g.notes.count == 1 && g.announcements.count == 1)
        }
    }
}
