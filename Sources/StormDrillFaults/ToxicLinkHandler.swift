import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One direction's toxic chain for one connection, as the handler nearest the socket of the channel the data is
/// written to (the client's channel for `downstream`, the upstream's for `upstream`). Writes and the close pass
/// through the chain's stages in order; with no toxic they go straight to the socket. Toxics added, changed or
/// removed through `apply(_:)` take effect on the open connection, as in Toxiproxy.
final class ToxicLinkHandler: ChannelDuplexHandler, RemovableChannelHandler, ToxicStageOwner {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Pause reading the other side once this many bytes are held in stages; resume below the low mark.
    static let highWaterMark = 1 << 20
    static let lowWaterMark = 1 << 18

    let stream: ToxicStream
    private var context: ChannelHandlerContext?
    private var stages: [any ToxicStage] = []
    private var installed: [(id: UInt64, revision: Int, stage: any ToxicStage, selected: Bool, name: String)] = []
    private var limitStates: [UInt64: LimitDataState] = [:]
    private var pending: [ToxicRuntime]?
    private var socketClosed = false
    private var bypass = false
    private(set) var held = 0
    private(set) var isPressured = false

    /// Called with true when held bytes pass the high-water mark and false when they fall below the low one.
    var onPressureChange: ((Bool) -> Void)?
    /// Called when a toxic resets the connection, so the other side is reset too.
    var onReset: (() -> Void)?
    /// Called after each change of the chain with the toxic names and whether this connection was selected.
    var onSelection: (([String: Bool]) -> Void)?

    init(stream: ToxicStream) {
        self.stream = stream
    }

    var eventLoop: any EventLoop { context!.eventLoop }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let pending {
            self.pending = nil
            apply(pending)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
        self.context = nil
    }

    // MARK: Chain changes

    /// Makes the chain match `toxics` (all of the proxy's; those of the other stream and HTTP faults are skipped).
    /// Kept toxics keep their state and held data; data held by removed or changed ones moves on without loss.
    func apply(_ toxics: [ToxicRuntime]) {
        guard context != nil else {
            pending = toxics
            return
        }
        guard !bypass else { return }
        let wanted = toxics.filter { $0.toxic.stream == stream && !$0.toxic.kind.isHTTP }
        let old = installed
        var next: [(id: UInt64, revision: Int, stage: any ToxicStage, selected: Bool, name: String)] = []
        var replaced: [ObjectIdentifier: any ToxicStage] = [:]  // old stage -> its successor for held data
        var fresh: [any ToxicStage] = []
        for runtime in wanted {
            if let kept = old.first(where: { $0.id == runtime.id }), kept.revision == runtime.revision {
                next.append(kept)
                continue
            }
            let selected = runtime.toxic.toxicity >= 1 || Double.random(in: 0..<1) < runtime.toxic.toxicity
            let state = limitStates[runtime.id] ?? LimitDataState()
            limitStates[runtime.id] = state
            let stage = ToxicStageFactory.make(runtime.toxic.kind, selected: selected, owner: self, limitState: state)
            if let previous = old.first(where: { $0.id == runtime.id }) {
                replaced[ObjectIdentifier(previous.stage)] = stage
            }
            next.append((runtime.id, runtime.revision, stage, selected, runtime.toxic.name))
            fresh.append(stage)
        }
        installed = next
        stages = next.map(\.stage)
        for (i, stage) in stages.enumerated() { stage.index = i }
        let live = Set(next.map(\.id))
        limitStates = limitStates.filter { live.contains($0.key) }
        for stage in fresh { stage.start() }

        // Held data moves on, last stage first: what a later stage holds is older than what an earlier one holds.
        for (position, entry) in old.enumerated().reversed() where !next.contains(where: { $0.stage === entry.stage }) {
            let events = entry.stage.drain()
            if let successor = replaced[ObjectIdentifier(entry.stage)] {
                for event in events { successor.receive(event) }
            } else {
                // Its place in the new chain: the first kept stage that followed it, or the socket.
                let follower = old[(position + 1)...].first { e in next.contains { $0.stage === e.stage } }
                let target = follower.flatMap { f in stages.firstIndex { $0 === f.stage } }
                for event in events { deliver(event, at: target) }
            }
        }
        onSelection?(Dictionary(next.map { ($0.name, $0.selected) }, uniquingKeysWith: { a, _ in a }))
    }

    private func deliver(_ event: StreamEvent, at index: Int?) {
        if let index { stages[index].receive(event) } else { toSocket(event) }
    }

    /// Closes at once, skipping every toxic (a proxy being disabled or deleted).
    func abort(reset: Bool = false) {
        bypass = true
        tearDown()
        guard let context, context.channel.isActive else { return }
        socketClosed = true
        if reset { Self.setLingerZero(context.channel) }
        // Even if a graceful close is under way: it may wait on a peer that never reads.
        context.close(promise: nil)
    }

    private func tearDown() {
        let events = stages.reversed().flatMap { $0.drain() }
        stages = []
        installed = []
        for event in events { event.discard(failing: ChannelError.ioOnClosedChannel) }
        updatePressure()
    }

    // MARK: ToxicStageOwner

    func emit(_ event: StreamEvent, after index: Int) {
        if index + 1 < stages.count {
            stages[index + 1].receive(event)
        } else {
            toSocket(event)
        }
    }

    func adjustHeld(by delta: Int) {
        held += delta
        updatePressure()
    }

    private func updatePressure() {
        if stages.isEmpty { held = 0 }
        if !isPressured && held > Self.highWaterMark {
            isPressured = true
            onPressureChange?(true)
        } else if isPressured && held < Self.lowWaterMark {
            isPressured = false
            onPressureChange?(false)
        }
    }

    private func toSocket(_ event: StreamEvent) {
        guard let context, !socketClosed else {
            event.discard(failing: ChannelError.ioOnClosedChannel)
            return
        }
        switch event {
        case .data(let buffer, _, let promise):
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
        case .close(let reset, let promise):
            socketClosed = true
            if reset {
                Self.setLingerZero(context.channel)
                onReset?()
                context.close(mode: .all, promise: promise)
            } else {
                closeAfterPendingWrites(context: context, promise: promise)
            }
        }
    }

    /// Closes once every write before it has reached the socket (NIO fails writes still pending at a close, which
    /// would cut off the end of a response the peer sent just before closing).
    private func closeAfterPendingWrites(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let barrier = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: barrier)
        barrier.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .all, promise: promise)
        }
    }

    static func setLingerZero(_ channel: any Channel) {
        if let provider = channel as? any SocketOptionProvider {
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
    }

    // MARK: ChannelHandler

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let data = unwrapOutboundIn(data)
        guard !stages.isEmpty, case .byteBuffer(let buffer) = data else {
            context.write(wrapOutboundOut(data), promise: promise)
            return
        }
        stages[0].receive(.data(buffer, readAt: context.eventLoop.now, promise: promise))
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !bypass else {
            context.close(mode: mode, promise: promise)
            return
        }
        guard !stages.isEmpty else {
            if socketClosed {
                context.close(mode: mode, promise: promise)
            } else {
                socketClosed = true
                closeAfterPendingWrites(context: context, promise: promise)
            }
            return
        }
        stages[0].receive(.close(reset: false, promise: promise))
    }

    func channelInactive(context: ChannelHandlerContext) {
        socketClosed = true
        tearDown()
        context.fireChannelInactive()
    }
}

/// A toxic as a connection applies it: its registry id and revision (bumped on every update) and configuration.
struct ToxicRuntime: Sendable {
    var id: UInt64
    var revision: Int
    var toxic: Toxic
    /// Shared counters and `fail_first` budget for HTTP faults.
    var http: HTTPToxicCounters?
}
