import NIOCore
import NIOPosix
import StormDrillPlan

import struct Histogram.Histogram

/// A journey's life on a loop: its slot, its steps one after another (with think times), its end and what it records.
extension LoopWorker {
    // MARK: - Journeys

    func allocateSlot() -> Int {
        if let slot = freeSlots.popLast() { return slot }
        slab.append(JourneyState(extractSlots: compiled.maxExtractSlots))
        return slab.count - 1
    }

    func releaseSlot(_ slot: Int) {
        slab[slot].active = false
        slab[slot].waiting = false
        slab[slot].generation &+= 1
        freeSlots.append(slot)
    }

    func launchJourney(_ journey: Int, order: UInt64, intended: Int64, user: Int, now: Int64) {
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

    func startStep(_ slot: Int, now: Int64) {
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
    func finishStep(_ slot: Int, error: ErrorClass?, now: Int64) {
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
    func failStep(_ slot: Int, _ error: ErrorClass, now: Int64, message: String? = nil) {
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

    func endJourney(_ slot: Int, error: ErrorClass?, now: Int64) {
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

    func sample(_ error: ErrorClass, _ message: String) {
        guard result.errorSamples.count < DrillResult.maximumErrorSamples else { return }
        // Redacted before it is cut, so that no part of a secret survives at the cut.
        let text = compiled.plan.redactor.redact("\(error.key): \(message)").prefix(
            DrillResult.maximumErrorSampleLength)
        if !result.errorSamples.contains(String(text)) { result.errorSamples.append(String(text)) }
    }
}
