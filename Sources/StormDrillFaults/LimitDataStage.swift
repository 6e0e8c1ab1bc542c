import NIOCore

/// `limit_data`: lets `bytes` bytes through (counted per connection and direction, also across reconfiguration),
/// then closes the connection.
final class LimitDataStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let bytes: Int
    let state: LimitDataState
    private var closed = false

    init(owner: any ToxicStageOwner, bytes: Int, state: LimitDataState) {
        self.owner = owner
        self.bytes = bytes
        self.state = state
    }

    func receive(_ event: StreamEvent) {
        guard !closed else {
            event.discard()
            return
        }
        switch event {
        case .data(var buffer, let readAt, let promise):
            let remaining = max(0, bytes - state.transmitted)
            if buffer.readableBytes > remaining {
                buffer = buffer.getSlice(at: buffer.readerIndex, length: remaining)!
            }
            if buffer.readableBytes > 0 {
                state.transmitted += buffer.readableBytes
                owner.emit(.data(buffer, readAt: readAt, promise: promise), after: index)
            } else {
                promise?.succeed(())
            }
            if bytes - state.transmitted <= 0 {
                closed = true
                owner.emit(.close(reset: false, promise: nil), after: index)
            }
        case .close:
            closed = true
            owner.emit(event, after: index)
        }
    }

    func drain() -> [StreamEvent] { [] }
}
