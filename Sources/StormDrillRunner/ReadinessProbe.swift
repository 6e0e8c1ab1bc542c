import NIOCore
import NIOPosix
import StormDrillPlan

/// Asks an http:// URL for any HTTP answer: used to wait for a started target and to check that a killed target
/// refuses connections.
enum ReadinessProbe {
    enum Answer: Sendable, Hashable {
        /// The server answered with this status.
        case status(Int)
        /// Nothing listens there (connection refused).
        case refused
        /// Connected but no HTTP answer within the time limit, or another socket error.
        case noAnswer(String)
    }

    static func check(_ url: TargetURL, timeout: TimeAmount = .milliseconds(1000)) async -> Answer {
        let path = url.basePath.isEmpty ? "/" : url.basePath
        let request = "GET \(path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nConnection: close\r\n\r\n"
        let answer = await Deadline.first(within: .nanoseconds(timeout.nanoseconds) + .milliseconds(200)) {
            () -> Answer? in
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(timeout)
                    .connect(host: url.host, port: url.port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: request))
                    var head = ByteBuffer()
                    for try await chunk in inbound {
                        var c = chunk
                        head.writeBuffer(&c)
                        if head.readableBytes >= 12 { break }
                    }
                    let text = head.getString(at: head.readerIndex, length: min(head.readableBytes, 12)) ?? ""
                    // "HTTP/1.1 200"
                    if text.hasPrefix("HTTP/"), let code = Int(text.dropFirst(9).prefix(3)) {
                        return .status(code)
                    }
                    return .noAnswer("not an HTTP answer")
                }
            } catch let error as IOError where error.errnoCode == ECONNREFUSED {
                return .refused
            } catch let error as NIOConnectionError {
                if error.connectionErrors.contains(where: {
                    ($0.error as? IOError)?.errnoCode == ECONNREFUSED
                }) {
                    return .refused
                }
                return .noAnswer("connect failed")
            } catch {
                return .noAnswer(String("\(error)".prefix(80)))
            }
        }
        return answer ?? .noAnswer("no answer within \(timeout.nanoseconds / 1_000_000) ms")
    }
}
