import NIOCore
import NIOEmbedded
import Testing

@testable import StormDrillFaults

extension StormDrillTests {
    /// The toxic chain as a channel handler on an EmbeddedChannel, with the event loop's clock moved by hand: exact
    /// timing, no sockets.
    @Suite("Fault proxy: toxic chain on an EmbeddedChannel")
    struct ToxicLinkHandlerTests {
        static func runtime(_ id: UInt64, _ toxic: Toxic, revision: Int = 0) -> ToxicRuntime {
            ToxicRuntime(id: id, revision: revision, toxic: toxic, http: nil)
        }

        static func channel(_ toxics: [ToxicRuntime]) throws -> (EmbeddedChannel, ToxicLinkHandler) {
            let link = ToxicLinkHandler(stream: .downstream)
            let channel = EmbeddedChannel(handler: link)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            link.apply(toxics)
            return (channel, link)
        }

        static func outbound(_ channel: EmbeddedChannel) throws -> String {
            var text = ""
            while let data = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let b) = data { text += String(buffer: b) }
            }
            return text
        }

        @Test("latency holds each write exactly `latency` ms, in order")
        func latency() throws {
            let (channel, _) = try Self.channel([Self.runtime(1, Toxic(kind: .latency(latency: 100, jitter: 0)))])
            channel.write(ByteBuffer(string: "a"), promise: nil)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(40))
            channel.write(ByteBuffer(string: "b"), promise: nil)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(59))
            #expect(try Self.outbound(channel) == "")
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            #expect(try Self.outbound(channel) == "a")
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(40))
            #expect(try Self.outbound(channel) == "b")
        }

        @Test("other stream's and HTTP toxics are not in this chain")
        func streamFilter() throws {
            let (channel, _) = try Self.channel([
                Self.runtime(1, Toxic(kind: .latency(latency: 100, jitter: 0), stream: .upstream)),
                Self.runtime(2, Toxic(kind: .blackhole(rate: 1))),
            ])
            channel.writeAndFlush(ByteBuffer(string: "now"), promise: nil)
            #expect(try Self.outbound(channel) == "now")
        }

        @Test("removing a toxic passes on what it held, without loss and in order")
        func removalKeepsData() throws {
            let latency = Self.runtime(1, Toxic(kind: .latency(latency: 500, jitter: 0)))
            let (channel, link) = try Self.channel([latency])
            channel.write(ByteBuffer(string: "one,"), promise: nil)
            channel.write(ByteBuffer(string: "two"), promise: nil)
            #expect(try Self.outbound(channel) == "")
            #expect(link.held == 7)
            link.apply([])
            #expect(try Self.outbound(channel) == "one,two")
            #expect(link.held == 0)
        }

        @Test("bandwidth 10 KB/s releases 3,000 bytes over 300 ms")
        func bandwidth() throws {
            let (channel, _) = try Self.channel([Self.runtime(1, Toxic(kind: .bandwidth(rate: 10)))])
            channel.write(ByteBuffer(repeating: 0x61, count: 3000), promise: nil)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(99))
            #expect(try Self.outbound(channel).count == 0)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            #expect(try Self.outbound(channel).count == 1000)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
            #expect(try Self.outbound(channel).count == 2000)
        }

        @Test("slicer writes slices of about the average size, `delay` µs apart")
        func slicer() throws {
            let (channel, _) = try Self.channel([
                Self.runtime(1, Toxic(kind: .slicer(averageSize: 10, sizeVariation: 0, delay: 1000)))
            ])
            channel.write(ByteBuffer(repeating: 0x61, count: 80), promise: nil)
            var slices: [Int] = []
            for _ in 0..<10 {
                while let data = try channel.readOutbound(as: IOData.self) { slices.append(data.readableBytes) }
                channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            }
            #expect(slices == Array(repeating: 10, count: 8))
            #expect(SlicerStage.boundaries(length: 100, averageSize: 0, sizeVariation: 0).last == 100)
        }

        @Test("limit_data passes the limit across writes and then closes the channel")
        func limitData() throws {
            let (channel, _) = try Self.channel([Self.runtime(1, Toxic(kind: .limitData(bytes: 5)))])
            #expect(channel.isActive)
            channel.write(ByteBuffer(string: "abc"), promise: nil)
            channel.write(ByteBuffer(string: "defgh"), promise: nil)
            #expect(try Self.outbound(channel) == "abcde")
            channel.embeddedEventLoop.run()
            #expect(!channel.isActive)
        }

        @Test("slow_close holds the close; the data before it passes at once")
        func slowClose() throws {
            let (channel, _) = try Self.channel([Self.runtime(1, Toxic(kind: .slowClose(delay: 200)))])
            channel.write(ByteBuffer(string: "bye"), promise: nil)
            channel.close(promise: nil)
            #expect(try Self.outbound(channel) == "bye")
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(199))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            channel.embeddedEventLoop.run()
            #expect(!channel.isActive)
        }

        @Test("an updated toxic applies to data it already holds (held data is re-timed from its read time)")
        func update() throws {
            let first = Self.runtime(1, Toxic(kind: .latency(latency: 500, jitter: 0)))
            let (channel, link) = try Self.channel([first])
            channel.write(ByteBuffer(string: "x"), promise: nil)
            link.apply([Self.runtime(1, Toxic(kind: .latency(latency: 50, jitter: 0)), revision: 1)])
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(49))
            #expect(try Self.outbound(channel) == "")
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            #expect(try Self.outbound(channel) == "x")
        }
    }
}
