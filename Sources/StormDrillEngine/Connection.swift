import NIOCore

/// One pooled keep-alive connection of a loop.
/// Like its worker, lives on one event loop only, so its properties skip the runtime's exclusivity checks.
final class Connection {
    enum State { case unconnected, connecting, idle, busy, closing }

    let id: Int
    unowned let worker: LoopWorker
    @exclusivity(unchecked) var state = State.unconnected
    @exclusivity(unchecked) var channel: (any Channel)?
    /// The journey slot whose request is on this connection, or -1.
    @exclusivity(unchecked) var journey = -1
    @exclusivity(unchecked) var deadline: Int64 = 0
    @exclusivity(unchecked) var parser = HTTPResponseParser()
    @exclusivity(unchecked) var sendBuffer = ByteBufferAllocator().buffer(capacity: 512)
    @exclusivity(unchecked) var pendingError: String?

    init(id: Int, worker: LoopWorker) {
        self.id = id
        self.worker = worker
    }
}
