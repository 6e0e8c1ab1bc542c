/// A toxic's type with its attributes, under Toxiproxy's names and units. Durations are in milliseconds unless said
/// otherwise; rates are shares from 0 to 1.
public enum ToxicKind: Sendable, Hashable {
    /// `latency`: every chunk is delivered `latency` ± `jitter` ms after it was read.
    case latency(latency: Int, jitter: Int)
    /// `bandwidth`: at most `rate` KB/s (1 KB = 1,000 bytes); 0 means unlimited.
    case bandwidth(rate: Int)
    /// `slow_close`: the close is passed on `delay` ms late.
    case slowClose(delay: Int)
    /// `timeout`: no data passes; the connection closes after `timeout` ms (0: data is held until it closes).
    case timeout(timeout: Int)
    /// `reset_peer`: on the first data, waits `timeout` ms and then resets the connection (TCP RST, SO_LINGER 0).
    case resetPeer(timeout: Int)
    /// `slicer`: chunks are cut into pieces of about `averageSize` ± `sizeVariation` bytes, `delay` µs apart.
    case slicer(averageSize: Int, sizeVariation: Int, delay: Int)
    /// `limit_data`: the connection closes once `bytes` bytes have passed.
    case limitData(bytes: Int)
    /// `http_error` (HTTP proxies): a share `rate` of requests is answered by the proxy with `status` (and `body`).
    case httpError(status: Int, rate: Double, body: String?)
    /// `http_delay` (HTTP proxies): a share `rate` of responses is held `delay` ± `jitter` ms.
    case httpDelay(delay: Int, jitter: Int, rate: Double)
    /// `fail_first` (HTTP proxies): the first `count` requests after the toxic is added fail with `status`.
    case failFirst(count: Int, status: Int)
    /// `blackhole` (HTTP proxies): a share `rate` of requests is accepted and never answered.
    case blackhole(rate: Double)

    /// Toxiproxy's type name (`latency`, `slow_close`, ...) or StormDrill's for the HTTP faults.
    public var typeName: String {
        switch self {
        case .latency: "latency"
        case .bandwidth: "bandwidth"
        case .slowClose: "slow_close"
        case .timeout: "timeout"
        case .resetPeer: "reset_peer"
        case .slicer: "slicer"
        case .limitData: "limit_data"
        case .httpError: "http_error"
        case .httpDelay: "http_delay"
        case .failFirst: "fail_first"
        case .blackhole: "blackhole"
        }
    }

    /// Every type name the proxy knows.
    public static let typeNames = [
        "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data",
        "http_error", "http_delay", "fail_first", "blackhole",
    ]

    /// True for the request-level faults that need a proxy with protocol `http`.
    public var isHTTP: Bool {
        switch self {
        case .httpError, .httpDelay, .failFirst, .blackhole: true
        default: false
        }
    }

    /// The kind with every attribute at its default (Toxiproxy's zero values; rate 1, status 503 for HTTP faults).
    public static func defaults(typeName: String) throws -> ToxicKind {
        switch typeName {
        case "latency": .latency(latency: 0, jitter: 0)
        case "bandwidth": .bandwidth(rate: 0)
        case "slow_close": .slowClose(delay: 0)
        case "timeout": .timeout(timeout: 0)
        case "reset_peer": .resetPeer(timeout: 0)
        case "slicer": .slicer(averageSize: 0, sizeVariation: 0, delay: 0)
        case "limit_data": .limitData(bytes: 0)
        case "http_error": .httpError(status: 503, rate: 1, body: nil)
        case "http_delay": .httpDelay(delay: 0, jitter: 0, rate: 1)
        case "fail_first": .failFirst(count: 1, status: 503)
        case "blackhole": .blackhole(rate: 1)
        default: throw FaultProxyError.invalidToxicType(typeName)
        }
    }

    /// The attributes as Toxiproxy's JSON object.
    var attributes: [String: JSONValue] {
        switch self {
        case .latency(let latency, let jitter):
            ["latency": .number(Double(latency)), "jitter": .number(Double(jitter))]
        case .bandwidth(let rate): ["rate": .number(Double(rate))]
        case .slowClose(let delay): ["delay": .number(Double(delay))]
        case .timeout(let timeout): ["timeout": .number(Double(timeout))]
        case .resetPeer(let timeout): ["timeout": .number(Double(timeout))]
        case .slicer(let average, let variation, let delay):
            [
                "average_size": .number(Double(average)), "size_variation": .number(Double(variation)),
                "delay": .number(Double(delay)),
            ]
        case .limitData(let bytes): ["bytes": .number(Double(bytes))]
        case .httpError(let status, let rate, let body):
            ["status": .number(Double(status)), "rate": .number(rate), "body": body.map { .string($0) } ?? .null]
        case .httpDelay(let delay, let jitter, let rate):
            ["delay": .number(Double(delay)), "jitter": .number(Double(jitter)), "rate": .number(rate)]
        case .failFirst(let count, let status): ["count": .number(Double(count)), "status": .number(Double(status))]
        case .blackhole(let rate): ["rate": .number(rate)]
        }
    }

    /// This kind with the given attributes laid over it (missing or `null` keep the current value), validated.
    func applying(_ attributes: [String: JSONValue]) throws -> ToxicKind {
        let f = JSONFields(attributes)
        let kind: ToxicKind
        switch self {
        case .latency(let latency, let jitter):
            kind = .latency(latency: try f.int("latency", latency), jitter: try f.int("jitter", jitter))
        case .bandwidth(let rate): kind = .bandwidth(rate: try f.int("rate", rate))
        case .slowClose(let delay): kind = .slowClose(delay: try f.int("delay", delay))
        case .timeout(let timeout): kind = .timeout(timeout: try f.int("timeout", timeout))
        case .resetPeer(let timeout): kind = .resetPeer(timeout: try f.int("timeout", timeout))
        case .slicer(let average, let variation, let delay):
            kind = .slicer(
                averageSize: try f.int("average_size", average), sizeVariation: try f.int("size_variation", variation),
                delay: try f.int("delay", delay))
        case .limitData(let bytes): kind = .limitData(bytes: try f.int("bytes", bytes))
        case .httpError(let status, let rate, let body):
            kind = .httpError(
                status: try f.int("status", status), rate: try f.double("rate", rate), body: try f.string("body", body))
        case .httpDelay(let delay, let jitter, let rate):
            kind = .httpDelay(
                delay: try f.int("delay", delay), jitter: try f.int("jitter", jitter), rate: try f.double("rate", rate))
        case .failFirst(let count, let status):
            kind = .failFirst(count: try f.int("count", count), status: try f.int("status", status))
        case .blackhole(let rate): kind = .blackhole(rate: try f.double("rate", rate))
        }
        try kind.validate()
        return kind
    }

    /// The longest duration an attribute may have: 168 h (as a plan's durations), in milliseconds.
    public static let maximumMilliseconds = 604_800_000
    /// The slicer's longest delay, 168 h in microseconds.
    public static let maximumMicroseconds = 604_800_000_000
    /// The highest bandwidth rate, in KB/s (1 TB/s).
    public static let maximumRate = 1_000_000_000
    /// The slicer's largest average size and size variation, in bytes (1 GiB).
    public static let maximumSliceBytes = 1 << 30
    /// limit_data's largest byte count (1 TiB).
    public static let maximumLimitBytes = 1 << 40
    /// fail_first's largest count.
    public static let maximumCount = 1_000_000_000

    /// Throws if an attribute is out of range: negative, above its maximum (durations at most 168 h, so no sum or
    /// product of them can overflow), rates outside 0...1, bad statuses.
    public func validate() throws {
        func bounded(_ value: Int, _ name: String, _ maximum: Int, _ unit: String) throws {
            if value < 0 { throw FaultProxyError.invalid("\(typeName).\(name) must not be negative") }
            if value > maximum {
                throw FaultProxyError.invalid("\(typeName).\(name) must be at most \(maximum) \(unit)")
            }
        }
        func duration(_ value: Int, _ name: String) throws {
            try bounded(value, name, Self.maximumMilliseconds, "ms (168 h)")
        }
        func share(_ value: Double, _ name: String) throws {
            if !(0...1).contains(value) { throw FaultProxyError.invalid("\(typeName).\(name) must be from 0 to 1") }
        }
        func status(_ value: Int) throws {
            if !(100...599).contains(value) { throw FaultProxyError.invalid("\(typeName).status must be 100 to 599") }
        }
        switch self {
        case .latency(let latency, let jitter):
            try duration(latency, "latency")
            try duration(jitter, "jitter")
        case .bandwidth(let rate): try bounded(rate, "rate", Self.maximumRate, "KB/s")
        case .slowClose(let delay): try duration(delay, "delay")
        case .timeout(let timeout), .resetPeer(let timeout): try duration(timeout, "timeout")
        case .slicer(let average, let variation, let delay):
            try bounded(average, "average_size", Self.maximumSliceBytes, "bytes")
            try bounded(variation, "size_variation", Self.maximumSliceBytes, "bytes")
            try bounded(delay, "delay", Self.maximumMicroseconds, "µs (168 h)")
        case .limitData(let bytes): try bounded(bytes, "bytes", Self.maximumLimitBytes, "bytes")
        case .httpError(let code, let rate, let body):
            try status(code)
            try share(rate, "rate")
            if let body, body.utf8.count > 65_536 { throw FaultProxyError.invalid("http_error.body is over 64 KiB") }
        case .httpDelay(let delay, let jitter, let rate):
            try duration(delay, "delay")
            try duration(jitter, "jitter")
            try share(rate, "rate")
        case .failFirst(let count, let code):
            try bounded(count, "count", Self.maximumCount, "requests")
            try status(code)
        case .blackhole(let rate): try share(rate, "rate")
        }
    }
}
