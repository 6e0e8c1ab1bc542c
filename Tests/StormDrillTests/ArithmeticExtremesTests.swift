import Foundation
import StormDrillLive
import StormDrillPlan
import StormDrillReport
import Testing

@testable import StormDrillEngine

extension StormDrillTests {
    /// Every number that comes from a plan, a request or a response is bounded or overflow-checked before use: fed
    /// the extremes (0, −1, the largest values, ±1e308; NaN where the type can carry it), nothing traps, and a plan
    /// gets an error that names the field. One test per module; the proxy's are in ToxicLimitsTests and the campus
    /// platform's in CampusServiceTests.
    @Suite("Arithmetic on input: the extremes")
    struct ArithmeticExtremesTests {
        static let extremes = ["0", "-1", "9223372036854775807", "-9223372036854775808", "1e308", "-1e308", "0.5"]

        /// Plan fields that take numbers, each as a JSON fragment with `X` for the value.
        static let planFields: [(name: String, plan: String)] = [
            ("rate", #""load": {"model": "open", "stages": [{"duration": "10s", "rate": X}]}"#),
            ("ramp", #""load": {"model": "open", "stages": [{"duration": "10s", "from": X, "to": 5}]}"#),
            (
                "maxInFlight",
                #""load": {"model": "open", "maxInFlight": X, "stages": [{"duration": "10s", "rate": 5}]}"#
            ),
            ("users", #""load": {"model": "closed", "users": X, "duration": "10s"}"#),
            ("seed", #""seed": X, "load": {"model": "open", "stages": [{"duration": "10s", "rate": 5}]}"#),
            (
                "threshold",
                #""thresholds": [{"metric": "errorRate", "below": X}], "load": {"model": "open", "stages": [{"duration": "10s", "rate": 5}]}"#
            ),
            (
                "forecast",
                #""forecast": {"peakRate": X, "headroom": X}, "load": {"model": "open", "stages": [{"duration": "10s", "rate": 5}]}"#
            ),
        ]

        @Test("plan numbers at the extremes: a plan or an error naming the field, never a trap")
        func planNumbers() {
            for field in Self.planFields {
                for value in Self.extremes {
                    let text = """
                        {"stormdrill": 1, "name": "x", "target": {"baseURL": "http://127.0.0.1:8080"},
                         \(field.plan.replacingOccurrences(of: "X", with: value)),
                         "journeys": [{"name": "j", "steps": [{"name": "s", "path": "/"}]}]}
                        """
                    switch PlanDecoder.decode(Array(text.utf8), file: "x.json") {
                    case .success(let plan):
                        // What decodes must be usable: its schedule and duration are finite.
                        #expect(plan.loadDuration.nanoseconds >= 0, "\(field.name) = \(value)")
                        _ = ScheduleDescription.render(plan)
                    case .failure(let error):
                        #expect(!error.diagnostics.isEmpty)
                        #expect(error.diagnostics.allSatisfy { $0.position.line >= 1 }, "\(field.name) = \(value)")
                    }
                }
            }
        }

        @Test("durations: saturating sums, products and conversions; NaN and infinity are not durations")
        func durations() {
            #expect((PlanDuration(nanoseconds: .max) + PlanDuration(nanoseconds: 1)).nanoseconds == .max)
            #expect((PlanDuration(nanoseconds: .min) + PlanDuration(nanoseconds: -1)).nanoseconds == .min)
            #expect(PlanDuration.seconds(.nan) == .zero)
            #expect(PlanDuration.seconds(.infinity).nanoseconds == .max)
            #expect(PlanDuration.seconds(-1e308).nanoseconds == .min)
            #expect(PlanDuration.milliseconds(.max).nanoseconds == .max)
            #expect(PlanDuration.parse("1e308h") == .failure(.malformed))
            #expect(PlanDuration.parse("99999999999h") == .failure(.tooLong))
            #expect(PlanDuration.parse(String(repeating: "9", count: 400) + "s") == .failure(.tooLong))
            #expect(PlanDuration.parse("0s") == .success(.zero))
            let plan = try? PlanDecoderTests.decode(PlanDecoderTests.minimal).get()
            for factor in [1e-308, 1e308, 100.0] {
                #expect(plan?.scaled(by: factor).loadDuration.nanoseconds ?? 0 > 0)
            }
        }

        @Test("engine: histogram values, error class slots and response framing numbers at the extremes")
        func engine() throws {
            #expect(LatencyHistogram.microseconds(nanoseconds: .max) == LatencyHistogram.highestMicroseconds)
            #expect(LatencyHistogram.microseconds(nanoseconds: .min) == 0)
            #expect(LatencyHistogram.microseconds(nanoseconds: -1) == 0)
            for slot in [-1, 0, 506, 511, 512, Int.max, Int.min] { _ = ErrorClass(slot: slot) }
            #expect(ErrorClass(slot: Int.max) == .other)
            #expect(ErrorClass(key: "http_99999999999999999999") == nil)
            for length in ["99999999999999999999999", "-1", "9223372036854775807", "1e308", "NaN"] {
                let text = "HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n\r\nbody"
                // An error (malformed) or a response still waiting for its body: never a trap or a huge allocation.
                _ = try? HTTPResponseParserTests.parse(text)
            }
            for size in ["FFFFFFFFFFFFFFFFFFFF", "-1", "7FFFFFFFFFFFFFFF"] {
                let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nabc\r\n0\r\n\r\n"
                _ = try? HTTPResponseParserTests.parse(text)
            }
            for status in ["0", "-1", "99999999999999999999", "1e308"] {
                #expect(throws: (any Error).self) {
                    _ = try HTTPResponseParserTests.parse("HTTP/1.1 \(status) X\r\n\r\n")
                }
            }
        }

        @Test("report: a number too large for its field is named, NaN-free doubles stay readable")
        func report() throws {
            let data = Data(#"{"totals": {"requests": 1e300}, "other": [1, -1e308]}"#.utf8)
            let found = try #require(ReportValueError.find(in: data))
            #expect(found.path == "other[1]" || found.path == "totals.requests")
            #expect(ReportValueError.find(in: Data(#"{"a": 1, "b": [0, -1, 9.2e17]}"#.utf8)) == nil)
        }

        @Test("live view: Last-Event-ID at the extremes replays nothing wrong and never traps")
        func liveEventIds() {
            let log = LiveEventLog(capacity: 4)
            for i in 0..<6 { _ = log.publish("e", data: "\(i)") }
            for id in [Int.min, -1, 0, 1, 5, 6, Int.max] {
                let (replay, _) = log.subscribe(after: id)
                switch replay {
                case .events(let events): #expect(events.allSatisfy { $0.id > id })
                case .reset(let oldest): #expect(oldest > id)
                }
            }
        }
    }
}
