import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Verification probes for the drill driver to run after applying a fault. Honest by construction: a probe goes
/// through the proxy's real listener and real toxic chain (its connection is an ordinary accepted connection whose
/// toxicity is drawn like any other); only its upstream leg is swapped for an in-process responder, recognised by
/// the probe's loopback source port, so the probe measures the proxy and not the real dependency. HTTP faults are
/// forced for the probe's request with the `x-stormdrill-probe: <toxic>` header (honoured on probe connections
/// only, never counted in the toxic's statistics or `fail_first` budget).
extension ProxyRegistry {
    /// Slack allowed below a configured delay (timer and scheduling granularity).
    static let probeToleranceMilliseconds = 5.0
    /// How long "no answer" is awaited for black holes and held data.
    static let silenceMilliseconds: Int64 = 300
    /// The largest limit_data a probe checks (it sends that many bytes and 1,000 more).
    static let probeLimitBytes = 64 << 20

    /// Verifies a proxy is down: a TCP connect to its listen address is refused.
    public nonisolated func verifyDown(proxy name: String) async -> ProbeResult {
        guard let proxy = try? await faultProxy(name) else {
            return ProbeResult(proxy: name, toxic: nil, verified: false, evidence: "proxy not found")
        }
        let info = proxy.info
        let target = info.listen.connectable
        let start = NIODeadline.now()
        let outcome = ProbeConnection.tryConnect(to: target)
        let ms = Self.milliseconds(since: start)
        switch outcome {
        case .success:
            return ProbeResult(
                proxy: name, toxic: nil, verified: false,
                evidence: "a connect to \(target) was accepted (proxy enabled: \(info.enabled))",
                measuredMilliseconds: ms)
        case .failure(let failure):
            let refused = failure.code == ECONNREFUSED
            return ProbeResult(
                proxy: name, toxic: nil, verified: refused,
                evidence: "connect to \(target) \(refused ? "refused (ECONNREFUSED)" : "failed: \(failure)") in "
                    + Self.format(ms),
                measuredMilliseconds: ms)
        }
    }

    /// Verifies a proxy is up and passes traffic: a probe round trip through its listener and toxic chains (HTTP
    /// faults are not forced, so they do not affect it).
    public nonisolated func verifyUp(proxy name: String) async -> ProbeResult {
        guard let proxy = try? await faultProxy(name) else {
            return ProbeResult(proxy: name, toxic: nil, verified: false, evidence: "proxy not found")
        }
        guard proxy.isEnabled else {
            return ProbeResult(proxy: name, toxic: nil, verified: false, evidence: "proxy is disabled")
        }
        let http = proxy.proto == .http
        do {
            return try await Self.session(proxy, httpClient: http) { connection, _, _ in
                let start = NIODeadline.now()
                if http {
                    try await connection.sendRequest(path: "/", headers: [])
                    let (met, record) = await connection.wait(timeout: .seconds(3)) { !$0.responses.isEmpty }
                    let ms = Self.milliseconds(since: start)
                    let ok = met && record.responses[0].status == 200
                    return ProbeResult(
                        proxy: name, toxic: nil, verified: ok,
                        evidence: ok
                            ? "probe request through \(proxy.listen) answered 200 in \(Self.format(ms))"
                            : "probe request through \(proxy.listen) not answered 200 within 3 s",
                        measuredMilliseconds: ms)
                }
                try await connection.send("PING\n")
                let (met, _) = await connection.wait(timeout: .seconds(1)) { Self.text($0).contains("PONG\n") }
                let ms = Self.milliseconds(since: start)
                return ProbeResult(
                    proxy: name, toxic: nil, verified: met,
                    evidence: met
                        ? "probe round trip through \(proxy.listen) in \(Self.format(ms))"
                        : "no probe answer through \(proxy.listen) within 1 s",
                    measuredMilliseconds: ms)
            }
        } catch {
            return ProbeResult(proxy: name, toxic: nil, verified: false, evidence: "probe failed: \(error)")
        }
    }

    /// Verifies a toxic acts as configured, by measuring its effect on a probe connection: latency as a round trip
    /// of at least latency − jitter, bandwidth as a transfer no faster than the rate, a close or reset at the
    /// configured time, sliced or cut-off data, an HTTP status, delay or missing answer. A toxic with toxicity
    /// below 1 may not be drawn for a probe connection; up to 5 are tried and the evidence says how many were
    /// drawn.
    public nonisolated func verify(proxy name: String, toxic toxicName: String) async -> ProbeResult {
        guard let proxy = try? await faultProxy(name) else {
            return ProbeResult(proxy: name, toxic: toxicName, verified: false, evidence: "proxy not found")
        }
        guard let toxic = try? proxy.toxic(named: toxicName) else {
            return ProbeResult(proxy: name, toxic: toxicName, verified: false, evidence: "toxic not found")
        }
        guard proxy.isEnabled else {
            return ProbeResult(
                proxy: name, toxic: toxicName, verified: false, evidence: "proxy is disabled: no probe can pass it")
        }
        let attempts = toxic.toxic.kind.isHTTP || toxic.toxic.toxicity >= 1 ? 1 : 5
        var notDrawn = 0
        for _ in 0..<attempts {
            do {
                let (result, drawn) = try await Self.probe(proxy, toxic)
                if drawn {
                    guard notDrawn > 0 else { return result }
                    var r = result
                    r.evidence +=
                        " (toxicity \(toxic.toxic.toxicity): \(notDrawn) earlier probe connection"
                        + "\(notDrawn == 1 ? " was" : "s were") not drawn)"
                    return r
                }
                notDrawn += 1
            } catch {
                return ProbeResult(proxy: name, toxic: toxicName, verified: false, evidence: "probe failed: \(error)")
            }
        }
        return ProbeResult(
            proxy: name, toxic: toxicName, verified: false,
            evidence:
                "toxicity \(toxic.toxic.toxicity): none of \(attempts) probe connections was drawn for the toxic, "
                + "so its effect could not be observed (it still applies to that share of real connections)")
    }

    // MARK: one probe connection

    /// Runs one probe for `toxic`; `drawn` is false if the connection was not selected by the toxicity draw.
    private static func probe(_ proxy: FaultProxy, _ info: ToxicInfo) async throws -> (ProbeResult, drawn: Bool) {
        let toxic = info.toxic
        let name = proxy.name
        func result(_ verified: Bool, _ evidence: String, _ ms: Double? = nil) -> ProbeResult {
            ProbeResult(
                proxy: name, toxic: toxic.name, verified: verified, evidence: evidence, measuredMilliseconds: ms)
        }
        if toxic.kind.isHTTP {
            return (try await probeHTTPFault(proxy, info, result), true)
        }
        let http = proxy.proto == .http
        let down = toxic.stream == .downstream
        return try await session(proxy, httpClient: false) { connection, responder, route in
            let connectedAt = NIODeadline.now()
            // A plain request and its answer: PING/PONG, or a small HTTP GET on an HTTP proxy.
            let request = http ? "GET /probe HTTP/1.1\r\nhost: stormdrill-probe\r\n\r\n" : "PING\n"
            let answer = http ? "stormdrill probe responder\n" : "PONG\n"
            func drawn() async -> Bool {
                _ = await connection.wait(timeout: .milliseconds(50)) { _ in route.selected[toxic.name] != nil }
                return route.selected[toxic.name] ?? true
            }
            switch toxic.kind {
            case .latency(let latency, let jitter):
                let start = NIODeadline.now()
                try await connection.send(request)
                let bound = TimeAmount.milliseconds(Int64(latency + jitter) + 1000)
                let (met, record) = await connection.wait(timeout: bound) { text($0).hasSuffix(answer) }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                guard met, let last = record.lastReadAt else {
                    return (result(false, "no probe answer within \(format(Double(bound.nanoseconds) / 1e6))"), true)
                }
                let rtt = Double((last - start).nanoseconds) / 1e6
                let floor = Double(latency - jitter) - probeToleranceMilliseconds
                return (
                    result(
                        rtt >= floor,
                        "probe round trip \(format(rtt)) with latency \(latency)±\(jitter) ms on \(toxic.stream)"
                            + " (expected ≥ \(format(floor)))", rtt), true
                )
            case .timeout(let timeout):
                try await connection.send(request)
                if timeout == 0 {
                    let (_, record) = await connection.wait(timeout: .milliseconds(silenceMilliseconds)) {
                        $0.received.readableBytes > 0 || $0.closedAt != nil
                    }
                    guard await drawn() else { return (result(false, "not drawn"), false) }
                    let silent = record.received.readableBytes == 0 && record.closedAt == nil
                    return (
                        result(
                            silent,
                            silent
                                ? "no answer in \(silenceMilliseconds) ms and the connection stays open (timeout 0 "
                                    + "holds data)"
                                    + (down ? "" : "; the responder received \(responder.seen.bytesReceived) bytes")
                                : "the probe got \(record.received.readableBytes) bytes or a close within "
                                    + "\(silenceMilliseconds) ms"), true
                    )
                }
                let (met, record) = await connection.wait(timeout: .milliseconds(Int64(timeout) + 3000)) {
                    $0.closedAt != nil
                }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                guard met, let closedAt = record.closedAt else {
                    return (result(false, "the connection was not closed within \(timeout + 3000) ms"), true)
                }
                let ms = Double((closedAt - connectedAt).nanoseconds) / 1e6
                let floor = Double(timeout) - probeToleranceMilliseconds
                let noData = !text(record).contains(answer)
                return (
                    result(
                        ms >= floor && noData,
                        "connection closed \(format(ms)) after connecting with no answer passed"
                            + " (timeout \(timeout) ms, expected ≥ \(format(floor)))", ms), true
                )
            case .resetPeer(let timeout):
                let start = NIODeadline.now()
                try await connection.send(request)
                let (met, record) = await connection.wait(timeout: .milliseconds(Int64(timeout) + 3000)) {
                    $0.closedAt != nil
                }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                guard met, let closedAt = record.closedAt else {
                    return (result(false, "the connection was not reset within \(timeout + 3000) ms"), true)
                }
                let ms = Double((closedAt - start).nanoseconds) / 1e6
                let floor = Double(timeout) - probeToleranceMilliseconds
                return (
                    result(
                        record.wasReset && ms >= floor,
                        "connection \(record.wasReset ? "reset (ECONNRESET)" : "closed without a reset") "
                            + "\(format(ms)) after the request (timeout \(timeout) ms, expected ≥ \(format(floor)))",
                        ms), true
                )
            default:
                break
            }
            guard !http else {
                return (
                    result(false, "the probe measures \(toxic.kind.typeName) on tcp proxies only; this proxy is http"),
                    true
                )
            }
            switch toxic.kind {
            case .bandwidth(let rate):
                guard rate > 0 else {
                    return (result(true, "rate 0 is unlimited: the toxic passes data unchanged"), true)
                }
                let bytes = min(max(rate * 300, 2048), 4 << 20)
                let expected = Double(bytes) / Double(rate)
                let start = NIODeadline.now()
                let (met, record): (Bool, ProbeConnection.Record)
                if down {
                    try await connection.send("SEND \(bytes)\n")
                    (met, record) = await connection.wait(timeout: .milliseconds(Int64(expected * 3) + 3000)) {
                        $0.received.readableBytes >= bytes
                    }
                } else {
                    var payload = ByteBuffer(string: "RECV \(bytes)\n")
                    payload.writeRepeatingByte(UInt8(ascii: "y"), count: bytes)
                    try await connection.send(payload)
                    (met, record) = await connection.wait(timeout: .milliseconds(Int64(expected * 3) + 3000)) {
                        text($0).contains("GOT \(bytes)\n")
                    }
                }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                guard met, let last = record.lastReadAt else {
                    return (result(false, "\(bytes) bytes did not pass within \(Int(expected * 3) + 3000) ms"), true)
                }
                let ms = Double((last - start).nanoseconds) / 1e6
                let measured = Double(bytes) / ms
                return (
                    result(
                        ms >= expected * 0.7,
                        "\(bytes) bytes \(toxic.stream) in \(format(ms)) = \(format(measured, unit: " KB/s"))"
                            + " (rate \(rate) KB/s, expected ≥ \(format(expected * 0.7)))", ms), true
                )
            case .slowClose(let delay):
                let start: NIODeadline
                let closedAt: NIODeadline?
                if down {
                    start = NIODeadline.now()
                    try await connection.send("CLOSE\n")
                    let (_, record) = await connection.wait(timeout: .milliseconds(Int64(delay) + 3000)) {
                        $0.closedAt != nil
                    }
                    closedAt = record.closedAt
                } else {
                    try await connection.send("PING\n")
                    _ = await connection.wait(timeout: .seconds(3)) { text($0).contains("PONG\n") }
                    start = NIODeadline.now()
                    await connection.close()
                    closedAt = await responder.closed(before: start + .milliseconds(Int64(delay) + 3000))
                }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                guard let closedAt else {
                    return (result(false, "the close did not arrive within \(delay + 3000) ms"), true)
                }
                let ms = Double((closedAt - start).nanoseconds) / 1e6
                let floor = Double(delay) - probeToleranceMilliseconds
                return (
                    result(
                        ms >= floor,
                        "the close reached the \(down ? "client" : "responder") \(format(ms)) after it was made"
                            + " (delay \(delay) ms, expected ≥ \(format(floor)))", ms), true
                )
            case .slicer(let average, let variation, let delay):
                let bytes = min(max(max(average, 1) * 8, 1024), 256 << 10)
                let reads: Int
                if down {
                    try await connection.send("SEND \(bytes)\n")
                    let (_, record) = await connection.wait(timeout: .seconds(5)) { $0.received.readableBytes >= bytes }
                    reads = record.received.readableBytes >= bytes ? record.reads : 0
                } else {
                    var payload = ByteBuffer(string: "RECV \(bytes)\n")
                    payload.writeRepeatingByte(UInt8(ascii: "y"), count: bytes)
                    try await connection.send(payload)
                    let (met, _) = await connection.wait(timeout: .seconds(5)) { text($0).contains("GOT \(bytes)\n") }
                    reads = met ? responder.seen.reads : 0
                }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                let pieces = max(1, bytes / max(average, 1))
                return (
                    result(
                        reads >= 2,
                        reads == 0
                            ? "\(bytes) bytes did not pass within 5 s"
                            : "\(bytes) bytes arrived in \(reads) reads (average_size \(average), size_variation"
                                + " \(variation), delay \(delay) µs: about \(pieces) slices"
                                + (delay == 0 ? "; without a delay the kernel may merge them)" : ")")
                    ),
                    true
                )
            case .limitData(let limit):
                // The probe sends limit + 1000 bytes in one buffer; a limit of a terabyte would exhaust memory.
                guard limit <= probeLimitBytes else {
                    return (
                        result(
                            false,
                            "limit_data \(limit) bytes is above what a probe sends (\(probeLimitBytes) bytes); "
                                + "not probed"), true
                    )
                }
                if down {
                    try await connection.send("SEND \(limit + 1000)\n")
                    let (met, record) = await connection.wait(timeout: .seconds(3)) { $0.closedAt != nil }
                    guard await drawn() else { return (result(false, "not drawn"), false) }
                    let got = record.received.readableBytes
                    return (
                        result(
                            met && got == limit,
                            "the client received \(got) of \(limit + 1000) bytes, then the connection "
                                + "\(met ? "closed" : "stayed open") (limit_data \(limit) bytes)"), true
                    )
                }
                var payload = ByteBuffer(string: "RECV \(limit + 1000)\n")
                payload.writeRepeatingByte(UInt8(ascii: "y"), count: limit + 1000)
                let sent = payload.readableBytes
                try await connection.send(payload)
                let (met, _) = await connection.wait(timeout: .seconds(3)) { $0.closedAt != nil }
                // The client's side may close before the responder has read what the proxy passed upstream:
                // the upstream close arrives after those bytes, so wait (bounded) for it before counting.
                if met { _ = await responder.closed(before: .now() + .seconds(2)) }
                guard await drawn() else { return (result(false, "not drawn"), false) }
                let got = responder.seen.bytesReceived
                return (
                    result(
                        met && got == limit,
                        "the responder received \(got) of \(sent) bytes, then the connection "
                            + "\(met ? "closed" : "stayed open") (limit_data \(limit) bytes)"), true
                )
            default:
                return (result(false, "no probe for \(toxic.kind.typeName)"), true)
            }
        }
    }

    private static func probeHTTPFault(
        _ proxy: FaultProxy, _ info: ToxicInfo, _ result: (Bool, String, Double?) -> ProbeResult
    ) async throws -> ProbeResult {
        let toxic = info.toxic
        return try await session(proxy, httpClient: true) { connection, responder, _ in
            let start = NIODeadline.now()
            try await connection.sendRequest(
                path: "/stormdrill-probe", headers: [(HTTPFaultHandler.probeHeader, toxic.name)])
            let counts =
                info.stats.map { "; real traffic so far: \($0.requestsSeen) seen, \($0.requestsFaulted) faulted" } ?? ""
            switch toxic.kind {
            case .httpError(let status, _, _), .failFirst(_, let status):
                let (met, record) = await connection.wait(timeout: .seconds(3)) { !$0.responses.isEmpty }
                let ms = milliseconds(since: start)
                guard met, let response = record.responses.first else {
                    return result(false, "the forced probe request got no answer within 3 s", nil)
                }
                let upstream = responder.seen.requests
                return result(
                    response.status == status && upstream == 0,
                    "forced probe request answered \(response.status) by the proxy in \(format(ms)) "
                        + "(expected \(status)); the responder saw \(upstream) requests\(counts)", ms)
            case .httpDelay(let delay, let jitter, _):
                let bound = TimeAmount.milliseconds(Int64(delay + jitter) + 3000)
                let (met, record) = await connection.wait(timeout: bound) { !$0.responses.isEmpty }
                guard met, let response = record.responses.first else {
                    return result(false, "the forced probe request got no answer in time", nil)
                }
                let ms = Double((response.at - start).nanoseconds) / 1e6
                let floor = Double(delay - jitter) - probeToleranceMilliseconds
                return result(
                    ms >= floor && response.status == 200,
                    "forced probe request answered \(response.status) after \(format(ms)) "
                        + "(delay \(delay)±\(jitter) ms, expected ≥ \(format(floor)))\(counts)", ms)
            case .blackhole:
                let (_, record) = await connection.wait(timeout: .milliseconds(silenceMilliseconds)) {
                    !$0.responses.isEmpty || $0.closedAt != nil
                }
                let silent = record.responses.isEmpty && record.closedAt == nil
                let upstream = responder.seen.requests
                return result(
                    silent && upstream == 0,
                    silent
                        ? "forced probe request unanswered for \(silenceMilliseconds) ms with the connection open; "
                            + "the responder saw \(upstream) requests\(counts)"
                        : "the forced probe request was answered or closed within \(silenceMilliseconds) ms", nil)
            default:
                return result(false, "no probe for \(toxic.kind.typeName)", nil)
            }
        }
    }

    /// A responder, a probe route and a probe connection through the proxy's listener; always cleaned up.
    private static func session<T>(
        _ proxy: FaultProxy, httpClient: Bool,
        _ body: (ProbeConnection, ProbeResponder, ProbeRoute) async throws -> T
    ) async throws -> T {
        let responder = try await ProbeResponder.start(http: proxy.proto == .http)
        let route = ProbeRoute(responder: responder.address)
        var port = 0
        do {
            let connection = try await ProbeConnection.connect(to: proxy.listen.connectable, http: httpClient) {
                port = $0
                proxy.registerProbe(port: $0, route: route)
            }
            do {
                let value = try await body(connection, responder, route)
                await connection.close()
                proxy.unregisterProbe(port: port)
                await responder.stop()
                return value
            } catch {
                await connection.close()
                throw error
            }
        } catch {
            if port != 0 { proxy.unregisterProbe(port: port) }
            await responder.stop()
            throw error
        }
    }

    // MARK: formatting

    private static func text(_ record: ProbeConnection.Record) -> String {
        record.received.getString(at: record.received.readerIndex, length: record.received.readableBytes) ?? ""
    }

    static func milliseconds(since start: NIODeadline) -> Double {
        Double((NIODeadline.now() - start).nanoseconds) / 1e6
    }

    static func format(_ ms: Double, unit: String = " ms") -> String {
        let tenths = (ms * 10).rounded() / 10
        return "\(tenths)\(unit)"
    }
}
