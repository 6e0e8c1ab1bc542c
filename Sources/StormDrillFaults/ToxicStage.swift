import NIOCore

/// What flows through one direction's toxic chain: data with the time the proxy read it, or the close of the
/// connection (a reset closes with TCP RST). The promise is the writer's, completed when the bytes reach the socket,
/// are dropped by a toxic (succeeded: a toxic swallowing data is not the writer's error) or can never be written.
enum StreamEvent {
    case data(ByteBuffer, readAt: NIODeadline, promise: EventLoopPromise<Void>?)
    case close(reset: Bool, promise: EventLoopPromise<Void>?)

    var byteCount: Int {
        if case .data(let buffer, _, _) = self { return buffer.readableBytes }
        return 0
    }

    /// Completes the promise of an event that will not be written.
    func discard(failing error: (any Error)? = nil) {
        switch self {
        case .data(_, _, let promise), .close(_, let promise):
            if let error { promise?.fail(error) } else { promise?.succeed(()) }
        }
    }
}

/// Where a stage hands its output and reports what it holds; implemented by `ToxicLinkHandler`.
protocol ToxicStageOwner: AnyObject {
    var eventLoop: any EventLoop { get }
    /// Passes `event` to the stage after `index`, or to the socket after the last one.
    func emit(_ event: StreamEvent, after index: Int)
    /// Bytes held inside stages changed by `delta` (for back-pressure on the reading side).
    func adjustHeld(by delta: Int)
}

/// One toxic on one connection's direction: a small state machine on the connection's event loop. Data that a
/// stage holds when it is removed or reconfigured is handed back by `drain()` (never dropped), as Toxiproxy's
/// interrupted toxics pass on what they hold.
protocol ToxicStage: AnyObject {
    /// Position in the chain, kept current by the owner.
    var index: Int { get set }
    /// Called once the stage is in its chain (timers that run from the start, such as `timeout`, begin here).
    func start()
    /// The next event from the stage before it (or the writer).
    func receive(_ event: StreamEvent)
    /// Stops timers and returns everything still held, oldest first.
    func drain() -> [StreamEvent]
}

extension ToxicStage {
    func start() {}
}

/// Builds the stage for a TCP toxic on one connection; `selected` is the toxicity draw for this connection.
enum ToxicStageFactory {
    static func make(
        _ kind: ToxicKind, selected: Bool, owner: any ToxicStageOwner, limitState: LimitDataState
    ) -> any ToxicStage {
        guard selected else { return PassStage(owner: owner) }
        switch kind {
        case .latency(let latency, let jitter): return LatencyStage(owner: owner, latency: latency, jitter: jitter)
        case .bandwidth(let rate): return BandwidthStage(owner: owner, rate: rate)
        case .slowClose(let delay): return SlowCloseStage(owner: owner, delay: delay)
        case .timeout(let timeout): return TimeoutStage(owner: owner, timeout: timeout)
        case .resetPeer(let timeout): return ResetPeerStage(owner: owner, timeout: timeout)
        case .slicer(let average, let variation, let delay):
            return SlicerStage(owner: owner, averageSize: average, sizeVariation: variation, delayMicroseconds: delay)
        case .limitData(let bytes): return LimitDataStage(owner: owner, bytes: bytes, state: limitState)
        case .httpError, .httpDelay, .failFirst, .blackhole: return PassStage(owner: owner)
        }
    }
}

/// A toxic that this connection was not selected for (toxicity), or one that acts elsewhere: passes everything on.
final class PassStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0

    init(owner: any ToxicStageOwner) { self.owner = owner }

    func receive(_ event: StreamEvent) { owner.emit(event, after: index) }
    func drain() -> [StreamEvent] { [] }
}

/// Per connection and direction: bytes a `limit_data` toxic has let through, kept across reconfiguration.
final class LimitDataState {
    var transmitted = 0
}
