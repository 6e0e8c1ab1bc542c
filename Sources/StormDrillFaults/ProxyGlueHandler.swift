import NIOCore

/// The end of a TCP proxy's channel pipeline: what one side reads is written to the other side, whose toxic chain
/// it then passes. Reading stops while the other side cannot take more (its socket is not writable or its toxics
/// hold too much), so a slow peer or a toxic holds back the sender instead of filling memory.
final class ProxyGlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The other side's glue; both live on the same event loop.
    weak var partner: ProxyGlueHandler?
    /// The toxic chain in this channel (the data the partner writes here passes it).
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

    /// True while this side can take more data from the partner.
    var acceptsWrites: Bool {
        guard let context else { return false }
        return context.channel.isWritable && !link.isPressured
    }

    /// The partner can take data again: read if a read was held back.
    func resumeReading() {
        guard pendingRead, let context, partner?.acceptsWrites == true else { return }
        pendingRead = false
        context.read()
    }

    // MARK: inbound (from this side's socket)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.write(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        partner?.resumeReading()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // One connection's error (a reset, a refused write) ends that connection only.
        context.close(promise: nil)
    }

    // MARK: outbound

    func read(context: ChannelHandlerContext) {
        if partner?.acceptsWrites == true {
            context.read()
        } else {
            pendingRead = true
        }
    }

    // MARK: called by the partner

    private func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func flush() {
        context?.flush()
    }

    private func close() {
        context?.close(promise: nil)
    }
}
