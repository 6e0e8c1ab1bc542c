import Dispatch
import Foundation
import StormDrillPlan
import StormDrillReport
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends game-day records to `gameday.jsonl` durably: `append` returns once the line is written and fsync'd, so
/// an API that answers after it never acknowledges what a SIGKILL could lose.
///
/// Writes are group-committed on one serial queue: every record that arrives while a write and fsync are under way
/// goes into the next batch, covered by one fsync. A flood of feedback then costs one fsync per batch, not one per
/// post, and the blocking calls never run on Swift's cooperative threads or the event loops.
public final class GameDayJournal: Sendable {
    /// Why a record could not be made durable.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let path: String
    /// The plan's secrets, replaced by `***` in every line written.
    public let redactor: SecretRedactor
    private let fd: Int32
    private let queue = DispatchQueue(label: "stormdrill.gameday-journal")

    private struct State {
        var pending: [(Data, CheckedContinuation<Void, any Error>)] = []
        var writing = false
        var closed = false
        /// Set after a failed write: every later append fails at once.
        var failure: String?
    }

    private let state = Mutex(State())

    /// Opens (creating, or appending to) the journal at `path`, readable by the user alone (mode 0600).
    public init(path: String, redactor: SecretRedactor = SecretRedactor()) throws(WriteError) {
        self.path = path
        self.redactor = redactor
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        // The file's own directory entry must survive a crash too.
        let dir = open(
            (path as NSString).deletingLastPathComponent.isEmpty
                ? "."
                : (path as NSString)
                    .deletingLastPathComponent, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            Glibc.close(dir)
        }
    }

    deinit {
        Glibc.close(fd)
    }

    /// Appends one record; returns once it is on disk.
    public func append(_ record: GameDayRecord) async throws {
        let line = redactor.redact(record.jsonLine())
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { s -> Result<Bool, WriteError> in
                if let failure = s.failure { return .failure(WriteError(description: failure)) }
                if s.closed { return .failure(WriteError(description: "the game-day journal is closed")) }
                s.pending.append((line, continuation))
                if s.writing { return .success(false) }
                s.writing = true
                return .success(true)
            }
            switch start {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(true): queue.async { self.drain() }
            case .success(false): break
            }
        }
    }

    /// No more appends (those already waiting are still written).
    public func close() {
        state.withLock { $0.closed = true }
    }

    /// Writes batches until nothing is pending; runs on `queue` only.
    private func drain() {
        while true {
            let batch = state.withLock { s -> [(Data, CheckedContinuation<Void, any Error>)] in
                let b = s.pending
                s.pending.removeAll()
                if b.isEmpty { s.writing = false }
                return b
            }
            if batch.isEmpty { return }
            var bytes = Data()
            for (line, _) in batch { bytes.append(line) }
            let failure = write(bytes)
            if let failure {
                state.withLock { $0.failure = failure }
                for (_, c) in batch { c.resume(throwing: WriteError(description: failure)) }
            } else {
                for (_, c) in batch { c.resume() }
            }
        }
    }

    private func write(_ data: Data) -> String? {
        let failure: String? = data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return "cannot write \(path): \(String(cString: strerror(errno)))"
                }
                offset += n
            }
            return nil
        }
        if let failure { return failure }
        if fsync(fd) != 0 { return "cannot fsync \(path): \(String(cString: strerror(errno)))" }
        return nil
    }
}
