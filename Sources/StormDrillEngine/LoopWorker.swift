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
    @exclusivity(unchecked) private(set) var model: Model

    // Journeys
    @exclusivity(unchecked) private var slab: [JourneyState] = []
    @exclusivity(unchecked) private var freeSlots: [Int] = []
    @exclusivity(unchecked) private(set) var inFlight = 0
    @exclusivity(unchecked) private var nextClosedOrder: UInt64 = 0

    // Connections
    @exclusivity(unchecked) private var connections: [Connection] = []
    @exclusivity(unchecked) private var idle: [Int] = []
    @exclusivity(unchecked) private var unconnected: [Int] = []
    @exclusivity(unchecked) private var waiting = CircularBuffer<Int>(initialCapacity: 64)

    // Schedule state
    @exclusivity(unchecked) private var nextArrival: ArrivalSchedule.Arrival?
    /// Scenario time against drill time: planned arrivals (and the closed model's end) wait while it holds.
    @exclusivity(unchecked) private var clock: ScenarioClock
    /// The open model's schedule, for the rate in force when a hold begins.
    private let openSchedule: ArrivalSchedule?
    /// Arrivals while the clock holds (at the rate in force), for the hold numbered `holdStreamNumber`.
    @exclusivity(unchecked) private var holdStream: HoldArrivals?
    @exclusivity(unchecked) private var holdStreamNumber = -1
    @exclusivity(unchecked) private var nextHoldArrival: ArrivalSchedule.Arrival?
    @exclusivity(unchecked) private var arrivalTimerHandle: NIOScheduledCallback?
    @exclusivity(unchecked) private var closedEnd: Scheduled<Void>?
    /// Whether `begin` has run (a clock change before it only updates the clock).
    @exclusivity(unchecked) private var begun = false
    @exclusivity(unchecked) private var loadEnded = false
    @exclusivity(unchecked) private var stopping = false
    @exclusivity(unchecked) private var finished = false
    let donePromise: EventLoopPromise<Void>

    // Recording
    @exclusivity(unchecked) var result = DrillResult()
    /// The drill-clock slice of `result.timeline[0]`: finished slices are handed to the engine as the drill runs
    /// (`takeFinishedTimeline`), so the loop keeps only the last few seconds.
    @exclusivity(unchecked) private(set) var timelineBase = 0
    /// An index into `result.timeline` (local, shifted when slices are handed over).
    @exclusivity(unchecked) private var currentLatencyBucket = -1
    @exclusivity(unchecked) private var bucketLatencies = LatencyHistogram.makeCompact()
    @exclusivity(unchecked) private var windowLatencies = LatencyHistogram.makeCompact()
    @exclusivity(unchecked) private var scratch: ByteBuffer
    /// Steps without templates, encoded once: sending one is a reference-count increment.
    private let staticRequests: [ByteBuffer?]
    @exclusivity(unchecked) private var lastCPUSampleWall: Int64 = 0
    @exclusivity(unchecked) private var lastCPUSampleThread: Int64 = 0
    @exclusivity(unchecked) private var saturatedRun = 0
    private lazy var arrivalTimer = LoopTimer(worker: self, kind: .arrivals)
    private lazy var tickTimer = LoopTimer(worker: self, kind: .tick)

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
    private func bucket(_ offset: Int64) -> Int {
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

    private func endLoad(at offset: Int64) {
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

    private func abandonAll() {
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

    private func abandon(_ slot: Int) {
        result.journeysAbandoned += 1
        inFlight -= 1
        releaseSlot(slot)
    }

    private func checkFinished() {
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

    private static let tickInterval = TimeAmount.milliseconds(10)

    private func scheduleTick() {
        _ = try? loop.assumeIsolated().scheduleCallback(in: LoopWorker.tickInterval, handler: tickTimer)
    }

    func tick() {
        guard !finished else { return }
        housekeeping()
        scheduleTick()
    }

    private func housekeeping() {
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
    private func sampleCPU(minimumWindow: Int64) {
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

    // MARK: - Scenario clock

    /// The runner changed the scenario clock (a hold began or ended): planned arrivals and the closed model's end move
    /// with it.
    func clockChanged(_ newClock: ScenarioClock) {
        clock = newClock
        if newClock.horizon?.number != holdStreamNumber {
            // The hold these arrivals belonged to is over: nothing more of it is sent.
            holdStream = nil
            nextHoldArrival = nil
            holdStreamNumber = -1
        }
        guard begun, !finished, !stopping, !loadEnded else { return }
        switch model {
        case .open: scheduleNextArrival()
        case .closed: scheduleClosedEnd()
        }
    }

    /// The closed model ends at the load's end in scenario time; while a hold lies before it, the end waits.
    private func scheduleClosedEnd() {
        closedEnd?.cancel()
        closedEnd = nil
        guard let end = clock.drill(forScenario: loadNanoseconds) else { return }
        closedEnd = loop.assumeIsolated().scheduleTask(deadline: start + .nanoseconds(end)) { [self] in
            endLoad(at: end)
        }
    }

    // MARK: - Open model arrivals

    private func scheduleNextArrival() {
        arrivalTimerHandle?.cancel()
        arrivalTimerHandle = nil
        guard !stopping else { return }
        var due: Int64?
        if let next = nextArrival { due = clock.drill(forScenario: next.offset) }
        // Held, or a hold point ahead before the end: the load goes on at the rate in force for as long as it holds.
        let horizon = clock.horizon.flatMap { $0.scenarioAt < loadNanoseconds ? $0 : nil }
        if due == nil, let horizon {
            prepareHoldStream(horizon)
            due = nextHoldArrival?.offset
        }
        if nextArrival == nil && horizon == nil {
            endLoad(at: loadNanoseconds + clock.shift)
            return
        }
        guard let due else { return }
        arrivalTimerHandle = try? loop.assumeIsolated().scheduleCallback(
            at: start + .nanoseconds(due), handler: arrivalTimer)
    }

    private func prepareHoldStream(_ horizon: (number: Int, scenarioAt: Int64, drillStart: Int64)) {
        guard horizon.number != holdStreamNumber, let openSchedule else { return }
        // The rate in force just before the clock stopped (at a stage boundary: the stage that was running).
        let rate = openSchedule.rate(at: max(0, horizon.scenarioAt - 1))
        var stream = HoldArrivals(
            rate: rate, process: openSchedule.process, seed: compiled.plan.seed, hold: horizon.number,
            drillStart: horizon.drillStart, partition: index, of: partitions)
        nextHoldArrival = stream.next()
        holdStream = stream
        holdStreamNumber = horizon.number
    }

    func arrivalsDue() {
        arrivalTimerHandle = nil
        guard !stopping, case .open(var iterator) = model else { return }
        var now = offsetNow()
        while true {
            if let arrival = nextArrival, let intended = clock.drill(forScenario: arrival.offset), intended <= now {
                arrive(arrival.index, intended: intended, now: now)
                nextArrival = iterator.next()
            } else if let arrival = nextHoldArrival, arrival.offset <= now, holdStream != nil {
                arrive(arrival.index, intended: arrival.offset, now: now)
                nextHoldArrival = holdStream?.next()
            } else {
                break
            }
            now = offsetNow()
        }
        model = .open(iterator)
        scheduleNextArrival()
    }

    private func arrive(_ order: UInt64, intended: Int64, now: Int64) {
        result.arrivalsScheduled += 1
        _ = result.generator.lag.record(LatencyHistogram.microseconds(nanoseconds: now - intended))
        if inFlight >= maxInFlight {
            result.dropped += 1
            result.errors.add(.dropped)
            result.timeline[bucket(now)].dropped += 1
        } else {
            let journey = compiled.journey(forOrder: order)
            launchJourney(journey, order: order, intended: intended, user: -1, now: now)
        }
    }

    // MARK: - Closed model users

    /// Closed model: how long a user waits after a failed iteration when the plan has no think time.
    static let failurePauseNanoseconds: Int64 = 10_000_000

    private func launchClosedIteration(user: Int, intended: Int64) {
        guard !loadEnded, !stopping else { return }
        let now = offsetNow()
        _ = result.generator.lag.record(LatencyHistogram.microseconds(nanoseconds: now - intended))
        let order = nextClosedOrder * UInt64(partitions) + UInt64(index)
        nextClosedOrder += 1
        launchJourney(compiled.journey(forOrder: order), order: order, intended: intended, user: user, now: now)
    }

    // MARK: - Journeys

    private func allocateSlot() -> Int {
        if let slot = freeSlots.popLast() { return slot }
        slab.append(JourneyState(extractSlots: compiled.maxExtractSlots))
        return slab.count - 1
    }

    private func releaseSlot(_ slot: Int) {
        slab[slot].active = false
        slab[slot].waiting = false
        slab[slot].generation &+= 1
        freeSlots.append(slot)
    }

    private func launchJourney(_ journey: Int, order: UInt64, intended: Int64, user: Int, now: Int64) {
        let slot = allocateSlot()
        slab[slot].active = true
        slab[slot].journey = journey
        slab[slot].step = compiled.journeyFirstStep[journey]
        slab[slot].lastStep = compiled.journeyFirstStep[journey] + compiled.journeyStepCount[journey] - 1
        slab[slot].order = compiled.usesOrder ? compiled.generator.order(at: order) : SyntheticOrder.empty
        slab[slot].intendedStart = intended
        slab[slot].stepIntended = intended
        slab[slot].serviceTotal = 0
        slab[slot].user = user
        slab[slot].extracts.reset()
        inFlight += 1
        result.journeysStarted += 1
        let b = bucket(now)
        result.timeline[b].journeysStarted += 1
        result.timeline[b].inFlightMax = max(result.timeline[b].inFlightMax, inFlight)
        startStep(slot, now: now)
    }

    private func startStep(_ slot: Int, now: Int64) {
        if let id = idle.popLast() {
            send(connections[id], slot: slot, now: now)
        } else if let id = unconnected.popLast() {
            connect(connections[id], for: slot)
        } else {
            slab[slot].waiting = true
            waiting.append(slot)
        }
    }

    /// A step finished. `error` nil means it succeeded and the journey moves on.
    private func finishStep(_ slot: Int, error: ErrorClass?, now: Int64) {
        let step = slab[slot].step
        if let error {
            endJourney(slot, error: error, now: now)
            return
        }
        if step >= slab[slot].lastStep {
            endJourney(slot, error: nil, now: now)
            return
        }
        slab[slot].step = step + 1
        let think = compiled.steps[step].thinkNanoseconds
        if think > 0 && !stopping {
            slab[slot].stepIntended = now + think
            let generation = slab[slot].generation
            loop.assumeIsolated().scheduleTask(deadline: start + .nanoseconds(now + think)) { [self] in
                guard slab[slot].active, slab[slot].generation == generation else { return }
                if stopping {
                    abandon(slot)
                    checkFinished()
                    return
                }
                startStep(slot, now: offsetNow())
            }
        } else if stopping {
            abandon(slot)
            checkFinished()
        } else {
            slab[slot].stepIntended = now
            startStep(slot, now: now)
        }
    }

    /// A step failed without a response (timeout, connection error): count it and end the journey.
    private func failStep(_ slot: Int, _ error: ErrorClass, now: Int64, message: String? = nil) {
        guard slab[slot].active else { return }
        let step = slab[slot].step
        result.requests.count += 1
        result.requests.errors.add(error)
        result.steps[step].count += 1
        result.steps[step].errors.add(error)
        result.timeline[bucket(now)].errors += 1
        if let message { sample(error, message) }
        finishStep(slot, error: error, now: now)
    }

    private func endJourney(_ slot: Int, error: ErrorClass?, now: Int64) {
        let j = slab[slot].journey
        let b = bucket(now)
        result.journeys[j].count += 1
        if let error {
            result.errors.add(error)
            result.journeys[j].errors.add(error)
            result.timeline[b].journeysFailed += 1
        } else {
            result.journeys[j].ok += 1
            result.timeline[b].journeysOk += 1
            _ = result.journeys[j].latency.record(
                LatencyHistogram.microseconds(nanoseconds: now - slab[slot].intendedStart))
            _ = result.journeys[j].service.record(
                LatencyHistogram.microseconds(nanoseconds: slab[slot].serviceTotal))
        }
        let user = slab[slot].user
        inFlight -= 1
        releaseSlot(slot)
        if user >= 0, !loadEnded, !stopping, case .closed(_, let think) = model {
            // Without think time a failed iteration still pauses briefly, like a client's retry back-off: a user must
            // not turn a dead target into tens of thousands of connection attempts a second (which would saturate
            // the generator and hide the finding that the target is down).
            let pause = think > 0 ? think : (error != nil ? LoopWorker.failurePauseNanoseconds : 0)
            if pause > 0 {
                let intended = now + pause
                loop.assumeIsolated().scheduleTask(deadline: start + .nanoseconds(intended)) { [self] in
                    launchClosedIteration(user: user, intended: intended)
                }
            } else {
                launchClosedIteration(user: user, intended: now)
            }
        }
        checkFinished()
    }

    private func sample(_ error: ErrorClass, _ message: String) {
        guard result.errorSamples.count < DrillResult.maximumErrorSamples else { return }
        let text = "\(error.key): \(message)".prefix(DrillResult.maximumErrorSampleLength)
        if !result.errorSamples.contains(String(text)) { result.errorSamples.append(String(text)) }
    }

    // MARK: - Connections

    private func connect(_ c: Connection, for slot: Int) {
        c.state = .connecting
        c.journey = slot
        c.deadline = slab[slot].stepIntended + timeout
        result.generator.connectionsOpened += 1
        let bound = NIOLoopBound(c, eventLoop: loop)
        let tls = self.tls
        let connectTimeout = TimeAmount.nanoseconds(max(1_000_000, timeout))
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                do {
                    if let tls { try tls.addHandler(to: channel) }
                    try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(connection: bound.value))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { [self] outcome in connectCompleted(c, outcome) }
    }

    private func connectCompleted(_ c: Connection, _ outcome: Result<any Channel, any Error>) {
        switch outcome {
        case .success(let channel):
            c.channel = channel
            if finished || stopping {
                // Stopping sends nothing new: the journey that waited for this connection is abandoned.
                if c.journey >= 0, slab[c.journey].active { abandon(c.journey) }
                c.journey = -1
                close(c)
                checkFinished()
                return
            }
            if c.journey >= 0 {
                send(c, slot: c.journey, now: offsetNow())
            } else {
                release(c)
            }
        case .failure(let error):
            c.state = .unconnected
            c.channel = nil
            unconnected.append(c.id)
            let slot = c.journey
            c.journey = -1
            let now = offsetNow()
            if slot >= 0 {
                let (cls, message) = ErrorClassifier.classify(error)
                failStep(slot, cls, now: now, message: message)
            }
            // Give the next waiting journey its own attempt (it fails fast too if the target is down).
            if let next = waiting.popFirst() {
                slab[next].waiting = false
                if let id = unconnected.popLast() {
                    connect(connections[id], for: next)
                } else {
                    slab[next].waiting = true
                    waiting.prepend(next)
                }
            }
        }
    }

    private func send(_ c: Connection, slot: Int, now: Int64) {
        let step = compiled.steps[slab[slot].step]
        c.state = .busy
        c.journey = slot
        c.deadline = slab[slot].stepIntended + timeout
        c.parser.begin(isHeadRequest: step.isHead, captureBody: step.capturesBody)
        let buffer: ByteBuffer
        if let pre = staticRequests[step.global] {
            buffer = pre
        } else {
            c.sendBuffer.clear()
            render(step, slot: slot, into: &c.sendBuffer)
            buffer = c.sendBuffer
        }
        slab[slot].stepSent = now
        result.requestsSent += 1
        result.timeline[bucket(now)].sent += 1
        guard let channel = c.channel else {
            c.journey = -1
            failStep(slot, .connectionReset, now: now)
            return
        }
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func render(_ step: CompiledStep, slot: Int, into buffer: inout ByteBuffer) {
        let order = slab[slot].order
        let extracts = slab[slot].extracts
        step.head.render(order: order, generator: compiled.generator, extracts: extracts, into: &buffer)
        if let body = step.body {
            scratch.clear()
            body.render(order: order, generator: compiled.generator, extracts: extracts, into: &scratch)
            buffer.appendBytes(CompiledStep.contentLengthPrefix)
            buffer.appendDecimal(UInt64(scratch.readableBytes))
            buffer.appendBytes(CompiledStep.headEnd)
            buffer.writeImmutableBuffer(scratch)
        } else if step.needsEmptyContentLength {
            buffer.appendBytes(CompiledStep.emptyContentLength)
        } else {
            buffer.appendBytes(CompiledStep.crlf)
        }
    }

    /// Hands a free connection to the next waiting journey, or parks it.
    private func release(_ c: Connection) {
        c.state = .idle
        c.journey = -1
        if stopping || finished {
            close(c)
            return
        }
        if let next = waiting.popFirst() {
            slab[next].waiting = false
            send(c, slot: next, now: offsetNow())
        } else {
            idle.append(c.id)
        }
    }

    private func close(_ c: Connection) {
        c.state = .closing
        c.channel?.close(promise: nil)
    }

    // MARK: - Channel events (called by ClientConnectionHandler)

    func didRead(_ c: Connection, _ buffer: inout ByteBuffer) {
        guard c.state == .busy, c.journey >= 0 else {
            // Data nobody asked for (or after a timeout): the connection cannot be trusted any more.
            if c.state == .idle { removeIdle(c) }
            close(c)
            return
        }
        let progress: HTTPResponseParser.Progress
        do {
            progress = try buffer.withUnsafeReadableBytes { raw throws(HTTPResponseParser.ParseError) in
                try c.parser.feed(raw)
            }
        } catch {
            let slot = c.journey
            c.journey = -1
            close(c)
            failStep(slot, .other, now: offsetNow(), message: error.description)
            return
        }
        if case .complete(let consumed) = progress {
            let extra = consumed < buffer.readableBytes
            responseComplete(c, keepAlive: c.parser.keepAlive && !extra)
        }
    }

    private func responseComplete(_ c: Connection, keepAlive: Bool) {
        let now = offsetNow()
        let slot = c.journey
        c.journey = -1
        let stepIndex = slab[slot].step
        let step = compiled.steps[stepIndex]
        let status = c.parser.status
        let latency = LatencyHistogram.microseconds(nanoseconds: now - slab[slot].stepIntended)
        let serviceNanos = now - slab[slot].stepSent
        let service = LatencyHistogram.microseconds(nanoseconds: serviceNanos)
        slab[slot].serviceTotal += serviceNanos

        var error: ErrorClass?
        if !step.accepted[status] {
            // Error statuses keep their code; an unexpected success or redirect fails the step's expectation.
            error = status >= 400 ? .http(status) : .expectFailed
        } else if !step.extract.isEmpty {
            if c.parser.bodyTruncated {
                error = .extractFailed
            } else {
                for x in step.extract {
                    let found: Bool = c.parser.body.withUnsafeBytes { raw in
                        guard let range = x.pointer.locate(in: raw) else { return false }
                        slab[slot].extracts.set(slot: x.slot, token: UnsafeRawBufferPointer(rebasing: raw[range]))
                        return true
                    }
                    if !found {
                        error = .extractFailed
                        break
                    }
                }
            }
        }

        // Record.
        result.requests.count += 1
        result.steps[stepIndex].count += 1
        _ = result.requests.latency.record(latency)
        _ = result.requests.service.record(service)
        _ = result.steps[stepIndex].latency.record(latency)
        _ = result.steps[stepIndex].service.record(service)
        let b = bucket(now)
        if let error {
            result.requests.errors.add(error)
            result.steps[stepIndex].errors.add(error)
            result.timeline[b].errors += 1
        } else {
            result.requests.ok += 1
            result.steps[stepIndex].ok += 1
            result.timeline[b].ok += 1
            if step.acknowledgedSlot >= 0 { recordAcknowledged(slot, step: step, now: now) }
        }
        if b != currentLatencyBucket {
            flushLatencyBucket()
            currentLatencyBucket = b
        }
        _ = bucketLatencies.record(latency)
        _ = windowLatencies.record(latency)

        if keepAlive {
            release(c)
        } else {
            close(c)
        }
        finishStep(slot, error: error, now: now)
    }

    /// Keeps the acknowledged order for the audit after the load (only steps the audit names get here).
    private func recordAcknowledged(_ slot: Int, step: CompiledStep, now: Int64) {
        guard result.acknowledged.count < DrillResult.maximumAcknowledgedPerLoop else {
            result.acknowledgedNotKept += 1
            return
        }
        guard let id = slab[slot].extracts.text(slot: step.acknowledgedSlot) else { return }
        let key = step.acknowledgedKey?.renderString(
            order: slab[slot].order, generator: compiled.generator, extracts: slab[slot].extracts)
        result.acknowledged.append(AcknowledgedOrder(id: id, key: key, atNanoseconds: now))
    }

    /// Hands over the slices that ended at least `keeping` slices before now (all of them once the loop has
    /// finished): the engine merges every loop's slices into one timeline while the drill runs, so a long drill holds
    /// its timeline once instead of once per event loop. Returns the drill-clock slice of the first one handed over.
    func takeFinishedTimeline(keeping: Int = 10) -> (base: Int, slices: [TimelineBucket]) {
        let base = timelineBase
        let cut =
            finished
            ? result.timeline.count
            : min(result.timeline.count, Int(max(0, offsetNow()) / bucketNanoseconds) - timelineBase - keeping)
        guard cut > 0 else { return (base, []) }
        if currentLatencyBucket >= 0 && currentLatencyBucket < cut {
            flushLatencyBucket()
            currentLatencyBucket = -1
        } else if currentLatencyBucket >= 0 {
            currentLatencyBucket -= cut
        }
        let slices = Array(result.timeline[..<cut])
        result.timeline.removeFirst(cut)
        timelineBase += cut
        return (base, slices)
    }

    private func flushLatencyBucket() {
        guard currentLatencyBucket >= 0, bucketLatencies.totalCount > 0 else { return }
        result.timeline[currentLatencyBucket].latencies = SparseLatencies(bucketLatencies)
        bucketLatencies.reset()
    }

    func channelInactive(_ c: Connection) {
        let slot = c.journey
        let wasIdle = c.state == .idle
        let completedByClose = c.state == .busy && slot >= 0 && c.parser.connectionClosed()
        if completedByClose {
            responseComplete(c, keepAlive: false)
        }
        if wasIdle { removeIdle(c) }
        let failedSlot = c.journey
        c.channel = nil
        c.journey = -1
        c.state = .unconnected
        unconnected.append(c.id)
        if failedSlot >= 0 && slab[failedSlot].active {
            failStep(
                failedSlot, .connectionReset, now: offsetNow(),
                message: c.pendingError ?? "connection closed before the response was complete")
        }
        c.pendingError = nil
        // A journey may be waiting for exactly this connection slot.
        if !stopping, !finished, let next = waiting.popFirst() {
            slab[next].waiting = false
            if let id = unconnected.popLast() { connect(connections[id], for: next) }
        }
    }

    func errorCaught(_ c: Connection, _ error: any Error) {
        let (cls, message) = ErrorClassifier.classify(error)
        if c.journey >= 0, c.state == .busy {
            let slot = c.journey
            c.journey = -1
            close(c)
            // An I/O error on an established connection is a reset, unless nothing better than "other" is known.
            failStep(slot, cls == .other ? .other : .connectionReset, now: offsetNow(), message: message)
        } else {
            c.pendingError = message
            close(c)
        }
    }

    private func removeIdle(_ c: Connection) {
        if let i = idle.firstIndex(of: c.id) { idle.remove(at: i) }
    }

    // MARK: - Live view

    /// Counters for the progress line; resets the live latency window.
    func snapshot() -> LiveSnapshot {
        let any = windowLatencies.totalCount > 0
        var s = LiveSnapshot(
            elapsedNanoseconds: offsetNow(), requestsSent: result.requestsSent, requestsOk: result.requestsOk,
            requestsFailed: result.requestsFailed, journeysStarted: result.journeysStarted,
            journeysOk: result.journeysOk, journeysFailed: result.journeysFailed, dropped: result.dropped,
            inFlight: inFlight, windowP99Microseconds: any ? windowLatencies.valueAtPercentile(99) : 0)
        if any {
            s.windowP50Microseconds = windowLatencies.valueAtPercentile(50)
            s.windowP90Microseconds = windowLatencies.valueAtPercentile(90)
            s.windowP95Microseconds = windowLatencies.valueAtPercentile(95)
        }
        windowLatencies.reset()
        return s
    }
}

/// Per-journey state in the loop's slab; slots are reused so steady state allocates nothing.
struct JourneyState {
    var active = false
    var waiting = false
    var generation: UInt32 = 0
    var journey = 0
    var step = 0
    var lastStep = 0
    var order = SyntheticOrder.empty
    var intendedStart: Int64 = 0
    var stepIntended: Int64 = 0
    var stepSent: Int64 = 0
    var serviceTotal: Int64 = 0
    var user = -1
    var extracts: ExtractSlots

    init(extractSlots: Int) {
        extracts = ExtractSlots(count: extractSlots)
    }
}

/// One pooled keep-alive connection of a loop.
/// Like its worker, lives on one event loop only, so its properties skip the runtime's exclusivity checks.
final class Connection {
    enum State { case unconnected, connecting, idle, busy, closing }

    let id: Int
    unowned let worker: LoopWorker
    @exclusivity(unchecked) var state = State.unconnected
    @exclusivity(unchecked) var channel: (any Channel)?
    /// The journey slot whose request is on this connection, or -1.
    @exclusivity(unchecked) var journey = -1
    @exclusivity(unchecked) var deadline: Int64 = 0
    @exclusivity(unchecked) var parser = HTTPResponseParser()
    @exclusivity(unchecked) var sendBuffer = ByteBufferAllocator().buffer(capacity: 512)
    @exclusivity(unchecked) var pendingError: String?

    init(id: Int, worker: LoopWorker) {
        self.id = id
        self.worker = worker
    }
}

/// Fires one of the loop's timers: the open model's next arrivals, or the housekeeping tick (timeouts, in-flight
/// gauge, CPU sampling). One instance per timer and loop, reused every time, so timers allocate nothing.
final class LoopTimer: NIOScheduledCallbackHandler {
    enum Kind { case arrivals, tick }

    unowned let worker: LoopWorker
    let kind: Kind

    init(worker: LoopWorker, kind: Kind) {
        self.worker = worker
        self.kind = kind
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        switch kind {
        case .arrivals: worker.arrivalsDue()
        case .tick: worker.tick()
        }
    }
}

/// Live counters of one loop (summed by the engine) for the progress line.
public struct LiveSnapshot: Sendable, Hashable {
    public var elapsedNanoseconds: Int64 = 0
    public var requestsSent = 0
    public var requestsOk = 0
    public var requestsFailed = 0
    public var journeysStarted = 0
    public var journeysOk = 0
    public var journeysFailed = 0
    public var dropped = 0
    public var inFlight = 0
    /// p99 of request latency since the previous snapshot (the highest over event loops).
    public var windowP99Microseconds: UInt64 = 0
    /// p50, p90 and p95 of request latency since the previous snapshot (each the highest over event loops).
    public var windowP50Microseconds: UInt64 = 0
    public var windowP90Microseconds: UInt64 = 0
    public var windowP95Microseconds: UInt64 = 0

    public init() {}

    init(
        elapsedNanoseconds: Int64, requestsSent: Int, requestsOk: Int, requestsFailed: Int, journeysStarted: Int,
        journeysOk: Int, journeysFailed: Int, dropped: Int, inFlight: Int, windowP99Microseconds: UInt64
    ) {
        self.elapsedNanoseconds = elapsedNanoseconds
        self.requestsSent = requestsSent
        self.requestsOk = requestsOk
        self.requestsFailed = requestsFailed
        self.journeysStarted = journeysStarted
        self.journeysOk = journeysOk
        self.journeysFailed = journeysFailed
        self.dropped = dropped
        self.inFlight = inFlight
        self.windowP99Microseconds = windowP99Microseconds
    }

    public mutating func add(_ o: LiveSnapshot) {
        elapsedNanoseconds = max(elapsedNanoseconds, o.elapsedNanoseconds)
        requestsSent += o.requestsSent
        requestsOk += o.requestsOk
        requestsFailed += o.requestsFailed
        journeysStarted += o.journeysStarted
        journeysOk += o.journeysOk
        journeysFailed += o.journeysFailed
        dropped += o.dropped
        inFlight += o.inFlight
        windowP99Microseconds = max(windowP99Microseconds, o.windowP99Microseconds)
        windowP50Microseconds = max(windowP50Microseconds, o.windowP50Microseconds)
        windowP90Microseconds = max(windowP90Microseconds, o.windowP90Microseconds)
        windowP95Microseconds = max(windowP95Microseconds, o.windowP95Microseconds)
    }
}
