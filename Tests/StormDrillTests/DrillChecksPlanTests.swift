import StormDrillAnalysis
import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("Plan checks: thresholds, audit, probes, forecast and analysis decode and explain typos")
    struct DrillChecksPlanTests {
        /// An order journey with an extract, 60 s of load, one fault and the given extra root members.
        static func plan(
            _ extra: String, load: String = #"{"model": "open", "stages": [{"duration": "60s", "rate": 10}]}"#
        ) -> String {
            """
            {"stormdrill": 1, "name": "checks", "target": {"baseURL": "http://127.0.0.1:18080"},
             "load": \(load),
             "journeys": [{"name": "order", "steps": [{"name": "place", "method": "POST", "path": "/orders",
               "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"}, "extract": {"orderId": "/id"}},
               {"name": "track", "method": "GET", "path": "/orders/{{extract.orderId}}"}]}],
             "dependencies": [{"name": "payment", "listen": "127.0.0.1:19001", "upstream": "127.0.0.1:9001",
                               "protocol": "http"}],
             "faults": [{"name": "payment-outage", "dependency": "payment", "type": "down", "at": "20s",
                         "duration": "10s"}],
             \(extra)}
            """
        }

        static func errors(_ text: String) -> [String] { FaultPlanTests.errors(text) }

        @Test("the issue's thresholds, an audit, a probe, a forecast and analysis tolerances decode")
        func issueExampleDecodes() throws {
            let text = Self.plan(
                """
                "thresholds": [{"metric": "p99", "below": "800ms", "during": "baseline"},
                  {"metric": "errorRate", "below": 0.05, "during": "fault:payment-outage"},
                  {"metric": "timeToRecover", "below": "30s"}, {"metric": "lostOrders", "equals": 0},
                  {"metric": "timeToNotice", "below": "10s"}, {"metric": "capacity", "atLeast": "forecast"}],
                "audit": {"path": "/orders/{{extract.orderId}}", "expect": [200],
                  "found": {"pointer": "/id", "exists": true},
                  "compensation": {"pointer": "/compensation/issued", "equals": true}},
                "probes": [{"name": "notice", "path": "/status", "every": "500ms",
                  "condition": {"pointer": "/state", "oneOf": ["degraded", "resolved"]}}],
                "forecast": {"peakRate": 1200, "headroom": 1.5},
                "analysis": {"stableFor": "2s", "capacityWindow": "5s"}
                """)
            let plan = try FaultPlanTests.decode(text).get()
            let t = plan.checks.thresholds
            #expect(t.count == 6)
            #expect(t[0].metric == .p99 && t[0].limit == 800 && t[0].during == .baseline && t[0].comparison == .below)
            #expect(t[1].during == .fault("payment-outage") && t[1].limit == 0.05)
            #expect(t[2].limit == 30_000 && t[2].during == .whole)
            #expect(t[3].comparison == .equals && t[3].limit == 0)
            #expect(t[5].limit == nil && t[5].limitText == "forecast")
            let audit = try #require(plan.checks.audit)
            #expect(audit.extractName == "orderId")
            #expect(audit.acknowledgingSteps.map(\.step) == [0] && audit.keyHeaders[0] != nil)
            #expect(audit.conditionText == "status 200 and /id exists")
            #expect(audit.compensation?.description == "/compensation/issued == true")
            let probe = try #require(plan.checks.probes.first)
            #expect(probe.every.milliseconds == 500 && probe.timeout.milliseconds == 500)
            #expect(probe.condition.holds(in: Array(#"{"state": "resolved"}"#.utf8)))
            #expect(!probe.condition.holds(in: Array(#"{"state": "none"}"#.utf8)))
            #expect(plan.checks.forecast?.required == 1800)
            #expect(plan.checks.analysis.stableFor.seconds == 2 && plan.checks.analysis.capacityWindow.seconds == 5)
            // The audit and the forecast add their implicit thresholds only when the plan has none of its own.
            let effective = ThresholdEvaluation.effectiveThresholds(plan.checks, isOpen: true)
            #expect(effective.count == 6)
        }

        @Test("typos name the path, the line and the likely fix")
        func typos() {
            let e1 = Self.errors(Self.plan(#""thresholds": [{"metric": "p99x", "below": "1s"}]"#))
            #expect(e1.contains { $0.contains("thresholds[0].metric") && $0.contains("did you mean \"p99\"") }, "\(e1)")
            let e2 = Self.errors(
                Self.plan(#""thresholds": [{"metric": "errorRate", "below": 0.05, "during": "fault:paymnet-outage"}]"#))
            #expect(
                e2.contains { $0.contains("during") && $0.contains("did you mean \"fault:payment-outage\"") }, "\(e2)")
            let e3 = Self.errors(Self.plan(#""thresholds": [{"metric": "p99", "lessThan": "1s"}]"#))
            #expect(e3.contains { $0.contains("write \"below\"") }, "\(e3)")
            let e4 = Self.errors(Self.plan(#""thresholds": [{"metric": "p99", "below": 800}]"#))
            #expect(e4.contains { $0.contains("thresholds[0].below") }, "\(e4)")
            let e5 = Self.errors(Self.plan(#""audit": {"path": "/orders/{{extract.ordrId}}"}"#))
            #expect(e5.contains { $0.contains("audit.path") && $0.contains("{{extract.orderId}}") }, "\(e5)")
            let e6 = Self.errors(Self.plan(#""thresholds": [{"metric": "lostOrders", "equals": 0}]"#))
            #expect(e6.contains { $0.contains("lostOrders needs an \"audit\"") }, "\(e6)")
            let e7 = Self.errors(
                Self.plan(
                    #""probes": [{"name": "n", "path": "/status", "condition": {"pointer": "state", "equals": 1}}]"#))
            #expect(e7.contains { $0.contains("probes[0].condition.pointer") && $0.contains("JSON Pointer") }, "\(e7)")
            let e8 = Self.errors(Self.plan(#""forecast": {"peakRate": 100, "headroom": 0.5}"#))
            #expect(e8.contains { $0.contains("forecast.headroom") && $0.contains("at least 1") }, "\(e8)")
            let e9 = Self.errors(Self.plan(#""thresholds": [{"metric": "mttr", "below": "1m", "during": "baseline"}]"#))
            #expect(e9.contains { $0.contains("whole drill only") }, "\(e9)")
            // Every message carries a line number.
            for e in e1 + e2 + e5 { #expect(e.contains("p.json:"), "\(e)") }
        }
    }
}
