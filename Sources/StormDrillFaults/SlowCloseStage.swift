import NIOCore

/// `slow_close`: data passes untouched; the close is passed on `delay` ms after it arrives.
final class SlowCloseStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let delay: TimeAmount
    private var queue: TimedQueue!

    init(owner: any ToxicStageOwner, delay: Int) {
        self.owner = owner
        self.delay = .milliseconds(Int64(delay))
        self.queue = TimedQueue(owner: owner) { [unowned self] event in
            self.owner.emit(event, after: self.index)
        }
    }

    func receive(_ event: StreamEvent) {
        let now = owner.eventLoop.now
        switch event {
        case .data:
            // Behind a pending close nothing more is sent; otherwise straight through.
            queue.push(event, due: queue.lastDue ?? now)
        case .close:
            queue.push(event, due: max(queue.lastDue ?? now, now + delay))
        }
    }

    func drain() -> [StreamEvent] { queue.drain() }
}
