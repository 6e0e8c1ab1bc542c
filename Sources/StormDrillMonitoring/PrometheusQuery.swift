import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Prometheus's HTTP API, as far as drills need it: instant queries (`GET /api/v1/query`), for PromQL probes,
/// `abortWhen` conditions, the `ALERTS` series and the tests' own checks.
public struct PrometheusQuery: Sendable {
    /// One sample of an instant vector (or a scalar, with no labels).
    public struct Sample: Sendable, Hashable {
        public var labels: [String: String]
        public var value: Double

        public init(labels: [String: String], value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept).
    public let baseURL: String
    let client: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, client: HTTPClient, timeout: TimeAmount = .seconds(5)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = client
        self.timeout = timeout
    }

    /// Evaluates `promQL` now; the samples of the vector (one for a scalar), or why not.
    public func instant(_ promQL: String) async throws(PrometheusQueryError) -> [Sample] {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        // `+` in a query string means a space to Prometheus's form parser: encode it.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var request = HTTPClientRequest(url: baseURL + "/api/v1/query?" + query)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let body: ByteBuffer
        let status: HTTPResponseStatus
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status
            body = try await response.body.collect(upTo: PrometheusQuery.maximumBody)
        } catch {
            throw .unreachable(baseURL, String(describing: error))
        }
        return try PrometheusQuery.parse(Array(body.readableBytesView), status: Int(status.code))
    }

    /// Larger answers are refused: a probe's query should return a handful of series.
    public static let maximumBody = 4 * 1024 * 1024

    /// Parses an instant query's JSON answer.
    public static func parse(_ bytes: [UInt8], status: Int) throws(PrometheusQueryError) -> [Sample] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .badAnswer(status, "not a JSON object")
        }
        guard object["status"] as? String == "success" else {
            let kind = object["errorType"] as? String ?? "error"
            let message = object["error"] as? String ?? "status \(status)"
            throw .rejected(kind, message)
        }
        guard let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw .badAnswer(status, "no data.resultType")
        }
        switch type {
        case "vector":
            guard let result = data["result"] as? [[String: Any]] else { throw .badAnswer(status, "no data.result") }
            return try result.map { entry throws(PrometheusQueryError) in
                let labels = (entry["metric"] as? [String: String]) ?? [:]
                guard let pair = entry["value"] as? [Any], pair.count == 2 else {
                    throw .badAnswer(status, "a sample without a value")
                }
                return Sample(labels: labels, value: try value(pair[1], status: status))
            }
        case "scalar":
            guard let pair = data["result"] as? [Any], pair.count == 2 else { throw .badAnswer(status, "no scalar") }
            return [Sample(labels: [:], value: try value(pair[1], status: status))]
        default:
            throw .badAnswer(status, "result type \(type.prefix(20)) (an instant query must give a vector or scalar)")
        }
    }

    private static func value(_ any: Any, status: Int) throws(PrometheusQueryError) -> Double {
        guard let text = any as? String else { throw .badAnswer(status, "a sample value that is not a string") }
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let v = Double(text) else { throw .badAnswer(status, "sample value \(text.prefix(20))") }
            return v
        }
    }
}

/// Why a Prometheus query gave no samples: short and bounded, as report text.
public struct PrometheusQueryError: Error, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case unreachable(String, String)
        case rejected(String, String)
        case badAnswer(Int, String)
    }

    private let kind: Kind

    static func unreachable(_ url: String, _ why: String) -> Self { Self(kind: .unreachable(url, why)) }
    static func rejected(_ type: String, _ message: String) -> Self { Self(kind: .rejected(type, message)) }
    static func badAnswer(_ status: Int, _ why: String) -> Self { Self(kind: .badAnswer(status, why)) }

    public var description: String {
        switch kind {
        case .unreachable(let url, let why):
            "cannot reach Prometheus at \(url.prefix(100)): \(why.prefix(120))"
        case .rejected(let type, let message):
            "Prometheus rejected the query (\(type.prefix(20))): \(message.prefix(160))"
        case .badAnswer(let status, let why):
            "Prometheus answered \(status) with something else than a query result: \(why.prefix(100))"
        }
    }
}
