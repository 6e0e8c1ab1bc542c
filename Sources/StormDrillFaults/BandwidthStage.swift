import NIOCore

/// `bandwidth`: at most `rate` KB/s (bytes per millisecond). Chunks larger than 100 ms' worth are cut, as Toxiproxy
/// does, so the receiver sees a steady trickle rather than one late burst. Rate 0 means unlimited.
final class BandwidthStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let rate: Int
    private var nextFree: NIODeadline = .uptimeNanoseconds(0)
    private var queue: TimedQueue!

    init(owner: any ToxicStageOwner, rate: Int) {
        self.owner = owner
        self.rate = rate
        self.queue = TimedQueue(owner: owner) { [unowned self] event in
            self.owner.emit(event, after: self.index)
        }
    }

    func receive(_ event: StreamEvent) {
        guard rate > 0 else {
            queue.push(event, due: .uptimeNanoseconds(0))
            return
        }
        let now = owner.eventLoop.now
        switch event {
        case .data(var buffer, let readAt, let promise):
            let piece = SaturatingTime.product(rate, 100)
            while buffer.readableBytes > 0 {
                let length = min(piece, buffer.readableBytes)
                let slice = buffer.readSlice(length: length)!
                // Bytes per millisecond → nanoseconds for this piece.
                let cost = SaturatingTime.transmission(bytes: length, kilobytesPerSecond: rate)
                nextFree = max(nextFree, now) + cost
                let last = buffer.readableBytes == 0
                queue.push(.data(slice, readAt: readAt, promise: last ? promise : nil), due: nextFree)
            }
        case .close:
            queue.push(event, due: max(nextFree, now))
        }
    }

    func drain() -> [StreamEvent] { queue.drain() }
}
