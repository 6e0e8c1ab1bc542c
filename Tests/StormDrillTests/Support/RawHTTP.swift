import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking HTTP/1.1 client over a loopback socket, for what the NIO test client cannot do: read a
/// Server-Sent Events stream for a while, send a body with a lying Content-Length, or drop a connection mid-stream.
enum RawHTTP {
    /// Sends `request` (complete, CRLFs included) to 127.0.0.1:`port` and reads until `done` says the text so far
    /// is enough, the server closes, or `timeout` seconds pass. Returns everything read.
    static func exchange(
        port: Int, request: String, timeout: Double = 5, done: (String) -> Bool = { _ in false }
    ) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return "" }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var data = [UInt8]()
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                break
            }
            data.append(contentsOf: buffer[0..<n])
            if done(String(decoding: data, as: UTF8.self)) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A GET of an event stream with optional extra headers; reads until `done` or `timeout`.
    static func events(
        port: Int, path: String = "/events", headers: [String: String] = [:], timeout: Double = 5,
        done: (String) -> Bool
    ) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        return exchange(port: port, request: request + "\r\n", timeout: timeout, done: done)
    }

    /// The lines of a response as text: split at every line break, CRLF too (Swift's `String` keeps "\r\n" as one
    /// character, so splitting at "\n" alone would miss it).
    static func lines(_ text: String) -> [String] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
    }

    /// The `id:` values of the events in a stream's text, in order.
    static func eventIDs(_ text: String) -> [Int] {
        lines(text).compactMap { line in line.hasPrefix("id: ") ? Int(line.dropFirst(4)) : nil }
    }

    /// The events in a stream's text as (id, name, data); chunk sizes and headers are not event fields and are
    /// skipped.
    static func parseEvents(_ text: String) -> [(id: Int, name: String, data: String)] {
        var out: [(Int, String, String)] = []
        var id: Int?
        var name = "message"
        var data = ""
        for line in lines(text) {
            if line.hasPrefix("id: ") {
                id = Int(line.dropFirst(4))
            } else if line.hasPrefix("event: ") {
                name = String(line.dropFirst(7))
            } else if line.hasPrefix("data: ") {
                data = String(line.dropFirst(6))
            } else if line.isEmpty, let i = id {
                out.append((i, name, data))
                id = nil
                name = "message"
                data = ""
            }
        }
        return out
    }
}

extension RawHTTP {
    /// Runs blocking socket work on a thread of its own: on Swift's cooperative pool (two threads here) it would
    /// starve the very server it talks to.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}
