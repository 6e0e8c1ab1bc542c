import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// API-supplied toxic numbers can no longer take the process down: each attribute is bounded when decoded
    /// (with an error naming the limit), and the sums and products the proxy forms from them saturate.
    @Suite("Fault proxy: toxic attribute limits and overflow")
    struct ToxicLimitsTests {
        typealias S = FaultTestSupport
        typealias API = ToxiproxyAPITests

        @Test("two http_delay toxics of 5e12 ms and a request: refused at decode, the proxy stays up and answers")
        func httpDelayCrash() async throws {
            let upstream = try await FixtureServer.start { _ in FixtureResponse(status: 200, body: "{\"ok\":true}") }
            defer { Task { await upstream.stop() } }
            try await API.withAPI { port, registry in
                let web = try await API.call(
                    .POST, port, "/proxies",
                    #"{"name":"web","upstream":"127.0.0.1:\#(upstream.port)","protocol":"http"}"#)
                try #require(web.status == 201)
                for name in ["d1", "d2"] {
                    let r = try await API.call(
                        .POST, port, "/proxies/web/toxics",
                        #"{"name":"\#(name)","type":"http_delay","attributes":{"delay":5e12}}"#)
                    API.expectError(r, 400, "invalid: http_delay.delay must be at most 604800000 ms (168 h)")
                }
                let info = try await registry.get("web")
                #expect(info.toxics.isEmpty)
                let responses = try await HTTPFaultTests.requests(info, count: 1, timeout: .seconds(5))
                #expect(responses.map(\.status) == [200])
                #expect(try await API.call(.GET, port, "/version").status == 200)
            }
        }

        @Test("the same two delays past validation (as from a future caller): the sum saturates instead of trapping")
        func delaySumSaturates() {
            func delay(_ id: UInt64, _ ms: Int) -> ToxicRuntime {
                ToxicRuntime(
                    id: id, revision: 0, toxic: Toxic(name: "d\(id)", kind: .httpDelay(delay: ms, jitter: 0, rate: 1)),
                    http: nil)
            }
            let huge = HTTPFaultDecision.decide(
                toxics: [delay(1, 5_000_000_000_000), delay(2, 5_000_000_000_000)], selected: [:], probe: false,
                forced: nil)
            #expect(huge.delay == .nanoseconds(.max))
            #expect(huge.fired == ["d1", "d2"])
            let most = ToxicKind.maximumMilliseconds
            let bounded = HTTPFaultDecision.decide(
                toxics: [delay(1, most), delay(2, most)], selected: [:], probe: false, forced: nil)
            #expect(bounded.delay == .milliseconds(Int64(2 * most)))
            #expect(SaturatingTime.sum(.nanoseconds(.min), .nanoseconds(-1)) == .nanoseconds(.min))
            #expect(SaturatingTime.jittered(milliseconds: .max, jitter: .max) == .milliseconds(.max))
            #expect(SaturatingTime.jittered(milliseconds: 0, jitter: 5) >= .zero)
            #expect(SaturatingTime.transmission(bytes: .max, kilobytesPerSecond: 1) == .nanoseconds(.max))
            #expect(SaturatingTime.transmission(bytes: 1000, kilobytesPerSecond: 0) == .zero)
            #expect(SaturatingTime.transmission(bytes: 1000, kilobytesPerSecond: 1) == .milliseconds(1000))
            #expect(SaturatingTime.product(.max, 100) == .max)
        }

        @Test("extremes for every numeric attribute: 0 (where valid), the maximum pass; -1, max+1, 2^63, 1e308 are 400")
        func extremes() async throws {
            try await API.withAPI { port, _ in
                #expect(
                    try await API.call(.POST, port, "/proxies", #"{"name":"t","upstream":"127.0.0.1:9"}"#).status == 201
                )
                #expect(
                    try await API.call(
                        .POST, port, "/proxies", #"{"name":"h","upstream":"127.0.0.1:9","protocol":"http"}"#
                    ).status == 201)
                let ms = ToxicKind.maximumMilliseconds
                // (proxy, type, attribute, valid values, maximum)
                let cases: [(String, String, String, [Double], Int)] = [
                    ("t", "latency", "latency", [0, Double(ms)], ms),
                    ("t", "latency", "jitter", [0, Double(ms)], ms),
                    ("t", "bandwidth", "rate", [0, 1, Double(ToxicKind.maximumRate)], ToxicKind.maximumRate),
                    ("t", "slow_close", "delay", [0, Double(ms)], ms),
                    ("t", "timeout", "timeout", [0, Double(ms)], ms),
                    ("t", "reset_peer", "timeout", [0, Double(ms)], ms),
                    ("t", "slicer", "average_size", [0, Double(1 << 30)], ToxicKind.maximumSliceBytes),
                    ("t", "slicer", "size_variation", [0], ToxicKind.maximumSliceBytes),
                    (
                        "t", "slicer", "delay", [0, Double(ToxicKind.maximumMicroseconds)],
                        ToxicKind.maximumMicroseconds
                    ),
                    (
                        "t", "limit_data", "bytes", [0, Double(ToxicKind.maximumLimitBytes)],
                        ToxicKind.maximumLimitBytes
                    ),
                    ("h", "http_delay", "delay", [0, Double(ms)], ms),
                    ("h", "http_delay", "jitter", [0, Double(ms)], ms),
                    ("h", "fail_first", "count", [0, Double(ToxicKind.maximumCount)], ToxicKind.maximumCount),
                ]
                var n = 0
                for (proxy, type, key, valid, maximum) in cases {
                    for value in valid {
                        n += 1
                        let r = try await API.call(
                            .POST, port, "/proxies/\(proxy)/toxics",
                            #"{"name":"v\#(n)","type":"\#(type)","attributes":{"\#(key)":\#(Int(value))}}"#)
                        #expect(r.status == 200, "\(type).\(key) = \(value): \(r.json ?? "")")
                    }
                    let invalid: [(String, String)] = [
                        ("-1", "must not be negative"),
                        ("\(maximum + 1)", "must be at most \(maximum)"),
                        ("9223372036854775807", "must be a whole number"),
                        ("1e308", "must be a whole number"),
                        ("-1e308", "must be a whole number"),
                        ("0.5", "must be a whole number"),
                    ]
                    for (text, message) in invalid {
                        n += 1
                        let r = try await API.call(
                            .POST, port, "/proxies/\(proxy)/toxics",
                            #"{"name":"x\#(n)","type":"\#(type)","attributes":{"\#(key)":\#(text)}}"#)
                        #expect(r.status == 400, "\(type).\(key) = \(text)")
                        let error = API.object(r.json)["error"] as? String ?? ""
                        #expect(error.contains(message), "\(type).\(key) = \(text): \(error)")
                    }
                }
                // Shares, toxicity and HTTP statuses; 1e400 and NaN are not JSON numbers: a bad request body.
                for body in [
                    #"{"name":"s1","type":"latency","toxicity":1e308}"#,
                    #"{"name":"s2","type":"latency","toxicity":-1}"#,
                    #"{"name":"s3","type":"http_error","attributes":{"rate":1e308}}"#,
                    #"{"name":"s4","type":"http_error","attributes":{"status":1e308}}"#,
                    #"{"name":"s5","type":"http_error","attributes":{"status":0}}"#,
                    #"{"name":"s6","type":"blackhole","attributes":{"rate":-0.1}}"#,
                    #"{"name":"s7","type":"latency","attributes":{"latency":1e400}}"#,
                    #"{"name":"s8","type":"latency","attributes":{"latency":NaN}}"#,
                ] {
                    let proxy = body.contains("http_") || body.contains("blackhole") ? "h" : "t"
                    #expect(try await API.call(.POST, port, "/proxies/\(proxy)/toxics", body).status == 400, "\(body)")
                }
                // An update is held to the same limits and leaves the toxic as it was.
                let delayName = "huge-update"
                #expect(
                    try await API.call(
                        .POST, port, "/proxies/h/toxics",
                        #"{"name":"\#(delayName)","type":"http_delay","attributes":{"delay":10}}"#
                    ).status == 200)
                API.expectError(
                    try await API.call(
                        .PATCH, port, "/proxies/h/toxics/\(delayName)", #"{"attributes":{"delay":5e12}}"#), 400,
                    "invalid: http_delay.delay must be at most")
                let kept = API.object(try await API.call(.GET, port, "/proxies/h/toxics/\(delayName)").json)
                #expect((kept["attributes"] as? [String: Any])?["delay"] as? Int == 10)
            }
        }

        @Test("the largest bandwidth and slicer sizes still pass data (no overflow in their arithmetic)")
        func largestTCPValues() async throws {
            try await S.withTCPProxy { registry, info, _ in
                _ = try await registry.addToxic(
                    Toxic(kind: .bandwidth(rate: ToxicKind.maximumRate), stream: .downstream), to: "dep")
                _ = try await registry.addToxic(
                    Toxic(
                        kind: .slicer(
                            averageSize: ToxicKind.maximumSliceBytes, sizeVariation: ToxicKind.maximumSliceBytes,
                            delay: 0), stream: .upstream), to: "dep")
                let connection = try await S.connect(info)
                #expect(try await S.pingRoundTrip(connection, count: 1) != nil)
                await connection.close()
                // The drill side builds kinds directly; validation holds them to the same limits.
                for kind in [
                    ToxicKind.latency(latency: .max, jitter: 0), .timeout(timeout: ToxicKind.maximumMilliseconds + 1),
                    .slicer(averageSize: 1, sizeVariation: 0, delay: .max), .bandwidth(rate: .max),
                    .limitData(bytes: .max), .failFirst(count: .max, status: 503),
                ] {
                    #expect(throws: FaultProxyError.self, "\(kind)") {
                        try Toxic(name: "big", kind: kind).validate()
                    }
                }
            }
        }
    }
}
