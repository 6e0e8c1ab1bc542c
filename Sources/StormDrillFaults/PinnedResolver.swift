import NIOCore
import NIOPosix

/// A NIO resolver that answers every query with the addresses the proxy's rules checked when the proxy was
/// created, so an upstream name is not looked up again at connect time (a name that later resolves elsewhere
/// cannot redirect the proxy). NIO's Happy Eyeballs still tries IPv6 and IPv4 addresses as usual.
struct PinnedResolver: Resolver, Sendable {
    let addresses: [SocketAddress]
    let eventLoop: any EventLoop

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { $0.protocol == .inet })
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { $0.protocol == .inet6 })
    }

    func cancelQueries() {}
}
