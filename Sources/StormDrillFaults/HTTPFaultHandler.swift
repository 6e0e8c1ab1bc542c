import NIOCore
import NIOHTTP1

/// The end of an HTTP proxy's client-side pipeline (after NIOHTTP1's request decoder and response encoder): decides
/// each request's fault, forwards passing requests over the paired upstream connection and answers faulted ones
/// itself, keeping responses in request order so keep-alive and pipelining work for the requests that pass.
final class HTTPFaultHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The header a probe connection names the toxic to force with.
    static let probeHeader = "x-stormdrill-probe"
    /// The header on responses the proxy made or delayed, naming the toxics that fired.
    static let faultHeader = "x-stormdrill-fault"
    static let maxQueuedRequests = 32
    static let maxHeldResponseBytes = 1 << 20

    /// One request's place in the response order.
    final class Slot {
        enum Kind {
            case forward
            case local(status: Int, body: String?, toxic: String)
            case blackhole
        }

        let kind: Kind
        let notBefore: NIODeadline?
        let keepAlive: Bool
        let version: HTTPVersion
        let isHead: Bool
        let fired: [String]
        var requestDone = false
        var parts: [HTTPClientResponsePart] = []
        var heldBytes = 0
        var upstreamDone = false
        var informational = false
        var responseCloses = false

        init(
            kind: Kind, notBefore: NIODeadline?, keepAlive: Bool, version: HTTPVersion, isHead: Bool, fired: [String]
        ) {
            self.kind = kind
            self.notBefore = notBefore
            self.keepAlive = keepAlive
            self.version = version
            self.isHead = isHead
            self.fired = fired
        }
    }

    /// The paired upstream connection's handler (same event loop).
    weak var upstream: HTTPUpstreamHandler?
    /// The downstream toxic chain in this channel.
    let link: ToxicLinkHandler
    let isProbe: Bool
    /// Called after a change of toxics with each HTTP toxic's name and whether this connection was drawn.
    var onSelection: (([String: Bool]) -> Void)?

    private var context: ChannelHandlerContext?
    private var toxics: [ToxicRuntime] = []
    private var selection: [UInt64: (revision: Int, selected: Bool)] = [:]
    private var slots = CircularBuffer<Slot>()
    private var awaitingUpstream = CircularBuffer<Slot>()
    private var forwardingBody = false
    private var localRequest: Slot?
    private var timer: Scheduled<Void>?
    private var upstreamClosed = false
    private var closing = false
    private var pendingRead = false
    private var heldBytes = 0
    private var needsFlush = false

    init(link: ToxicLinkHandler, isProbe: Bool) {
        self.link = link
        self.isProbe = isProbe
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// Takes the proxy's current toxics; the toxicity draw is made once per connection and toxic revision.
    func apply(_ toxics: [ToxicRuntime]) {
        self.toxics = toxics.filter { $0.toxic.kind.isHTTP }
        var next: [UInt64: (revision: Int, selected: Bool)] = [:]
        var names: [String: Bool] = [:]
        for runtime in self.toxics {
            if let kept = selection[runtime.id], kept.revision == runtime.revision {
                next[runtime.id] = kept
            } else {
                let p = runtime.toxic.toxicity
                next[runtime.id] = (runtime.revision, p >= 1 || Double.random(in: 0..<1) < p)
            }
            names[runtime.toxic.name] = next[runtime.id]!.selected
        }
        selection = next
        onSelection?(names)
    }

    /// True while this side can take more response data.
    var acceptsResponses: Bool {
        guard let context, !closing else { return false }
        return context.channel.isWritable && !link.isPressured && heldBytes < Self.maxHeldResponseBytes
    }

    // MARK: requests from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(var head):
            var forced: String?
            if isProbe {
                forced = head.headers.first(name: Self.probeHeader)
                head.headers.remove(name: Self.probeHeader)
            }
            let decision = HTTPFaultDecision.decide(
                toxics: toxics, selected: selection.mapValues(\.selected), probe: isProbe, forced: forced)
            let kind: Slot.Kind
            switch decision.action {
            case .forward: kind = .forward
            case .respond(let status, let body, let toxic): kind = .local(status: status, body: body, toxic: toxic)
            case .blackhole: kind = .blackhole
            }
            let slot = Slot(
                kind: kind, notBefore: decision.delay > .zero ? context.eventLoop.now + decision.delay : nil,
                keepAlive: head.isKeepAlive, version: head.version, isHead: head.method == .HEAD,
                fired: decision.fired)
            slots.append(slot)
            if case .forward = kind {
                awaitingUpstream.append(slot)
                forwardingBody = true
                upstream?.send(.head(head))
            } else {
                forwardingBody = false
                localRequest = slot
            }
        case .body(let body):
            if forwardingBody { upstream?.send(.body(.byteBuffer(body))) }
        case .end(let trailers):
            if forwardingBody {
                upstream?.send(.end(trailers))
            } else {
                localRequest?.requestDone = true
                localRequest = nil
                drain()
            }
            forwardingBody = false
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        timer?.cancel()
        upstream?.close()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        upstream?.resumeReading()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closing = true
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if canReadRequests {
            context.read()
        } else {
            pendingRead = true
        }
    }

    private var canReadRequests: Bool {
        !closing && slots.count < Self.maxQueuedRequests && (upstream?.acceptsRequests ?? false)
    }

    /// The upstream side can take requests again.
    func resumeReading() {
        guard pendingRead, canReadRequests, let context else { return }
        pendingRead = false
        context.read()
    }

    // MARK: responses from upstream

    /// A response part from the upstream connection, for the oldest forwarded request still waiting.
    func upstreamResponse(_ part: HTTPClientResponsePart) {
        guard let slot = awaitingUpstream.first else {
            // A response nobody asked for: the upstream is not speaking HTTP/1.1 as expected.
            upstream?.close()
            context?.close(promise: nil)
            return
        }
        switch part {
        case .head(let head):
            let code = head.status.code
            slot.informational = code >= 100 && code < 200 && code != 101
            if !slot.informational { slot.responseCloses = !head.isKeepAlive }
        case .body(let buffer):
            slot.heldBytes += buffer.readableBytes
            heldBytes += buffer.readableBytes
        case .end:
            if slot.informational {
                slot.informational = false
            } else {
                slot.upstreamDone = true
                awaitingUpstream.removeFirst()
            }
        }
        slot.parts.append(part)
        // Flushed once per read burst of the upstream (`flushResponses`), not once per part.
        drain(flush: false)
    }

    /// The upstream's read burst is over: send what was written.
    func flushResponses() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    /// The upstream connection closed: pass on what it sent, then close the client.
    func upstreamInactive() {
        upstreamClosed = true
        drain()
    }

    // MARK: writing responses in order

    private func drain(flush: Bool = true) {
        guard let context, !closing else { return }
        let now = context.eventLoop.now
        var wrote = false
        var closeAfter = false
        loop: while let slot = slots.first {
            if let notBefore = slot.notBefore, notBefore > now {
                schedule(at: notBefore)
                break
            }
            switch slot.kind {
            case .forward:
                for part in slot.parts {
                    switch part {
                    case .head(var head):
                        if !slot.fired.isEmpty {
                            head.headers.add(name: Self.faultHeader, value: slot.fired.joined(separator: ","))
                        }
                        context.write(wrapOutboundOut(.head(head)), promise: nil)
                    case .body(let buffer): context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    case .end(let trailers): context.write(wrapOutboundOut(.end(trailers)), promise: nil)
                    }
                    wrote = true
                }
                heldBytes -= slot.heldBytes
                slot.heldBytes = 0
                slot.parts.removeAll()
                guard slot.upstreamDone else { break loop }
                slots.removeFirst()
                if !slot.keepAlive || slot.responseCloses {
                    closeAfter = true
                    break loop
                }
            case .local(let status, let body, let toxic):
                guard slot.requestDone else { break loop }
                writeLocal(context: context, slot: slot, status: status, body: body, toxic: toxic)
                wrote = true
                slots.removeFirst()
                if !slot.keepAlive {
                    closeAfter = true
                    break loop
                }
            case .blackhole:
                break loop
            }
        }
        if closeAfter || (upstreamClosed && !canProgressWithoutUpstream) {
            closing = true
            timer?.cancel()
            if wrote || needsFlush { context.flush() }
            context.close(promise: nil)
            return
        }
        if wrote { needsFlush = true }
        if flush && needsFlush {
            needsFlush = false
            context.flush()
        }
        upstream?.resumeReading()
        resumeReading()
    }

    /// With the upstream gone, only answers the proxy makes itself can still be given.
    private var canProgressWithoutUpstream: Bool {
        guard let first = slots.first else { return false }
        switch first.kind {
        case .forward: return first.upstreamDone
        case .local: return true
        case .blackhole: return false
        }
    }

    private func writeLocal(context: ChannelHandlerContext, slot: Slot, status: Int, body: String?, toxic: String) {
        let text = body ?? "stormdrill fault proxy: \(status) from toxic \(toxic)\n"
        let bytes = ByteBuffer(string: text)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: body == nil ? "text/plain; charset=utf-8" : "application/octet-stream")
        headers.add(name: "content-length", value: String(bytes.readableBytes))
        headers.add(name: Self.faultHeader, value: slot.fired.joined(separator: ","))
        if !slot.keepAlive {
            headers.add(name: "connection", value: "close")
        } else if slot.version.major == 1 && slot.version.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(
            version: slot.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !slot.isHead && bytes.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func schedule(at deadline: NIODeadline) {
        guard timer == nil, let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.timer = nil
            self?.drain()
        }
    }
}

/// The end of an HTTP proxy's upstream pipeline (after NIOHTTP1's client codecs): sends the requests the client
/// side forwards and hands each response part back to it.
final class HTTPUpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    weak var client: HTTPFaultHandler?
    /// The upstream toxic chain in this channel.
    let link: ToxicLinkHandler
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    init(link: ToxicLinkHandler) {
        self.link = link
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    var acceptsRequests: Bool {
        guard let context else { return false }
        return context.channel.isWritable && !link.isPressured
    }

    func send(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func close() {
        context?.close(promise: nil)
    }

    func resumeReading() {
        guard pendingRead, let context, client?.acceptsResponses == true else { return }
        pendingRead = false
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client?.upstreamResponse(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client?.flushResponses()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client?.upstreamInactive()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client?.resumeReading()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if client?.acceptsResponses == true {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
