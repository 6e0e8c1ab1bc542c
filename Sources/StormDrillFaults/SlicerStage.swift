import NIOCore

/// `slicer`: cuts each chunk into pieces of about `averageSize` ± `sizeVariation` bytes (Toxiproxy's recursive
/// halving) and sends them `delay` µs apart, each as its own write.
final class SlicerStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let averageSize: Int
    let sizeVariation: Int
    let delay: TimeAmount
    private var nextFree: NIODeadline = .uptimeNanoseconds(0)
    private var queue: TimedQueue!

    init(owner: any ToxicStageOwner, averageSize: Int, sizeVariation: Int, delayMicroseconds: Int) {
        self.owner = owner
        // Toxiproxy recurses forever on an average size of 0; one byte is the smallest useful slice.
        self.averageSize = max(1, averageSize)
        self.sizeVariation = max(0, sizeVariation)
        self.delay = .microseconds(Int64(delayMicroseconds))
        self.queue = TimedQueue(owner: owner) { [unowned self] event in
            self.owner.emit(event, after: self.index)
        }
    }

    /// Boundaries as Toxiproxy's `chunk`: halve until a piece is within `sizeVariation` of the average size.
    static func boundaries(length: Int, averageSize: Int, sizeVariation: Int) -> [Int] {
        var cuts: [Int] = [0]
        func split(_ start: Int, _ end: Int) {
            if (end - start) - averageSize <= sizeVariation || end - start < 2 {
                cuts.append(end)
                return
            }
            var mid = start + (end - start) / 2
            if sizeVariation > 0 { mid += Int.random(in: -sizeVariation..<sizeVariation) }
            mid = min(max(mid, start + 1), end - 1)
            split(start, mid)
            split(mid, end)
        }
        if length > 0 { split(0, length) }
        return cuts
    }

    func receive(_ event: StreamEvent) {
        let now = owner.eventLoop.now
        switch event {
        case .data(let buffer, let readAt, let promise):
            let cuts = Self.boundaries(
                length: buffer.readableBytes, averageSize: averageSize, sizeVariation: sizeVariation)
            guard cuts.count > 1 else {
                queue.push(event, due: max(nextFree, now))
                return
            }
            var due = max(nextFree, now)
            for i in 1..<cuts.count {
                let slice = buffer.getSlice(at: buffer.readerIndex + cuts[i - 1], length: cuts[i] - cuts[i - 1])!
                let last = i == cuts.count - 1
                queue.push(.data(slice, readAt: readAt, promise: last ? promise : nil), due: due)
                due = due + delay
            }
            nextFree = due
        case .close:
            queue.push(event, due: max(nextFree, now))
        }
    }

    func drain() -> [StreamEvent] { queue.drain() }
}
