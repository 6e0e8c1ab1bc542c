import NIOCore
import NIOPosix
import StormDrillPlan

import struct Histogram.Histogram

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One event loop's share of a drill: its arrivals (or virtual users), its connections and its recorder.
///
/// Everything here runs on `loop` and nothing is shared with other loops, so the hot path takes no locks and hops
/// nowhere: arrivals fire from loop timers, requests are rendered into reused buffers, responses are parsed in place
/// and recorded into this loop's histograms. Results are merged once, at the end.
///
/// Its stored properties are `@exclusivity(unchecked)`: the runtime's dynamic exclusivity checks (`swift_beginAccess`
/// and its thread-local access set) cost about 4 % of the driver's CPU in a closed-model run (bench/profile,
/// docs/benchmarks.md). They guard against overlapping accesses to one property; here every access is on the loop's
/// thread, and no method holds an inout access to a property across a call that touches it again.
///
/// The worker is one type in several files, by concern (`LoopWorker+Arrivals`, `+Journeys`, `+Connections`,
/// `+LiveView`); its members are therefore internal rather than private: nothing outside the engine module sees them.
final class LoopWorker {
    enum Model {
        case open(ArrivalSchedule.Iterator)
        case closed(users: Int, thinkNanoseconds: Int64)
    }

    let loop: any EventLoop
    let index: Int
    let partitions: Int
    let compiled: CompiledPlan
    let address: SocketAddress
    let tls: TLSProvider?
    let start: NIODeadline
    let loadNanoseconds: Int64
    let maxInFlight: Int
    let timeout: Int64
    let bucketNanoseconds = DrillResult.bucketNanoseconds
    @exclusivity(unchecked) var model: Model

    // Journeys
    @exclusivity(unchecked) var slab: [JourneyState] = []
    @exclusivity(unchecked) var freeSlots: [Int] = []
    @exclusivity(unchecked) var inFlight = 0
    @exclusivity(unchecked) var nextClosedOrder: UInt64 = 0

    // Connections
    @exclusivity(unchecked) var connections: [Connection] = []
    @exclusivity(unchecked) var idle: [Int] = []
    @exclusivity(unchecked) var unconnected: [Int] = []
    @exclusivity(unchecked) var waiting = CircularBuffer<Int>(initialCapacity: 64)

    // Schedule state
    @exclusivity(unchecked) var nextArrival: ArrivalSchedule.Arrival?
    /// Scenario time against drill time: planned arrivals (and the closed model's end) wait while it holds.
    @exclusivity(unchecked) var clock: ScenarioClock
    /// The open model's schedule, for the rate in force when a hold begins.
    let openSchedule: ArrivalSchedule?
    /// Arrivals while the clock holds (at the rate in force), for the hold numbered `holdStreamNumber`.
    @exclusivity(unchecked) var holdStream: HoldArrivals?
    @exclusivity(unchecked) var holdStreamNumber = -1
    @exclusivity(unchecked) var nextHoldArrival: ArrivalSchedule.Arrival?
    @exclusivity(unchecked) var arrivalTimerHandle: NIOScheduledCallback?
    @exclusivity(unchecked) var closedEnd: Scheduled<Void>?
    /// Whether `begin` has run (a clock change before it only updates the clock).
    @exclusivity(unchecked) var begun = false
    @exclusivity(unchecked) var loadEnded = false
    @exclusivity(unchecked) var stopping = false
    @exclusivity(unchecked) var finished = false
    let donePromise: EventLoopPromise<Void>

    // Recording
    @exclusivity(unchecked) var result = DrillResult()
    /// The drill-clock slice of `result.timeline[0]`: finished slices are handed to the engine as the drill runs
    /// (`takeFinishedTimeline`), so the loop keeps only the last few seconds.
    @exclusivity(unchecked) var timelineBase = 0
    /// An index into `result.timeline` (local, shifted when slices are handed over).
    @exclusivity(unchecked) var currentLatencyBucket = -1
    @exclusivity(unchecked) var bucketLatencies = LatencyHistogram.makeCompact()
    @exclusivity(unchecked) var windowLatencies = LatencyHistogram.makeCompact()
    @exclusivity(unchecked) var scratch: ByteBuffer
    /// Steps without templates, encoded once: sending one is a reference-count increment.
    let staticRequests: [ByteBuffer?]
    @exclusivity(unchecked) var lastCPUSampleWall: Int64 = 0
    @exclusivity(unchecked) var lastCPUSampleThread: Int64 = 0
    @exclusivity(unchecked) var saturatedRun = 0
    lazy var arrivalTimer = LoopTimer(worker: self, kind: .arrivals)
    lazy var tickTimer = LoopTimer(worker: self, kind: .tick)

    init(
        loop: any EventLoop, index: Int, partitions: Int, compiled: CompiledPlan, address: SocketAddress,
        tls: TLSProvider?, start: NIODeadline, connections connectionCount: Int, maxInFlight: Int,
        clock: ScenarioClock = ScenarioClock(), done: EventLoopPromise<Void>
    ) {
        self.loop = loop
        self.index = index
        self.partitions = partitions
        self.compiled = compiled
        self.address = address
        self.tls = tls
        self.start = start
        self.maxInFlight = maxInFlight
        timeout = compiled.timeoutNanoseconds
        loadNanoseconds = compiled.plan.loadDuration.nanoseconds
        donePromise = done
        scratch = ByteBufferAllocator().buffer(capacity: 1024)
        staticRequests = compiled.steps.map { s in s.staticRequest.map { ByteBuffer(bytes: $0) } }
        self.clock = clock
        switch compiled.plan.load {
        case .open(let open):
            let schedule = ArrivalSchedule(load: open, seed: compiled.plan.seed)
            openSchedule = schedule
            model = .open(schedule.makeIterator(partition: index, of: partitions))
        case .closed(let closed):
            openSchedule = nil
            model = .closed(
                users: LoadEngine.share(of: closed.users, part: index, of: partitions),
                thinkNanoseconds: closed.thinkTime.nanoseconds)
        }
        result.plannedLoadNanoseconds = loadNanoseconds
        result.steps = Array(repeating: LatencyStats(), count: compiled.steps.count)
        result.journeys = Array(repeating: LatencyStats(), count: compiled.plan.journeys.count)
        result.generator.eventLoops = 1
        for i in 0..<max(1, connectionCount) {
            connections.append(Connection(id: i, worker: self))
            unconnected.append(max(1, connectionCount) - 1 - i)
        }
    }

    // MARK: - Clock

    @inline(__always)
    func offsetNow() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds) - Int64(start.uptimeNanoseconds)
    }

    @inline(__always)
    func bucket(_ offset: Int64) -> Int {
        // Every caller records at `now`, which is never in a slice already handed over (see takeFinishedTimeline).
        let slice = offset < 0 ? 0 : Int(offset / bucketNanoseconds)
        assert(slice >= timelineBase, "slice \(slice) was already handed over (base \(timelineBase))")
        let b = max(0, slice - timelineBase)
        if b >= result.timeline.count {
            // Plain appends grow the array geometrically; reserving b + 64 each time re-copied it every 6.4 s.
            while result.timeline.count <= b { result.timeline.append(TimelineBucket()) }
        }
        return b
    }

    // MARK: - Start and stop

    /// Schedules the first arrivals (or starts the users) and the housekeeping tick.
    func begin() {
        begun = true
        lastCPUSampleWall = Int64(NIODeadline.now().uptimeNanoseconds)
        lastCPUSampleThread = LoopWorker.threadCPUNanoseconds()
        scheduleTick()
        switch model {
        case .open(var iterator):
            nextArrival = iterator.next()
            model = .open(iterator)
            scheduleNextArrival()
        case .closed(let users, _):
            for user in 0..<users {
                launchClosedIteration(user: user, intended: 0)
            }
            scheduleClosedEnd()
            if users == 0 { endLoad(at: 0) }
        }
    }

    /// Stops sending at once; journeys in flight get `grace` to finish, then are abandoned.
    func stop(grace: TimeAmount) {
        guard !stopping, !finished else { return }
        stopping = true
        result.stoppedEarly = true
        let now = offsetNow()
        // Nothing new is sent: journeys waiting for a connection, connecting or thinking end now; requests already
        // on the wire get the grace period.
        var onWire = Set<Int>()
        for c in connections where c.journey >= 0 {
            if c.state == .busy {
                onWire.insert(c.journey)
            } else {
                c.journey = -1
            }
        }
        waiting.removeAll()
        for slot in slab.indices where slab[slot].active && !onWire.contains(slot) {
            abandon(slot)
        }
        for id in idle { close(connections[id]) }
        idle.removeAll()
        if !loadEnded { endLoad(at: now) }
        loop.assumeIsolated().scheduleTask(in: grace) { [self] in abandonAll() }
        checkFinished()
    }

    func endLoad(at offset: Int64) {
        guard !loadEnded else { return }
        loadEnded = true
        result.loadEndedNanoseconds = offset
        // Natural end: in-flight journeys may finish within their timeouts, plus a margin.
        if !stopping {
            let drain = TimeAmount.nanoseconds(timeout + 5_000_000_000)
            loop.assumeIsolated().scheduleTask(in: drain) { [self] in abandonAll() }
        }
        checkFinished()
    }

    func abandonAll() {
        guard !finished else { return }
        for c in connections where c.journey >= 0 {
            c.journey = -1
            if c.state == .busy { close(c) }
        }
        for slot in slab.indices where slab[slot].active {
            abandon(slot)
        }
        waiting.removeAll()
        checkFinished()
    }

    func abandon(_ slot: Int) {
        result.journeysAbandoned += 1
        inFlight -= 1
        releaseSlot(slot)
    }

    func checkFinished() {
        guard loadEnded, inFlight == 0, !finished else { return }
        finished = true
        sampleCPU(minimumWindow: 250_000_000)
        flushLatencyBucket()
        result.elapsedNanoseconds = offsetNow()
        for c in connections {
            c.channel?.close(promise: nil)
        }
        donePromise.succeed(())
    }

    // MARK: - Housekeeping tick

    static let tickInterval = TimeAmount.milliseconds(10)

    func scheduleTick() {
        _ = try? loop.assumeIsolated().scheduleCallback(in: LoopWorker.tickInterval, handler: tickTimer)
    }

    func tick() {
        guard !finished else { return }
        housekeeping()
        scheduleTick()
    }

    func housekeeping() {
        let now = offsetNow()
        // Request timeouts: connections and the wait queue.
        for c in connections where c.journey >= 0 && (c.state == .busy || c.state == .connecting) {
            if now >= c.deadline {
                let slot = c.journey
                c.journey = -1
                if c.state == .busy { close(c) }
                failStep(slot, .timeout, now: now)
            }
        }
        while let head = waiting.first, slab[head].stepIntended + timeout <= now {
            waiting.removeFirst()
            slab[head].waiting = false
            failStep(head, .timeout, now: now)
        }
        // In-flight gauge and CPU sampling.
        let b = bucket(now)
        result.timeline[b].inFlightMax = max(result.timeline[b].inFlightMax, inFlight)
        sampleCPU(minimumWindow: 1_000_000_000)
    }

    /// Measures this loop thread's CPU share over the window since the last sample, once the window is long enough
    /// (one second while running; the remainder, if at least 250 ms, when the run ends).
    func sampleCPU(minimumWindow: Int64) {
        let wall = Int64(NIODeadline.now().uptimeNanoseconds)
        guard wall - lastCPUSampleWall >= minimumWindow else { return }
        let cpu = LoopWorker.threadCPUNanoseconds()
        let busy = Double(cpu - lastCPUSampleThread) / Double(wall - lastCPUSampleWall)
        result.generator.cpuBusyMax = max(result.generator.cpuBusyMax, min(1, busy))
        if wall - lastCPUSampleWall >= 1_000_000_000 {
            saturatedRun = busy >= 0.95 ? saturatedRun + 1 : 0
            result.generator.saturatedSecondsRun = max(result.generator.saturatedSecondsRun, saturatedRun)
        }
        lastCPUSampleWall = wall
        lastCPUSampleThread = cpu
    }

    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
