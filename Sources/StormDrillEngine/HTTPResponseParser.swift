/// An incremental HTTP/1.1 response parser for the load engine's client connections.
///
/// Hand-written because the stock `HTTPResponseDecoder` costs about 4 µs of CPU per response on this machine
/// (see docs/adr/0001-http-client.md). It handles what a client must: status line and headers split anywhere across
/// reads, Content-Length and chunked framing, read-until-close bodies, `Connection: close` and HTTP/1.0 keep-alive,
/// interim 1xx responses, and responses without a body (HEAD, 204, 304). Anything else is a clear error. It is a
/// pure value type, tested without sockets.
public struct HTTPResponseParser: Sendable {
    /// Why a response could not be parsed; bounded, for error classes and samples.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case invalidStatusLine
        case invalidHeader
        case headTooLarge
        case invalidContentLength
        case invalidChunk
        case unsolicitedData

        public var description: String {
            switch self {
            case .invalidStatusLine: "invalid HTTP status line"
            case .invalidHeader: "invalid HTTP header line"
            case .headTooLarge: "response head larger than 64 KiB"
            case .invalidContentLength: "invalid Content-Length"
            case .invalidChunk: "invalid chunked encoding"
            case .unsolicitedData: "data received with no request outstanding"
            }
        }
    }

    /// The result of feeding bytes.
    public enum Progress: Sendable, Hashable {
        /// The response is not complete yet; all bytes were consumed.
        case needMore
        /// The response is complete after `consumed` bytes of this input.
        case complete(consumed: Int)
    }

    enum State: Sendable {
        case idle
        case statusLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    public static let maximumHeadSize = 64 * 1024
    /// Bodies are captured (for extraction) up to this size; beyond it `bodyTruncated` is set.
    public static let maximumCapturedBody = 4 * 1024 * 1024

    var state: State = .idle
    public private(set) var status = 0
    public private(set) var keepAlive = true
    var http10 = false
    var contentLength: Int?
    var chunked = false
    var sawTransferEncoding = false
    var headBytes = 0
    var isHeadRequest = false
    var capture = false
    var line: [UInt8] = []
    /// The captured body, when capture was requested.
    public private(set) var body: [UInt8] = []
    public private(set) var bodyTruncated = false

    public init() {
        line.reserveCapacity(256)
    }

    /// True between `begin` and completion.
    public var isActive: Bool {
        switch state {
        case .idle, .done: false
        default: true
        }
    }

    /// True when the response has no length and ends when the server closes the connection.
    public var isReadingUntilClose: Bool {
        if case .untilClose = state { return true }
        return false
    }

    /// Prepares for the response to the next request.
    public mutating func begin(isHeadRequest: Bool, captureBody: Bool) {
        state = .statusLine
        status = 0
        keepAlive = true
        http10 = false
        contentLength = nil
        chunked = false
        sawTransferEncoding = false
        headBytes = 0
        self.isHeadRequest = isHeadRequest
        capture = captureBody
        line.removeAll(keepingCapacity: true)
        if !body.isEmpty { body.removeAll(keepingCapacity: true) }
        bodyTruncated = false
    }

    /// The server closed the connection: completes a read-until-close response, otherwise returns false.
    public mutating func connectionClosed() -> Bool {
        if case .untilClose = state {
            state = .done
            keepAlive = false
            return true
        }
        return false
    }

    /// Feeds bytes. Returns `.complete` with the number of bytes that belonged to this response.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Progress {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .idle, .done:
                throw .unsolicitedData
            case .statusLine, .headers, .chunkSize, .trailers, .chunkDataEnd:
                // Line-oriented states: find the end of the line.
                var j = i
                while j < n && bytes[j] != 0x0A { j += 1 }
                if isHeadState {
                    headBytes += j - i + (j < n ? 1 : 0)
                    if headBytes > HTTPResponseParser.maximumHeadSize { throw .headTooLarge }
                }
                if j == n {
                    if line.count + (n - i) > HTTPResponseParser.maximumHeadSize { throw .headTooLarge }
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                    return .needMore
                }
                if line.isEmpty {
                    try processLine(UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                } else {
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                    // Move the buffer out (no copy), process it, and give it back emptied: no allocation.
                    var pending: [UInt8] = []
                    swap(&pending, &line)
                    var failure: ParseError?
                    pending.withUnsafeBytes { raw in
                        do throws(ParseError) { try processLine(raw) } catch { failure = error }
                    }
                    pending.removeAll(keepingCapacity: true)
                    swap(&pending, &line)
                    if let failure { throw failure }
                }
                i = j + 1
                if case .done = state { return .complete(consumed: i) }
            case .body(let remaining):
                let take = min(remaining, n - i)
                captureBody(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                if take == remaining {
                    state = .done
                    return .complete(consumed: i)
                }
                state = .body(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                captureBody(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .untilClose:
                captureBody(UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                return .needMore
            }
        }
        if case .done = state { return .complete(consumed: i) }
        return .needMore
    }

    private var isHeadState: Bool {
        switch state {
        case .statusLine, .headers: true
        default: false
        }
    }

    private mutating func captureBody(_ bytes: UnsafeRawBufferPointer) {
        guard capture, !bytes.isEmpty else { return }
        if body.count + bytes.count > HTTPResponseParser.maximumCapturedBody {
            bodyTruncated = true
            return
        }
        body.append(contentsOf: bytes)
    }

    /// Handles one line without its LF (a trailing CR is ignored).
    private mutating func processLine(_ raw: UnsafeRawBufferPointer) throws(ParseError) {
        var end = raw.count
        if end > 0 && raw[end - 1] == 0x0D { end -= 1 }
        let lineBytes = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        switch state {
        case .statusLine:
            // A client should ignore an empty line before the status line (RFC 9112, section 2.2).
            if lineBytes.isEmpty { return }
            try parseStatusLine(lineBytes)
            state = .headers
        case .headers:
            if lineBytes.isEmpty {
                finishHead()
            } else {
                try parseHeader(lineBytes)
            }
        case .chunkSize:
            var size = 0
            var digits = 0
            for b in lineBytes {
                let v: Int
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = Int(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = Int(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): v = Int(b - UInt8(ascii: "A") + 10)
                case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                    v = -1
                default: throw .invalidChunk
                }
                if v < 0 { break }
                digits += 1
                guard digits <= 15 else { throw .invalidChunk }
                size = size << 4 | v
            }
            guard digits > 0 else { throw .invalidChunk }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkDataEnd:
            guard lineBytes.isEmpty else { throw .invalidChunk }
            state = .chunkSize
        case .trailers:
            if lineBytes.isEmpty { state = .done }
        default:
            break
        }
    }

    private mutating func parseStatusLine(_ b: UnsafeRawBufferPointer) throws(ParseError) {
        // "HTTP/1.1 200 OK"
        guard b.count >= 12, b[0] == UInt8(ascii: "H"), b[1] == UInt8(ascii: "T"), b[2] == UInt8(ascii: "T"),
            b[3] == UInt8(ascii: "P"), b[4] == UInt8(ascii: "/"), b[5] == UInt8(ascii: "1"), b[6] == UInt8(ascii: "."),
            b[8] == UInt8(ascii: " ")
        else { throw .invalidStatusLine }
        http10 = b[7] == UInt8(ascii: "0")
        keepAlive = !http10
        var code = 0
        for k in 9..<12 {
            let d = b[k]
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { throw .invalidStatusLine }
            code = code * 10 + Int(d - UInt8(ascii: "0"))
        }
        guard code >= 100, code <= 599, b.count == 12 || b[12] == UInt8(ascii: " ") else { throw .invalidStatusLine }
        status = code
    }

    private mutating func parseHeader(_ b: UnsafeRawBufferPointer) throws(ParseError) {
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { throw .invalidHeader }
        let nameLength = colon
        // Only three headers matter for framing; compare lengths first.
        var valueStart = colon + 1
        while valueStart < b.count && (b[valueStart] == 0x20 || b[valueStart] == 0x09) { valueStart += 1 }
        var valueEnd = b.count
        while valueEnd > valueStart && (b[valueEnd - 1] == 0x20 || b[valueEnd - 1] == 0x09) { valueEnd -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: b[valueStart..<valueEnd])
        switch nameLength {
        case 14 where HTTPResponseParser.equalsLowercase(b, "content-length"):
            // A list ("5, 5") is allowed only if every value is the same (RFC 9110, section 8.6).
            var invalid = false
            var seenAny = false
            HTTPResponseParser.forEachToken(value) { token in
                var v = 0
                for d in token {
                    guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9"), v < 100_000_000_000_000 else {
                        invalid = true
                        return false
                    }
                    v = v * 10 + Int(d - UInt8(ascii: "0"))
                }
                if let existing = contentLength, existing != v {
                    invalid = true
                    return false
                }
                contentLength = v
                seenAny = true
                return true
            }
            if invalid || !seenAny { throw .invalidContentLength }
        case 17 where HTTPResponseParser.equalsLowercase(b, "transfer-encoding"):
            sawTransferEncoding = true
            // chunked must be the final coding.
            chunked = HTTPResponseParser.lastTokenIs(value, "chunked")
        case 10 where HTTPResponseParser.equalsLowercase(b, "connection"):
            if HTTPResponseParser.containsToken(value, "close") { keepAlive = false }
            if http10 && HTTPResponseParser.containsToken(value, "keep-alive") { keepAlive = true }
        default:
            break
        }
    }

    private mutating func finishHead() {
        if status >= 100 && status < 200 && status != 101 {
            // Interim response: the real one follows.
            let head = isHeadRequest
            let cap = capture
            begin(isHeadRequest: head, captureBody: cap)
            return
        }
        if status == 101 {
            keepAlive = false
            state = .done
            return
        }
        if isHeadRequest || status == 204 || status == 304 {
            state = .done
            return
        }
        if sawTransferEncoding {
            if chunked {
                state = .chunkSize
            } else {
                keepAlive = false
                state = .untilClose
            }
            return
        }
        if let length = contentLength {
            state = length == 0 ? .done : .body(remaining: length)
            return
        }
        keepAlive = false
        state = .untilClose
    }

    static func equalsLowercase(_ b: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { n in
            for k in 0..<n.count {
                var c = b[k]
                if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
                if c != n[k] { return false }
            }
            return true
        }
    }

    /// Calls `body` with each comma-separated token of a header value (whitespace trimmed), without allocating.
    /// Stops early when `body` returns false.
    static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Bool) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
            var lo = start
            var hi = end
            while lo < hi && (value[lo] == 0x20 || value[lo] == 0x09) { lo += 1 }
            while hi > lo && (value[hi - 1] == 0x20 || value[hi - 1] == 0x09) { hi -= 1 }
            if hi > lo && !body(UnsafeRawBufferPointer(rebasing: value[lo..<hi])) { return }
            start = end + 1
        }
    }

    /// Case-insensitive comparison of a token with a lowercase ASCII name.
    static func tokenEquals(_ token: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard token.count == name.utf8CodeUnitCount else { return false }
        return equalsLowercase(token, name)
    }

    static func containsToken(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        var found = false
        forEachToken(value) { t in
            found = tokenEquals(t, token)
            return !found
        }
        return found
    }

    static func lastTokenIs(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        var last = false
        forEachToken(value) { t in
            last = tokenEquals(t, token)
            return true
        }
        return last
    }
}
