import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import StormDrillFaults

/// libFuzzer entry point for the Toxiproxy-compatible control API: a sequence of requests through the real router
/// (`ToxiproxyAPI.makeRouter()`, middleware included) against a fresh `ProxyRegistry`, without an HTTP server.
///
/// Input: up to 8 requests separated by NUL bytes; each is `METHOD PATH`, optionally a newline and the body. A
/// request line that is not a valid method and path is skipped. Proxies the requests create may listen (the script
/// runs this target in a network namespace of its own when it can); the registry is shut down after each input.
///
/// Checked: nothing traps; the router either answers or throws Hummingbird's `HTTPError` (no route); no answer is a
/// 5xx except the API's own bind failures; every JSON answer is valid JSON (an encoding failure would be `null`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let requests = FuzzRequest.split(UnsafeRawBufferPointer(start: start, count: count))
    guard !requests.isEmpty else { return 0 }
    let done = DispatchSemaphore(value: 0)
    Task {
        await FuzzRequest.run(requests)
        done.signal()
    }
    done.wait()
    return 0
}

struct FuzzRequest: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var body: [UInt8]

    static let maximumRequests = 8
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    static let channel = NIOAsyncTestingChannel()

    static func split(_ input: UnsafeRawBufferPointer) -> [FuzzRequest] {
        var out: [FuzzRequest] = []
        for part in input.split(separator: 0, omittingEmptySubsequences: true).prefix(maximumRequests) {
            let newline = part.firstIndex(of: UInt8(ascii: "\n")) ?? part.endIndex
            let line = String(decoding: part[part.startIndex..<newline], as: UTF8.self)
            let body = newline < part.endIndex ? [UInt8](part[(newline + 1)...]) : []
            let words = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard words.count == 2, let method = HTTPRequest.Method(String(words[0])), words[1].hasPrefix("/")
            else { continue }
            out.append(FuzzRequest(method: method, path: String(words[1]), body: body))
        }
        return out
    }

    static func run(_ requests: [FuzzRequest]) async {
        let registry = ProxyRegistry(logger: logger)
        let responder = ToxiproxyAPI(registry: registry).makeRouter().buildResponder()
        for r in requests {
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            if !r.body.isEmpty { fields[.contentLength] = String(r.body.count) }
            let request = Request(
                head: HTTPRequest(
                    method: r.method, scheme: "http", authority: "127.0.0.1:8474", path: r.path, headerFields: fields),
                body: RequestBody(buffer: ByteBuffer(bytes: r.body)))
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch is HTTPError {
                continue
            } catch {
                preconditionFailure("\(r.method) \(r.path): the router threw \(error)")
            }
            let collector = BodyCollector()
            do {
                try await response.body.write(collector)
            } catch {
                preconditionFailure("\(r.method) \(r.path): writing the body threw \(error)")
            }
            let status = response.status.code
            let text = String(buffer: collector.buffer)
            precondition(
                status < 500 || text.contains("bind") || text.contains("listen"),
                "\(r.method) \(r.path): \(status) \(text)")
            if response.headers[.contentType] == "application/json" {
                precondition(
                    (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil,
                    "\(r.method) \(r.path): \(status) answered invalid JSON: \(text)")
                precondition(text != "null", "\(r.method) \(r.path): \(status) answer could not be encoded")
            }
        }
        await registry.shutdown()
    }
}

/// Collects a response body.
final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// SwiftPM links an executable target with its `main` renamed to `<module>_main`; hand control to libFuzzer's driver.
@_cdecl("ToxiproxyAPIFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer, Int) -> CInt
) -> CInt
