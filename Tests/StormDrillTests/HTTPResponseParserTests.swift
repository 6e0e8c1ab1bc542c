import StormDrillEngine
import Testing

extension StormDrillTests {
    @Suite("Hand-written HTTP/1.1 response parser (pure)")
    struct HTTPResponseParserTests {
        struct Outcome: Equatable {
            var status: Int
            var keepAlive: Bool
            var body: String
            var consumed: Int
        }

        /// Feeds `text` in pieces of `chunk` bytes; returns the outcome once complete.
        static func parse(
            _ text: String, chunk: Int = Int.max, head: Bool = false,
            closeAtEnd: Bool = false
        ) throws -> Outcome? {
            var parser = HTTPResponseParser()
            parser.begin(isHeadRequest: head, captureBody: true)
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunk)
                let piece = Array(bytes[offset..<end])
                let progress = try piece.withUnsafeBytes { raw throws(HTTPResponseParser.ParseError) in
                    try parser.feed(raw)
                }
                if case .complete(let consumed) = progress {
                    return Outcome(
                        status: parser.status, keepAlive: parser.keepAlive,
                        body: String(decoding: parser.body, as: UTF8.self), consumed: offset + consumed)
                }
                offset = end
            }
            if closeAtEnd, parser.connectionClosed() {
                return Outcome(
                    status: parser.status, keepAlive: parser.keepAlive,
                    body: String(decoding: parser.body, as: UTF8.self), consumed: bytes.count)
            }
            return nil
        }

        static let cases: [(name: String, text: String, status: Int, keepAlive: Bool, body: String)] = [
            (
                "content-length",
                "HTTP/1.1 201 Created\r\nContent-Length: 11\r\nContent-Type: application/json\r\n\r\n{\"id\":\"o1\"}",
                201, true, "{\"id\":\"o1\"}"
            ),
            (
                "chunked",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n",
                200, true, "hello world"
            ),
            (
                "connection close",
                "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno", 503, false, "no"
            ),
            ("http/1.0 default close", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, false, "x"),
            (
                "http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", 200,
                true, "x"
            ),
            ("204 has no body", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 204, true, ""),
            (
                "interim 100", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, true,
                "ok"
            ),
            ("bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 200, true, "ok"),
            (
                "mixed-case headers", "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 2\r\nCONNECTION: Close\r\n\r\nok", 200, false,
                "ok"
            ),
            ("no reason phrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, true, ""),
            ("empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, true, ""),
        ]

        @Test("complete responses", arguments: cases)
        func responses(c: (name: String, text: String, status: Int, keepAlive: Bool, body: String)) throws {
            let whole = try #require(try Self.parse(c.text))
            #expect(whole.status == c.status, "\(c.name)")
            #expect(whole.keepAlive == c.keepAlive, "\(c.name)")
            #expect(whole.body == c.body, "\(c.name)")
            #expect(whole.consumed == c.text.utf8.count, "\(c.name)")
            // Split at every possible point: the same outcome.
            for chunk in 1...8 {
                #expect(try Self.parse(c.text, chunk: chunk) == whole, "\(c.name) in \(chunk)-byte pieces")
            }
        }

        @Test("HEAD responses have no body whatever the Content-Length")
        func head() throws {
            let r = try #require(try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", head: true))
            #expect(r.status == 200 && r.body.isEmpty && r.keepAlive)
        }

        @Test("a body without length is read until close and the connection is not reused")
        func untilClose() throws {
            let text = "HTTP/1.1 200 OK\r\n\r\nstreamed body"
            #expect(try Self.parse(text) == nil)
            let r = try #require(try Self.parse(text, closeAtEnd: true))
            #expect(r.body == "streamed body" && !r.keepAlive)
        }

        @Test("a second response in the same read is not consumed")
        func pipelinedData() throws {
            let one = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            let r = try #require(try Self.parse(one + "HTTP/1.1 200 OK\r\n"))
            #expect(r.consumed == one.utf8.count)
        }

        @Test(
            "malformed responses are clear errors",
            arguments: [
                ("SMTP 220 hello\r\n\r\n", HTTPResponseParser.ParseError.invalidStatusLine),
                ("HTTP/1.1 2x0 OK\r\n\r\n", .invalidStatusLine),
                ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", .invalidHeader),
                ("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", .invalidContentLength),
                ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength),
                ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunk),
                ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", .invalidChunk),
            ])
        func malformed(c: (String, HTTPResponseParser.ParseError)) {
            #expect(throws: c.1) { _ = try Self.parse(c.0) }
        }

        @Test("an oversized head is refused")
        func oversized() {
            let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n"
            #expect(throws: HTTPResponseParser.ParseError.headTooLarge) { _ = try Self.parse(big, chunk: 1000) }
        }

        @Test("data with no request outstanding is refused")
        func unsolicited() {
            var parser = HTTPResponseParser()
            #expect(throws: HTTPResponseParser.ParseError.unsolicitedData) {
                _ = try Array("HTTP/1.1 200 OK\r\n".utf8).withUnsafeBytes { raw throws(HTTPResponseParser.ParseError) in
                    try parser.feed(raw)
                }
            }
        }
    }
}

extension StormDrillTests.HTTPResponseParserTests {
    @Test("Content-Length lists must agree; keep-alive tokens are read from lists")
    func headerLists() throws {
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok")?.body == "ok")
        #expect(throws: HTTPResponseParser.ParseError.invalidContentLength) {
            _ = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello")
        }
        #expect(throws: HTTPResponseParser.ParseError.invalidContentLength) {
            _ = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: ,\r\n\r\n")
        }
        let r = try #require(
            try Self.parse("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n"))
        #expect(!r.keepAlive)
        let chunkedLast = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
        #expect(try Self.parse(chunkedLast)?.keepAlive == true)
        let notChunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw"
        #expect(try Self.parse(notChunked, closeAtEnd: true)?.body == "raw")
    }
}
