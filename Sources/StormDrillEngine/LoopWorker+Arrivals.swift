import NIOCore
import NIOPosix
import StormDrillPlan

import struct Histogram.Histogram

/// When journeys start: the open model's arrivals on the scenario clock (planned ones, and the rate in force while
/// it holds), the closed model's users and end.
extension LoopWorker {
    // MARK: - Scenario clock

    /// The runner changed the scenario clock (a hold began or ended): planned arrivals and the closed model's end move
    /// with it.
    func clockChanged(_ newClock: ScenarioClock) {
        clock = newClock
        if newClock.horizon?.number != holdStreamNumber {
            // The hold these arrivals belonged to is over. Those intended before its release still arrive (the loop
            // may hear of the release after their timer was due); nothing later of it is sent.
            if holdStreamNumber >= 0, holdStreamNumber < newClock.holds.count,
                let end = newClock.holds[holdStreamNumber].drillEnd, begun, !finished, !stopping, !loadEnded
            {
                let now = offsetNow()
                while let arrival = nextHoldArrival, arrival.offset < end, arrival.offset <= now {
                    arrive(arrival.index, intended: arrival.offset, now: now)
                    nextHoldArrival = holdStream?.next()
                }
            }
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
    func scheduleClosedEnd() {
        closedEnd?.cancel()
        closedEnd = nil
        guard let end = clock.drill(forScenario: loadNanoseconds) else { return }
        closedEnd = loop.assumeIsolated().scheduleTask(deadline: start + .nanoseconds(end)) { [self] in
            endLoad(at: end)
        }
    }

    // MARK: - Open model arrivals

    func scheduleNextArrival() {
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

    func prepareHoldStream(_ horizon: (number: Int, scenarioAt: Int64, drillStart: Int64)) {
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

    func arrive(_ order: UInt64, intended: Int64, now: Int64) {
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

    func launchClosedIteration(user: Int, intended: Int64) {
        guard !loadEnded, !stopping else { return }
        let now = offsetNow()
        _ = result.generator.lag.record(LatencyHistogram.microseconds(nanoseconds: now - intended))
        let order = nextClosedOrder * UInt64(partitions) + UInt64(index)
        nextClosedOrder += 1
        launchJourney(compiled.journey(forOrder: order), order: order, intended: intended, user: user, now: now)
    }
}
