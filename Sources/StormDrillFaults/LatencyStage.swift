import NIOCore

/// `latency`: each chunk leaves `latency` ± `jitter` ms after the proxy read it, in order (as Toxiproxy: the delay
/// counts from the read, so a steady stream is shifted, not slowed down). The close follows the last chunk.
final class LatencyStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let latency: Int64
    let jitter: Int64
    private var queue: TimedQueue!

    init(owner: any ToxicStageOwner, latency: Int, jitter: Int) {
        self.owner = owner
        self.latency = Int64(latency)
        self.jitter = Int64(jitter)
        self.queue = TimedQueue(owner: owner) { [unowned self] event in
            // The next latency toxic in the chain counts from when this one released the chunk (Toxiproxy moves the
            // chunk's timestamp on by the time slept); held chunks keep their read time, so a reconfigured toxic
            // re-times them from when they were read.
            if case .data(let buffer, let readAt, let promise) = event {
                let now = self.owner.eventLoop.now
                self.owner.emit(.data(buffer, readAt: max(readAt, now), promise: promise), after: self.index)
            } else {
                self.owner.emit(event, after: self.index)
            }
        }
    }

    private func delay() -> TimeAmount {
        SaturatingTime.jittered(milliseconds: latency, jitter: jitter)
    }

    func receive(_ event: StreamEvent) {
        let now = owner.eventLoop.now
        let floor = queue.lastDue ?? now
        switch event {
        case .data(let buffer, let readAt, let promise):
            queue.push(.data(buffer, readAt: readAt, promise: promise), due: max(readAt + delay(), floor))
        case .close:
            queue.push(event, due: max(floor, now))
        }
    }

    func drain() -> [StreamEvent] { queue.drain() }
}
