import NIOCore
import NIOPosix
import StormDrillPlan
import Synchronization

/// Runs a plan's load against one target address on a set of event loops and returns what it measured.
///
/// Arrival `i` of the open model runs on loop `i mod n`; closed-model users are split over the loops. Each loop has
/// its own connections and recorder, so the loops never synchronise on the hot path: every 2 s their finished
/// timeline slices are merged into one timeline (off the hot path), and everything else is merged at the end.
public final class LoadEngine: Sendable {
    /// Tuning that does not belong in a plan.
    public struct Options: Sendable {
        /// Event loops (threads) to generate load on; defaults to one per core.
        public var eventLoops: Int
        /// How long requests already sent may finish after `stop`.
        public var stopGrace: TimeAmount

        public init(eventLoops: Int = System.coreCount, stopGrace: TimeAmount = .seconds(5)) {
            self.eventLoops = max(1, eventLoops)
            self.stopGrace = stopGrace
        }
    }

    public let compiled: CompiledPlan
    public let address: SocketAddress
    public let options: Options
    private let group: MultiThreadedEventLoopGroup
    private let tls: TLSProvider?
    private let state: Mutex<State>

    private struct State {
        var workers: [NIOLoopBound<LoopWorker>] = []
        var stopRequested: TimeAmount?
        var started = false
        /// The latest scenario clock; every loop gets each change.
        var clock: ScenarioClock
    }

    /// - Parameters:
    ///   - plan: a validated plan.
    ///   - url: the target's URL (Host header, TLS); `address` is where to connect.
    ///   - clock: scenario time against drill time (holds and gates); the plan's own by default.
    public init(
        plan: Plan, url: TargetURL, address: SocketAddress, options: Options = Options(), clock: ScenarioClock? = nil
    ) throws {
        state = Mutex(State(clock: clock ?? ScenarioClock(plan: plan)))
        compiled = CompiledPlan(plan: plan, url: url)
        self.address = address
        self.options = options
        group = MultiThreadedEventLoopGroup(numberOfThreads: options.eventLoops)
        tls = url.isTLS ? try TLSProvider(host: url.host, tls: plan.target.tls) : nil
    }

    deinit {
        group.shutdownGracefully { _ in }
    }

    /// The connection pool size this engine uses for the plan.
    public var connectionCount: Int {
        LoadEngine.defaultConnections(for: compiled.plan)
    }

    /// Part `part` of `total` split as evenly as possible into `parts` (the first `total % parts` get one more).
    static func share(of total: Int, part: Int, of parts: Int) -> Int {
        total / parts + (part < total % parts ? 1 : 0)
    }

    /// The pool size when a plan does not set `target.connections`: enough keep-alive connections for the peak
    /// rate at 250 ms of latency (clamped to 32…512) in the open model, one per user in the closed model.
    public static func defaultConnections(for plan: Plan) -> Int {
        if let c = plan.target.connections { return c }
        switch plan.load {
        case .open(let open):
            return min(open.maxInFlight, max(32, min(512, Int((open.peakRate / 4).rounded(.up)))))
        case .closed(let closed):
            return closed.users
        }
    }

    /// Runs the load from `start` (a point on the monotonic clock, shared with faults and probes) to its end, or
    /// until `stop`. Never throws: target failures are measured, not raised.
    public func run(startingAt start: NIODeadline) async -> DrillResult {
        let loops = Array(group.makeIterator())
        let n = loops.count
        let total = connectionCount
        let maxInFlight: Int
        switch compiled.plan.load {
        case .open(let open): maxInFlight = open.maxInFlight
        case .closed(let closed): maxInFlight = closed.users
        }
        var futures: [EventLoopFuture<Void>] = []
        var bounds: [NIOLoopBound<LoopWorker>] = []
        for (i, loop) in loops.enumerated() {
            let share = LoadEngine.share(of: total, part: i, of: n)
            let inFlightShare = LoadEngine.share(of: maxInFlight, part: i, of: n)
            let compiled = self.compiled
            let address = self.address
            let tls = self.tls
            let done = loop.makePromise(of: Void.self)
            let clock = state.withLock { $0.clock }
            let bound = try? await loop.submit {
                let worker = LoopWorker(
                    loop: loop, index: i, partitions: n, compiled: compiled, address: address, tls: tls, start: start,
                    connections: max(1, share), maxInFlight: max(1, inFlightShare), clock: clock, done: done)
                loop.assumeIsolated().scheduleTask(deadline: start) { worker.begin() }
                return NIOLoopBound(worker, eventLoop: loop)
            }.get()
            guard let bound else {
                done.succeed(())
                continue
            }
            bounds.append(bound)
            futures.append(done.futureResult)
        }
        let (pendingStop, clock) = state.withLock { s -> (TimeAmount?, ScenarioClock) in
            s.workers = bounds
            s.started = true
            return (s.stopRequested, s.clock)
        }
        if let grace = pendingStop { stop(grace: grace) }
        // A change that came while the loops were being set up reaches them now (a second delivery is harmless).
        for w in bounds { w.eventLoop.execute { w.value.clockChanged(clock) } }
        // Every couple of seconds, the loops' finished timeline slices are merged into one timeline here, off the
        // hot path: a 10-minute drill then keeps its 100 ms slices once, not once per loop (docs/benchmarks.md).
        let consolidation = Task { [bounds] in
            var timeline: [TimelineBucket] = []
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(2)) } catch { break }
                for b in bounds {
                    if let part = try? await b.eventLoop.submit({ b.value.takeFinishedTimeline() }).get() {
                        timeline.merge(part.slices, at: part.base)
                    }
                }
            }
            return timeline
        }
        for f in futures { try? await f.get() }
        consolidation.cancel()
        var timeline = await consolidation.value
        var merged = DrillResult()
        for b in bounds {
            let part = try? await b.eventLoop.submit { () -> (DrillResult, Int, [TimelineBucket]) in
                let rest = b.value.takeFinishedTimeline()
                var result = b.value.result
                result.timeline = []
                return (result, rest.base, rest.slices)
            }.get()
            if let (result, base, slices) = part {
                timeline.merge(slices, at: base)
                merged.merge(result)
            }
        }
        merged.timeline = timeline
        return merged
    }

    /// Stops sending at once; requests on the wire get `grace` (default `options.stopGrace`). Safe from any thread,
    /// also before `run` has started the loops.
    public func stop(grace: TimeAmount? = nil) {
        let grace = grace ?? options.stopGrace
        let workers = state.withLock { s -> [NIOLoopBound<LoopWorker>] in
            if !s.started { s.stopRequested = grace }
            return s.workers
        }
        for w in workers {
            w.eventLoop.execute { w.value.stop(grace: grace) }
        }
    }

    /// Hands a changed scenario clock (a hold began or ended) to every loop.
    public func updateClock(_ clock: ScenarioClock) {
        let workers = state.withLock { s -> [NIOLoopBound<LoopWorker>] in
            s.clock = clock
            return s.workers
        }
        for w in workers {
            w.eventLoop.execute { w.value.clockChanged(clock) }
        }
    }

    /// Current counters summed over loops, for the progress line.
    public func snapshot() async -> LiveSnapshot {
        let workers = state.withLock { $0.workers }
        var total = LiveSnapshot()
        for w in workers {
            if let s = try? await w.eventLoop.submit({ w.value.snapshot() }).get() { total.add(s) }
        }
        return total
    }

    /// Running totals summed over loops, for the driver's metrics (published once a second beside `snapshot()`).
    public func metricsSnapshot() async -> MetricsSnapshot {
        let workers = state.withLock { $0.workers }
        var total = MetricsSnapshot()
        for w in workers {
            if let s = try? await w.eventLoop.submit({ w.value.metricsSnapshot() }).get() { total.add(s) }
        }
        return total
    }

    /// Shuts the engine's event loops down.
    public func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
