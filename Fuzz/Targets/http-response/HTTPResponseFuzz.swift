/// libFuzzer entry point for the load engine's HTTP/1.1 response parser.
///
/// Input: one flags byte (bit 0: the request was HEAD, bit 1: capture the body, bit 2: the server closes the
/// connection after the last byte), one piece-size byte (the stream is fed in pieces of 1 to 255 bytes; 0 feeds it
/// whole), then the bytes the server sent: one or more pipelined responses. The parser must never trap, must
/// report sane values for every complete response, and must give the same responses and the same error whether the
/// stream arrives whole or in pieces (the property `HTTPResponseParserTests` checks on the known cases).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 2 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let flags = input[0]
    let stream = [UInt8](input[2...])
    let whole = Outcome(stream, pieceSize: stream.count, flags: flags)
    let pieceSize = Int(input[1])
    if pieceSize > 0 {
        let pieces = Outcome(stream, pieceSize: pieceSize, flags: flags)
        precondition(pieces == whole, "fed in \(pieceSize)-byte pieces: \(pieces); whole: \(whole)")
    }
    return 0
}

/// What the parser made of a stream: the complete responses in order and how the stream ended.
struct Outcome: Equatable, CustomStringConvertible {
    struct Response: Equatable {
        var status: Int
        var keepAlive: Bool
        var body: [UInt8]
        var truncated: Bool
    }

    var responses: [Response] = []
    /// nil: the stream ended inside a response (or exactly after one).
    var error: HTTPResponseParser.ParseError?

    var description: String {
        "\(responses.map { "\($0.status) keepAlive=\($0.keepAlive) body=\($0.body.count)B" }) error=\(String(describing: error))"
    }

    init(_ stream: [UInt8], pieceSize: Int, flags: UInt8) {
        var parser = HTTPResponseParser()
        let head = flags & 1 != 0
        let capture = flags & 2 != 0
        parser.begin(isHeadRequest: head, captureBody: capture)
        var offset = 0
        stream.withUnsafeBytes { all in
            while offset < all.count {
                let end = min(all.count, offset + max(1, pieceSize))
                var piece = UnsafeRawBufferPointer(rebasing: all[offset..<end])
                offset = end
                while !piece.isEmpty {
                    let progress: HTTPResponseParser.Progress
                    do throws(HTTPResponseParser.ParseError) {
                        progress = try parser.feed(piece)
                    } catch {
                        self.error = error
                        return
                    }
                    guard case .complete(let consumed) = progress else { break }
                    precondition(consumed >= 1 && consumed <= piece.count, "consumed \(consumed) of \(piece.count)")
                    record(parser)
                    piece = UnsafeRawBufferPointer(rebasing: piece[consumed...])
                    // The next pipelined response.
                    parser.begin(isHeadRequest: head, captureBody: capture)
                }
            }
        }
        if error == nil && flags & 4 != 0 && parser.connectionClosed() { record(parser) }
    }

    private mutating func record(_ parser: HTTPResponseParser) {
        precondition((100...599).contains(parser.status), "status \(parser.status)")
        precondition(parser.body.count <= HTTPResponseParser.maximumCapturedBody, "body \(parser.body.count)")
        responses.append(
            Response(
                status: parser.status, keepAlive: parser.keepAlive, body: parser.body, truncated: parser.bodyTruncated))
    }
}
