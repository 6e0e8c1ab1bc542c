import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import StormDrillFaults

/// Helpers for the fault proxy tests: an in-process line-protocol upstream (the probe responder), raw client
/// connections that record arrival times, and round-trip measurements.
enum FaultTestSupport {
    /// A registry with one TCP proxy in front of a fresh line-protocol upstream; everything is stopped afterwards.
    @discardableResult
    static func withTCPProxy<T>(
        _ body: (ProxyRegistry, ProxyInfo, ProbeResponder) async throws -> T
    ) async throws -> T {
        let upstream = try await ProbeResponder.start(http: false)
        let registry = ProxyRegistry(logger: quietLogger)
        do {
            let info = try await registry.create(name: "dep", upstream: upstream.address.description)
            let value = try await body(registry, info, upstream)
            await registry.shutdown()
            await upstream.stop()
            return value
        } catch {
            await registry.shutdown()
            await upstream.stop()
            throw error
        }
    }

    /// Warnings only, so test output stays readable.
    static var quietLogger: Logger {
        var logger = Logger(label: "stormdrill.faults.test")
        logger.logLevel = .warning
        return logger
    }

    static func connect(_ info: ProxyInfo, http: Bool = false) async throws -> ProbeConnection {
        try await ProbeConnection.connect(to: info.listen, http: http)
    }

    static func text(_ record: ProbeConnection.Record) -> String {
        record.received.getString(at: record.received.readerIndex, length: record.received.readableBytes) ?? ""
    }

    /// Sends PING and waits for the n-th PONG on the connection; returns the round trip in milliseconds (nil on
    /// timeout), measured to the moment the answer's bytes were read.
    static func pingRoundTrip(
        _ connection: ProbeConnection, count: Int, timeout: TimeAmount = .seconds(3)
    ) async throws
        -> Double?
    {
        let start = NIODeadline.now()
        try await connection.send("PING\n")
        let (met, record) = await connection.wait(timeout: timeout) {
            text($0).components(separatedBy: "PONG\n").count - 1 >= count
        }
        guard met, let last = record.lastReadAt else { return nil }
        return Double((last - start).nanoseconds) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func milliseconds(_ from: NIODeadline, _ to: NIODeadline) -> Double {
        Double((to - from).nanoseconds) / 1e6
    }
}
