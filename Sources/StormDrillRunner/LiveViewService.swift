import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import StormDrillLive

/// The live server as a service of the drill's group: listens, reports its port, and if it cannot listen, records
/// why and returns (the drill then stops before its load starts, with that reason).
struct LiveViewService: Service {
    let options: LiveOptions
    let session: LiveSession
    let token: FacilitatorToken
    let logger: Logger
    let ports: AsyncStream<Int>.Continuation
    let failure: NIOLockedValueBox<String?>
    let metrics: (@Sendable () -> [UInt8])?

    func run() async throws {
        // Its own thread: serving the pages never waits behind the load engine's loops, nor delays them.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let ports = self.ports
        let server = LiveServer(
            host: options.host, port: options.port, session: session, token: token, eventLoopGroup: group,
            logger: logger, metrics: metrics, onRunning: { port in ports.yield(port) })
        do {
            try await server.run()
        } catch {
            failure.withLockedValue { $0 = String(String(describing: error).prefix(200)) }
        }
        ports.finish()
        try? await group.shutdownGracefully()
    }
}
