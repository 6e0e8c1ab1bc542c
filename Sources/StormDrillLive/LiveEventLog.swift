import NIOCore
import Synchronization

/// One Server-Sent Event of the live view: an id (1, 2, 3, … for the run), a name and one line of JSON.
public struct LiveEvent: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let data: String

    public init(id: Int, name: String, data: String) {
        self.id = id
        self.name = name
        self.data = data
    }

    /// The event on the wire: `id:`, `event:` and one `data:` line (the JSON has no newline), then a blank line.
    public var wireFormat: String { "id: \(id)\nevent: \(name)\ndata: \(data)\n\n" }
}

/// The live view's events: numbered as they are published, the last `capacity` kept for clients that reconnect, and
/// fanned out to every connected client.
///
/// A client that reconnects with `Last-Event-ID: N` gets every kept event after N, then the live ones, with no gap
/// and no duplicate: the replay and the registration happen under one lock, so an event published meanwhile is in
/// exactly one of them. A client too slow to take its events (its buffer full) is disconnected rather than given a
/// gap; its browser reconnects with its last id and is replayed.
public final class LiveEventLog: Sendable {
    /// What a new subscriber gets before the live stream.
    public enum Replay: Sendable, Equatable {
        case events([LiveEvent])
        /// The events asked for are no longer kept: the client must reload the state.
        case reset(oldestId: Int)
    }

    public let capacity: Int
    /// Events a client may fall behind by before it is disconnected.
    public let clientBuffer: Int

    private struct State {
        var kept: CircularBuffer<LiveEvent>
        var nextId = 1
        var subscribers: [Int: AsyncStream<LiveEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var finished = false
    }

    private let state: Mutex<State>

    public init(capacity: Int = 10_000, clientBuffer: Int = 2_000) {
        self.capacity = max(1, capacity)
        self.clientBuffer = max(1, clientBuffer)
        state = Mutex(State(kept: CircularBuffer(initialCapacity: min(capacity, 1024))))
    }

    /// The id of the latest event (0 before the first).
    public var lastId: Int { state.withLock { $0.nextId - 1 } }

    /// Publishes an event to every client and keeps it for replay; returns its id (nil once finished).
    @discardableResult
    public func publish(_ name: String, data: String) -> Int? {
        let (id, lagging) = state.withLock { s -> (Int?, [AsyncStream<LiveEvent>.Continuation]) in
            guard !s.finished else { return (nil, []) }
            let event = LiveEvent(id: s.nextId, name: name, data: data)
            s.nextId += 1
            if s.kept.count >= capacity { s.kept.removeFirst() }
            s.kept.append(event)
            var lagging: [AsyncStream<LiveEvent>.Continuation] = []
            for (key, continuation) in s.subscribers {
                if case .dropped = continuation.yield(event), let c = s.subscribers.removeValue(forKey: key) {
                    lagging.append(c)
                }
            }
            return (event.id, lagging)
        }
        // Finished outside the lock: finishing runs the stream's termination handler, which takes the lock.
        for c in lagging { c.finish() }
        return id
    }

    /// Subscribes after event `lastId` (nil: only events published from now on). The stream ends when the log is
    /// finished, the client falls too far behind, or the consumer stops iterating.
    public func subscribe(after lastId: Int?) -> (replay: Replay, events: AsyncStream<LiveEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: LiveEvent.self, bufferingPolicy: .bufferingOldest(clientBuffer))
        let replay = state.withLock { s -> Replay in
            var replay = Replay.events([])
            if let lastId, lastId < s.nextId - 1 {
                let oldest = s.kept.first?.id ?? s.nextId
                if lastId + 1 < oldest {
                    replay = .reset(oldestId: oldest)
                } else {
                    replay = .events(s.kept.filter { $0.id > lastId })
                }
            }
            if s.finished {
                continuation.finish()
            } else {
                let key = s.nextSubscriber
                s.nextSubscriber += 1
                s.subscribers[key] = continuation
                continuation.onTermination = { [weak self] _ in
                    self?.state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
                }
            }
            return replay
        }
        return (replay, stream)
    }

    /// Clients connected now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every stream (after the `end` event); later publishes are dropped and later subscribers get only the
    /// replay.
    public func finish() {
        let continuations = state.withLock { s -> [AsyncStream<LiveEvent>.Continuation] in
            s.finished = true
            let all = Array(s.subscribers.values)
            s.subscribers.removeAll()
            return all
        }
        for c in continuations { c.finish() }
    }
}
