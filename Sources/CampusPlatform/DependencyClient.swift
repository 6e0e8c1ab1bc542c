import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Calls one dependency over HTTP through the shared `HTTPClient`. In the resilient profile each call has a timeout,
/// failed calls are retried a bounded number of times with full jitter, and a ``CircuitBreaker`` rejects calls while
/// the dependency is failing; in the fragile profile a call is one attempt with a long timeout and no breaker.
///
/// A failure is a connection error, a timeout, a 5xx or a 429; any other answer (including a 409 "gate closed") is
/// the dependency's word and is returned as it is.
final class DependencyClient: Sendable {
    enum Outcome: Sendable {
        /// The dependency answered (2xx or a 4xx business answer).
        case answered(status: Int, body: [UInt8])
        /// Every attempt failed; the last reason.
        case failed(String)
        /// The breaker is open: no call was made.
        case rejected
    }

    let dependency: Dependency
    let baseURL: String
    private let client: HTTPClient
    private let resilient: Bool
    private let timing: CampusTiming
    private let breaker: Mutex<CircuitBreaker>
    private let monitor: IncidentMonitor
    private let metrics: CampusMetrics

    init(
        dependency: Dependency, baseURL: String, client: HTTPClient, profile: CampusProfile, timing: CampusTiming,
        monitor: IncidentMonitor, metrics: CampusMetrics
    ) {
        self.dependency = dependency
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.resilient = profile == .resilient
        self.timing = timing
        self.monitor = monitor
        self.metrics = metrics
        breaker = Mutex(
            CircuitBreaker(
                failureThreshold: timing.breakerFailureThreshold,
                openDuration: TimeAmount(timing.breakerOpenDuration)))
        metrics.set("campus_breaker_state", [("dependency", dependency.rawValue)], 0)
    }

    /// The breaker's state: closed, open or half-open (always closed in the fragile profile).
    var breakerState: String { breaker.withLock { $0.name } }

    /// `POST path` with a JSON body.
    func post(_ path: String, _ body: some Encodable) async -> Outcome {
        let bytes: ByteBuffer
        do {
            bytes = ByteBuffer(bytes: try JSONEncoder().encode(body))
        } catch {
            return .failed("unencodable request")
        }
        guard resilient else { return await attempt(path, bytes, timeout: .seconds(30)) }
        let attempts = 1 + max(0, timing.retries)
        var last = "no attempt"
        for n in 0..<attempts {
            let (action, transition) = breaker.withLock { $0.callRequested(now: .now()) }
            report(transition)
            if action == .reject {
                metrics.count(
                    "campus_dependency_calls_total", [("dependency", dependency.rawValue), ("outcome", "rejected")])
                return n == 0 ? .rejected : .failed(last)
            }
            let outcome = await attempt(path, bytes, timeout: TimeAmount(timing.dependencyTimeout))
            switch outcome {
            case .answered:
                report(breaker.withLock { $0.callSucceeded() })
                return outcome
            case .failed(let reason):
                last = reason
                report(breaker.withLock { $0.callFailed(now: .now()) })
                if action == .probe || n == attempts - 1 { return outcome }
                let ceiling = timing.retryBackoff * (1 << n)
                let nanos =
                    Int64(ceiling.components.seconds) * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
                try? await Task.sleep(nanoseconds: UInt64.random(in: 0...UInt64(max(1, nanos))))
            case .rejected:
                return outcome
            }
        }
        return .failed(last)
    }

    private func attempt(_ path: String, _ body: ByteBuffer, timeout: TimeAmount) async -> Outcome {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        let started = NIODeadline.now()
        let outcome: Outcome
        do {
            let response = try await client.execute(request, deadline: started + timeout)
            let data = try await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            if status >= 500 || status == 429 {
                outcome = .failed("HTTP \(status)")
            } else {
                outcome = .answered(status: status, body: Array(data.readableBytesView))
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            outcome = .failed("timeout")
        } catch {
            outcome = .failed("connection: \(String(describing: error).prefix(60))")
        }
        let nanos = Int64((NIODeadline.now() - started).nanoseconds)
        metrics.time("campus_dependency_duration_seconds", [("dependency", dependency.rawValue)], nanoseconds: nanos)
        switch outcome {
        case .answered:
            metrics.count("campus_dependency_calls_total", [("dependency", dependency.rawValue), ("outcome", "ok")])
            monitor.record(dependency, failed: false, at: .now())
        case .failed(let reason):
            let kind = reason == "timeout" ? "timeout" : reason.hasPrefix("HTTP") ? "http_5xx" : "connection"
            metrics.count("campus_dependency_calls_total", [("dependency", dependency.rawValue), ("outcome", "error")])
            metrics.count("campus_dependency_errors_total", [("dependency", dependency.rawValue), ("kind", kind)])
            monitor.record(dependency, failed: true, at: .now())
        case .rejected:
            break
        }
        return outcome
    }

    private func report(_ transition: CircuitBreaker.Transition) {
        guard transition != .none else { return }
        let name = breakerState
        monitor.breakerChanged(dependency, to: name)
        let value: Double = name == "open" ? 2 : name == "half-open" ? 1 : 0
        metrics.set("campus_breaker_state", [("dependency", dependency.rawValue)], value)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
