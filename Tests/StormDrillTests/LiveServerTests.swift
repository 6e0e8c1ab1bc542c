import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import StormDrillLive
import StormDrillMonitoring
import StormDrillReport
import Synchronization
import Testing

extension StormDrillTests {
    /// The live server on a loopback port with a session of its own (no drill): the token, the participants'
    /// limits, the event stream's replay, the journal and the pages.
    @Suite("Live server: token, limits, event replay, journal, pages")
    struct LiveServerTests {
        /// Records the facilitator's actions that reached the drill.
        final class FakeControl: LiveDrillControl {
            let calls = Mutex<[String]>([])

            func continueDrill() async -> LiveAnswer { record("continue") }
            func holdDrill() async -> LiveAnswer { record("hold") }
            func haltDrill() async -> LiveAnswer { record("halt") }
            func skipFault(_ name: String) async -> LiveAnswer { record("skip \(name)") }

            private func record(_ call: String) -> LiveAnswer {
                calls.withLock { $0.append(call) }
                return .json(200, ["done": LiveValue(call)])
            }
        }

        static let definition = GameDayDefinition(
            title: "Test day", appURL: nil, maxParticipants: 3, pollWindowMs: 30_000, loadScenarioMs: 60_000,
            phases: [
                .init(name: "one", scenarioMs: 0, gate: false, brief: "b", expect: "e", hypothesis: nil, poll: "ok?")
            ], faults: [.init(name: "f", type: "down", on: "payment", plannedStartMs: 1000, plannedEndMs: 2000)])

        /// A running server; `stop()` shuts it down.
        final class Running: Sendable {
            let port: Int
            let session: LiveSession
            let control: FakeControl
            let token: FacilitatorToken
            let journalPath: String
            let group: ServiceGroup
            let task: Task<Void, any Error>
            let loops: MultiThreadedEventLoopGroup

            init(
                port: Int, session: LiveSession, control: FakeControl, token: FacilitatorToken, journalPath: String,
                group: ServiceGroup, task: Task<Void, any Error>, loops: MultiThreadedEventLoopGroup
            ) {
                self.port = port
                self.session = session
                self.control = control
                self.token = token
                self.journalPath = journalPath
                self.group = group
                self.task = task
                self.loops = loops
            }

            func stop() async {
                await session.end(status: "completed", reason: nil)
                await group.triggerGracefulShutdown()
                _ = try? await task.value
                try? await loops.shutdownGracefully()
            }

            func post(_ path: String, _ body: String, token: String? = nil) async throws -> TestHTTP.Response {
                var headers: [(String, String)] = []
                if let token { headers.append(("Authorization", token)) }
                return try await TestHTTP.request(.POST, port: port, path: path, headers: headers, body: body)
            }

            func state() async throws -> [String: Any] {
                let r = try await TestHTTP.request(port: port, path: "/api/state")
                return (try JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
            }
        }

        static func start(
            gameDay: Bool = true, capacity: Int = 10_000, metrics: (@Sendable () -> [UInt8])? = nil
        ) async throws -> Running {
            let folder = Repository.temporaryDirectory("live-server")
            let journalPath = folder + "/" + GameDayRecord.fileName
            let journal = try GameDayJournal(path: journalPath)
            let started = Date()
            let session = LiveSession(
                configuration: .init(
                    plan: "live-test", title: "Test day", definition: gameDay ? definition : nil,
                    faults: definition.faults, appURL: nil, startedAt: "2026-12-03T00:00:00.000Z",
                    loadScenarioMs: 60_000, maxParticipants: 3),
                journal: journal, log: LiveEventLog(capacity: capacity),
                now: {
                    let ms = Date().timeIntervalSince(started) * 1000
                    return (ms, ms)
                })
            let control = FakeControl()
            session.attach(control: control)
            let token = FacilitatorToken()
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = LiveServer(
                host: "127.0.0.1", port: 0, session: session, token: token, eventLoopGroup: loops, metrics: metrics,
                onRunning: { continuation.yield($0) })
            var logger = Logger(label: "live-test")
            logger.logLevel = .error
            let group = ServiceGroup(services: [server], logger: logger)
            let task = Task { try await group.run() }
            var port = 0
            for await p in ports {
                port = p
                break
            }
            session.setJoinURL("http://127.0.0.1:\(port)/join")
            await session.begin()
            return Running(
                port: port, session: session, control: control, token: token, journalPath: journalPath, group: group,
                task: task, loops: loops)
        }

        static func journalTypes(_ path: String) throws -> [String] {
            try GameDayRecord.read(path: path).records.map(\.type.rawValue)
        }

        @Test("GET /metrics serves the driver's Prometheus exposition when the drill has it, and 404 otherwise")
        func metricsRoute() async throws {
            let metrics = DriverMetrics(plan: "live-test", runID: "run-1", version: "test")
            let live = try await Self.start(metrics: { metrics.exposition() })
            defer { Task { await live.stop() } }
            let r = try await TestHTTP.request(port: live.port, path: "/metrics")
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(r.body.contains(#"stormdrill_info{plan="live-test",run_id="run-1",version="test"} 1"#), "\(r.body)")
            let plain = try await Self.start()
            defer { Task { await plain.stop() } }
            #expect(try await TestHTTP.request(port: plain.port, path: "/metrics").status == 404)
        }

        @Test("every facilitator action without the token (or with a wrong one) answers 401 and changes nothing")
        func tokenGuardsEveryAction() async throws {
            let live = try await Self.start()
            defer { Task { await live.stop() } }
            let actions = [
                ("/api/continue", "{}"), ("/api/hold", "{}"), ("/api/halt", "{}"), ("/api/skip", #"{"fault": "f"}"#),
                ("/api/note", #"{"text": "action: x"}"#), ("/api/announce", #"{"text": "hello"}"#),
            ]
            let wrong = String(live.token.value.reversed())
            for (path, body) in actions {
                for auth in [
                    nil, "Bearer \(wrong)", "Bearer", "Basic \(live.token.value)", "Bearer \(live.token.value)x",
                ] {
                    let r = try await live.post(path, body, token: auth)
                    #expect(r.status == 401, "\(path) with \(auth ?? "no header") answered \(r.status)")
                    #expect(r.header("WWW-Authenticate") == "Bearer")
                }
            }
            #expect(live.control.calls.withLock { $0 }.isEmpty, "an action reached the drill without the token")
            let state = try await live.state()
            #expect((state["notes"] as? [Any])?.isEmpty == true && (state["announcements"] as? [Any])?.isEmpty == true)
            #expect(try Self.journalTypes(live.journalPath) == ["start"], "something was recorded without the token")
            // With the token every action goes through.
            for (path, body) in actions {
                let r = try await live.post(path, body, token: "Bearer \(live.token.value)")
                #expect((200..<300).contains(r.status), "\(path): \(r.status) \(r.body)")
            }
            #expect(live.control.calls.withLock { $0 } == ["continue", "hold", "halt", "skip f"])
            #expect(try Self.journalTypes(live.journalPath) == ["start", "note", "announcement"])
            let after = try await live.state()
            #expect((after["notes"] as? [[String: Any]])?.first?["action"] as? Bool == true)
        }

        @Test("participants: 403 beyond the limit, 400 for bad input, 413 for an oversize body, 429 for a flood")
        func participantLimits() async throws {
            let live = try await Self.start()
            defer { Task { await live.stop() } }
            var ids: [String] = []
            for name in ["Ana", #"Ben\u0007\u202e"#, ""] {
                let r = try await live.post("/api/join", #"{"nickname": "\#(name)"}"#)
                #expect(r.status == 201, "\(r.body)")
                let object = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
                ids.append(object?["participant"] as? String ?? "")
                if name.hasPrefix("Ben") { #expect(object?["nickname"] as? String == "Ben", "control characters kept") }
                if name.isEmpty { #expect(object?["nickname"] is NSNull) }
            }
            #expect(Set(ids).count == 3 && ids.allSatisfy { $0.hasPrefix("p-") && $0.count == 18 })
            #expect(try await live.post("/api/join", "{}").status == 403)
            let a = ids[0]
            let bad: [(String, Int)] = [
                (#"{"participant": "\#(a)", "kind": "angry"}"#, 400),
                (#"{"participant": "p-nobody", "kind": "ok"}"#, 400),
                (#"{"kind": "ok"}"#, 400),
                (#"{"participant": "\#(a)", "kind": "ok", "text": "\#(String(repeating: "x", count: 281))"}"#, 400),
                ("not json", 400),
                (#"["an", "array"]"#, 400),
            ]
            for (body, status) in bad {
                let r = try await live.post("/api/feedback", body)
                #expect(r.status == status, "\(body.prefix(60)): \(r.status) \(r.body)")
                #expect(r.body.contains("\"error\""))
            }
            // Over 2 KB: refused by its Content-Length, and by its size when it has none (chunked).
            let big = #"{"participant": "\#(a)", "kind": "ok", "pad": "\#(String(repeating: "y", count: 2100))"}"#
            #expect(try await live.post("/api/feedback", big).status == 413)
            let chunk = String(big.utf8.count, radix: 16)
            let chunked = RawHTTP.exchange(
                port: live.port,
                request: "POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\(chunk)\r\n\(big)\r\n0\r\n\r\n",
                timeout: 3
            ) { $0.contains("\r\n\r\n{") && $0.hasSuffix("}") }
            #expect(chunked.hasPrefix("HTTP/1.1 413"), "\(chunked.prefix(80))")
            // A flood: the first five in a second get through, the rest 429; nothing refused is recorded.
            var statuses: [Int] = []
            for i in 0..<12 {
                let r = try await live.post(
                    "/api/feedback", #"{"participant": "\#(a)", "kind": "slow", "text": "\#(i)"}"#)
                statuses.append(r.status)
            }
            #expect(statuses.filter { $0 == 202 }.count == 5, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 7, "\(statuses)")
            // Another participant is not slowed by the first one's flood.
            #expect(
                try await live.post("/api/feedback", #"{"participant": "\#(ids[1])", "kind": "notice"}"#).status == 202)
            let kinds = try GameDayRecord.read(path: live.journalPath).records.filter { $0.type == .feedback }.map(
                \.kind)
            #expect(kinds == Array(repeating: "slow", count: 5) + ["notice"])
            // Polls: only while open, one answer per participant.
            #expect(
                try await live.post("/api/poll", #"{"participant": "\#(a)", "phase": "one", "answer": "yes"}"#).status
                    == 409)
            await live.session.pollOpened(0)
            try await Task.sleep(for: .seconds(1.1))
            #expect(
                try await live.post("/api/poll", #"{"participant": "\#(a)", "phase": "one", "answer": "maybe"}"#).status
                    == 400)
            let answered = try await live.post(
                "/api/poll", #"{"participant": "\#(a)", "phase": "one", "answer": "yes"}"#)
            #expect(answered.status == 202 && answered.body.contains(#""yes":1"#), "\(answered.body)")
        }

        @Test("a plain drill's live view refuses game-day actions with 409 but keeps Halt and Skip")
        func plainDrill() async throws {
            let live = try await Self.start(gameDay: false)
            defer { Task { await live.stop() } }
            #expect(try await live.post("/api/join", "{}").status == 409)
            #expect(
                try await live.post("/api/note", #"{"text": "x"}"#, token: "Bearer \(live.token.value)").status == 409)
            #expect(try await live.post("/api/halt", "{}", token: "Bearer \(live.token.value)").status == 200)
        }

        @Test("the event stream: a client that reconnects with Last-Event-ID receives every missed event once")
        func replayAfterReconnect() async throws {
            let live = try await Self.start(capacity: 50)
            defer { Task { await live.stop() } }
            func tick(_ n: Int) {
                live.session.tick(
                    .init(
                        second: n, atMs: Double(n) * 1000, scenarioMs: Double(n) * 1000, sent: n, ok: n, errors: 0,
                        dropped: 0, inFlight: 0, p50Ms: 1, p99Ms: 2, held: false, totalSent: n, totalOk: n,
                        totalErrors: 0, totalDropped: 0))
            }
            let first = live.session.log.lastId
            // A live client sees new events as they come.
            let port = live.port
            let reader = Task {
                await RawHTTP.onThread { RawHTTP.events(port: port, timeout: 5) { RawHTTP.eventIDs($0).count >= 3 } }
            }
            // Published once the client is connected (its subscription is counted).
            let connectedBy = Date().addingTimeInterval(5)
            while live.session.log.subscriberCount == 0 && Date() < connectedBy {
                try await Task.sleep(for: .milliseconds(20))
            }
            for n in 1...3 { tick(n) }
            let seen = await reader.value
            #expect(seen.hasPrefix("HTTP/1.1 200"), "\(seen)")
            #expect(seen.lowercased().contains("content-type: text/event-stream"))
            let seenIDs = RawHTTP.eventIDs(seen)
            #expect(seenIDs == Array((first + 1)...(first + 3)), "\(seenIDs): \(seen)")
            #expect(RawHTTP.parseEvents(seen).allSatisfy { $0.name == "tick" })
            // Disconnected: more happens meanwhile, of every kind.
            let last = seenIDs.last ?? 0
            for n in 4...8 { tick(n) }
            _ = try await live.post("/api/note", #"{"text": "while away"}"#, token: "Bearer \(live.token.value)")
            _ = try await live.post("/api/join", #"{"nickname": "Late"}"#)
            let end = live.session.log.lastId
            #expect(end == last + 7)
            let replayed = RawHTTP.events(port: live.port, headers: ["Last-Event-ID": "\(last)"]) {
                (RawHTTP.eventIDs($0).last ?? 0) >= end
            }
            let ids = RawHTTP.eventIDs(replayed)
            #expect(ids == Array((last + 1)...end), "missed events not replayed exactly once: \(ids)")
            let names = RawHTTP.parseEvents(replayed).map(\.name)
            #expect(names.contains("note") && names.contains("join"))
            // The query parameter does the same for a first connection; the header wins over it.
            let byQuery = RawHTTP.events(port: live.port, path: "/events?lastEventId=\(end - 2)") {
                RawHTTP.eventIDs($0).count >= 2
            }
            #expect(RawHTTP.eventIDs(byQuery) == [end - 1, end])
            let both = RawHTTP.events(
                port: live.port, path: "/events?lastEventId=1", headers: ["Last-Event-ID": "\(end - 1)"]
            ) {
                RawHTTP.eventIDs($0).count >= 1
            }
            #expect(RawHTTP.eventIDs(both) == [end])
            // Asking for events no longer kept (the buffer keeps 50) gets a reset, not a silent gap.
            for n in 9...70 { tick(n) }
            let old = RawHTTP.events(port: live.port, headers: ["Last-Event-ID": "\(last)"]) {
                $0.contains("event: reset")
            }
            #expect(old.contains("event: reset") && old.contains("oldestId"))
            #expect(RawHTTP.eventIDs(old).isEmpty)
        }

        @Test("the pages, scripts and styles are served from the binary and reference nothing elsewhere")
        func pages() async throws {
            let live = try await Self.start()
            defer { Task { await live.stop() } }
            let files: [(String, String)] = [
                ("/", "text/html"), ("/facilitator", "text/html"), ("/join", "text/html"),
                ("/assets/report.css", "text/css"), ("/assets/live.css", "text/css"),
                ("/assets/live.js", "text/javascript"),
                ("/assets/dashboard.js", "text/javascript"), ("/assets/facilitator.js", "text/javascript"),
                ("/assets/join.js", "text/javascript"), ("/assets/favicon.svg", "image/svg+xml"),
                ("/favicon.ico", "image/svg+xml"), ("/api/qr.svg", "image/svg+xml"),
            ]
            for (path, type) in files {
                let r = try await TestHTTP.request(port: live.port, path: path)
                #expect(r.status == 200, "\(path): \(r.status)")
                #expect(
                    r.header("Content-Type")?.hasPrefix(type) == true, "\(path): \(r.header("Content-Type") ?? "-")")
                #expect(r.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
                #expect(r.header("X-Frame-Options") == "DENY")
                #expect(r.body.count > 100, "\(path) is nearly empty")
                let text = r.body
                for pattern in [
                    #"(?i)\b(src|href|action)\s*=\s*["']?\s*(https?:)?//"#, #"(?i)url\(\s*["']?\s*(https?:)?//"#,
                    #"(?i)@import"#, #"(?i)(fetch|EventSource|WebSocket)\s*\(\s*["'`](https?:|wss?:)?//"#,
                ] {
                    let found = text.range(of: pattern, options: .regularExpression).map { String(text[$0]) }
                    #expect(found == nil, "\(path) refers elsewhere: \(found ?? "")")
                }
            }
            #expect(try await TestHTTP.request(port: live.port, path: "/assets/../Package.swift").status == 404)
            #expect(try await TestHTTP.request(port: live.port, path: "/assets/nope.js").status == 404)
            let html = try await TestHTTP.request(port: live.port, path: "/join").body
            #expect(html.contains(#"name="viewport""#) && html.contains("id=\"fb-slow\""))
        }

        @Test("the journal: concurrent appends all durable and in the file; a line cut short is counted, not fatal")
        func journal() async throws {
            let path = Repository.temporaryDirectory("journal") + "/gameday.jsonl"
            let journal = try GameDayJournal(path: path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        var r = GameDayRecord(type: .feedback, atMs: Double(i))
                        r.id = i
                        r.text = "line \(i) with \"quotes\"\nand a newline"
                        try await journal.append(r)
                    }
                }
                try await group.waitForAll()
            }
            let (records, unreadable) = try GameDayRecord.read(path: path)
            #expect(records.count == 200 && unreadable == 0)
            #expect(Set(records.compactMap(\.id)) == Set(0..<200))
            // A driver killed mid-write leaves half a line.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"type":"feedback","atMs":1"#.utf8))
            try handle.close()
            let again = try GameDayRecord.read(path: path)
            #expect(again.records.count == 200 && again.unreadable == 1)
        }

        @Test("the event log: replay under one lock, reset when too old, a client too slow is cut off, not skipped")
        func eventLog() async throws {
            let log = LiveEventLog(capacity: 5, clientBuffer: 3)
            for i in 1...4 { log.publish("tick", data: "{\"n\":\(i)}") }
            #expect(
                log.subscribe(after: 2).replay
                    == .events([
                        .init(id: 3, name: "tick", data: "{\"n\":3}"), .init(id: 4, name: "tick", data: "{\"n\":4}"),
                    ]))
            #expect(log.subscribe(after: 4).replay == .events([]))
            #expect(log.subscribe(after: nil).replay == .events([]))
            for i in 5...9 { log.publish("tick", data: "{\"n\":\(i)}") }
            #expect(log.subscribe(after: 2).replay == .reset(oldestId: 5))
            // A subscriber that never reads: after 3 buffered events it is disconnected (its stream ends).
            let (_, stream) = log.subscribe(after: nil)
            for i in 10...14 { log.publish("tick", data: "{\"n\":\(i)}") }
            var received: [Int] = []
            for await e in stream { received.append(e.id) }
            #expect(received == [10, 11, 12], "a lagging client must end, not skip: \(received)")
            log.finish()
            #expect(log.publish("tick", data: "{}") == nil)
        }
    }
}
