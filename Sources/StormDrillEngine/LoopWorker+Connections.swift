import NIOCore
import NIOPosix
import StormDrillPlan

import struct Histogram.Histogram

/// The loop's keep-alive pool: connecting, sending a rendered request, releasing or closing, and the channel's
/// events as the connection handler reports them (a response read, a close, an error).
extension LoopWorker {
    // MARK: - Connections

    func connect(_ c: Connection, for slot: Int) {
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

    func connectCompleted(_ c: Connection, _ outcome: Result<any Channel, any Error>) {
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

    func send(_ c: Connection, slot: Int, now: Int64) {
        let step = compiled.steps[slab[slot].step]
        if !step.headerExtracts.isEmpty,
            let bad = step.headerExtracts.first(where: { !slab[slot].extracts.isHeaderSafe(slot: $0.slot) })
        {
            // Never on the wire: a line break here would inject a header or smuggle a second request. The
            // connection is untouched; it goes back to the pool on the next turn of the loop (not recursively, so a
            // queue of such journeys cannot grow the stack).
            failStep(
                slot, .invalidRequest, now: now,
                message: "extract.\(bad.name) holds a line break or control character; a header cannot carry it")
            c.state = .busy
            c.journey = -1
            loop.assumeIsolated().execute { [self] in
                // Unless the connection closed in the meantime (then it is already back among the unconnected).
                if c.state == .busy, c.journey == -1, c.channel != nil { release(c) }
            }
            return
        }
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

    func render(_ step: CompiledStep, slot: Int, into buffer: inout ByteBuffer) {
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
    func release(_ c: Connection) {
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

    func close(_ c: Connection) {
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

    func responseComplete(_ c: Connection, keepAlive: Bool) {
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
    func recordAcknowledged(_ slot: Int, step: CompiledStep, now: Int64) {
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

    func flushLatencyBucket() {
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
            // An I/O error on an established connection is a reset, unless nothing better than "other" is known;
            // a failed TLS handshake keeps its own class.
            let kept: ErrorClass
            switch cls {
            case .other, .tlsUnknownCA, .tlsHostname, .tlsExpired, .tlsHandshake: kept = cls
            default: kept = .connectionReset
            }
            failStep(slot, kept, now: offsetNow(), message: message)
        } else {
            c.pendingError = message
            close(c)
        }
    }

    func removeIdle(_ c: Connection) {
        if let i = idle.firstIndex(of: c.id) { idle.remove(at: i) }
    }
}
