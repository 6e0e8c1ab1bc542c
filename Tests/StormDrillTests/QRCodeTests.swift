import Foundation
import Testing

@testable import StormDrillLive

extension StormDrillTests {
    /// The join link's QR code (Sources/StormDrillLive/QRCode.swift). First known answers that need no decoder: the
    /// capacities, the bit stream, Reed–Solomon, the function patterns, format and version information read back and
    /// checked, the penalty rules, and one symbol module for module against a reference encoding. Then round trips
    /// through a real decoder, zbarimg from Debian's zbar-tools, which scripts/qr-tools.sh installs on first use:
    /// every version 1 to 10, every mask, UTF-8, the SVG and the terminal text.
    @Suite("QR code")
    struct QRCodeTests {
        /// Level M, byte mode (ISO/IEC 18004 table 7), versions 1...10.
        static let capacities = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213]

        @Test("the smallest version that holds the text's UTF-8 is chosen, at every level M capacity boundary")
        func versionSelection() throws {
            for (index, capacity) in Self.capacities.enumerated() {
                let version = index + 1
                #expect(QRCode.capacity(version: version) == capacity, "version \(version)")
                let full = try QRCode(encoding: String(repeating: "a", count: capacity))
                #expect(full.version == version, "\(capacity) bytes")
                #expect(full.size == 17 + 4 * version)
                let over = capacity + 1
                if version < 10 {
                    #expect(try QRCode(encoding: String(repeating: "a", count: over)).version == version + 1)
                }
            }
            #expect(try QRCode(encoding: "").version == 1)
            #expect(try QRCode(encoding: String(repeating: "x", count: 15)).version == 2)
            // Bytes count, not characters: "é" is two bytes of UTF-8.
            #expect(try QRCode(encoding: String(repeating: "é", count: 7)).version == 1)
            #expect(try QRCode(encoding: String(repeating: "é", count: 8)).version == 2)

            #expect(throws: QRCode.EncodeError.tooLong(bytes: 214, maximum: 213)) {
                try QRCode(encoding: String(repeating: "a", count: 214))
            }
            #expect(throws: QRCode.EncodeError.tooLong(bytes: 214, maximum: 213)) {
                try QRCode(encoding: String(repeating: "é", count: 107))
            }
            let message = QRCode.EncodeError.tooLong(bytes: 300, maximum: 213).description
            #expect(message.contains("300") && message.contains("213"), "\(message)")
        }

        @Test("the data codewords: mode 0100, the 8- or 16-bit count, the bytes, the terminator, pad bytes EC 11")
        func dataCodewords() {
            // 0100 | 00000010 | 01101000 01101001 | 0000, then the pad codewords to version 1's 16.
            #expect(QRCode.dataCodewords(Array("hi".utf8), version: 1) == [0x40, 0x26, 0x86, 0x90] + Self.pads(12))

            // Version 10 counts in 16 bits: 0100 | 00000000 11001000 | 01100001 ...
            let long = QRCode.dataCodewords([UInt8](repeating: 0x61, count: 200), version: 10)
            #expect(long.count == 216)
            #expect(Array(long.prefix(4)) == [0x40, 0x0C, 0x86, 0x16])
            // 20 + 1600 + 4 bits: the last byte's low nibble and the terminator make codeword 202, then 13 pads.
            #expect(long[201] == 0x16 && long[202] == 0x10)
            #expect(Array(long.suffix(13)) == Self.pads(13))

            // A full symbol has no room for pad codewords: 14 bytes fill version 1 to the last bit.
            let full = QRCode.dataCodewords(Array("abcdefghijklmn".utf8), version: 1)
            #expect(full.count == 16 && full.last == 0xE0)
        }

        @Test("Reed–Solomon over GF(256) (0x11D) gives the textbook generator and error correction codewords")
        func reedSolomon() {
            // The degree-10 generator: α^251, α^67, α^46, α^61, α^118, α^70, α^64, α^94, α^32, α^45.
            #expect(ReedSolomon.generator(degree: 10) == [216, 194, 159, 111, 199, 94, 95, 113, 157, 193])
            let divisor = ReedSolomon.generator(degree: 10)
            // "01234567" at 1-M, the standard's worked example (annex I).
            let digits: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80] + Self.pads(10)
            #expect(
                ReedSolomon.remainder(of: digits, divisor: divisor)
                    == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
            // "HELLO WORLD" at 1-M in alphanumeric mode, the usual tutorial example.
            let hello: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
            #expect(
                ReedSolomon.remainder(of: hello, divisor: divisor) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
        }

        @Test("the level M block structure: group sizes, EC codewords per block and the total codewords per version")
        func blockStructure() {
            let totals = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346]
            for version in 1...10 {
                let data = QRCode.dataCodewords([], version: version)
                let row = QRCode.blockTable[version - 1]
                let all = QRCode.addErrorCorrectionAndInterleave(data, version: version)
                #expect(all.count == totals[version - 1], "version \(version)")
                #expect(all.count == data.count + (row.group1 + row.group2) * row.ecPerBlock)
                // Interleaving puts the first codeword of every block first: the mode nibble of block 1, then pad
                // codewords of the other blocks.
                #expect(all[0] == data[0])
                if row.group1 + row.group2 > 1 { #expect(all[1] == data[row.data1]) }
            }
        }

        @Test("finder patterns with separators at three corners, timing patterns, alignment patterns, dark module")
        func functionPatterns() throws {
            for version in 1...10 {
                let code = try QRCode(encoding: Self.text(bytes: Self.capacities[version - 1]))
                let size = code.size
                #expect(size == 17 + 4 * version)
                for (left, top) in [(0, 0), (size - 7, 0), (0, size - 7)] {
                    for dy in -1...7 {
                        for dx in -1...7 {
                            let x = left + dx
                            let y = top + dy
                            guard x >= 0, y >= 0, x < size, y < size else { continue }
                            let ring = max(abs(dx - 3), abs(dy - 3))
                            #expect(code.isDark(x: x, y: y) == (ring != 2 && ring != 4), "v\(version) (\(x), \(y))")
                        }
                    }
                }
                for i in 8..<(size - 8) {
                    #expect(code.isDark(x: i, y: 6) == (i % 2 == 0), "v\(version) timing row at \(i)")
                    #expect(code.isDark(x: 6, y: i) == (i % 2 == 0), "v\(version) timing column at \(i)")
                }
                #expect(code.isDark(x: 8, y: size - 8), "v\(version) dark module")

                let centres = [
                    [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42],
                    [6, 26, 46], [6, 28, 50],
                ][version - 1]
                var patterns = 0
                for cy in centres {
                    for cx in centres
                    where !(cx == 6 && cy == 6) && !(cx == 6 && cy == centres.last)
                        && !(cy == 6 && cx == centres.last)
                    {
                        patterns += 1
                        for dy in -2...2 {
                            for dx in -2...2 {
                                #expect(
                                    code.isDark(x: cx + dx, y: cy + dy) == (max(abs(dx), abs(dy)) != 1),
                                    "v\(version) alignment pattern at (\(cx), \(cy))")
                            }
                        }
                    }
                }
                #expect(patterns == (version == 1 ? 0 : version < 7 ? 1 : 6), "v\(version)")
                // Outside the symbol is the quiet zone.
                #expect(!code.isDark(x: -1, y: 0) && !code.isDark(x: 0, y: size) && !code.isDark(x: size, y: 3))
            }
        }

        @Test("format information reads back from both copies, passes the BCH(15,5) check, says level M and the mask")
        func formatInformation() throws {
            // The standard's table C.1 for level M, masks 0...7.
            let table = [0x5412, 0x5125, 0x5E7C, 0x5B4B, 0x45F9, 0x40CE, 0x4F97, 0x4AA0]
            let link = Array("http://127.0.0.1:8600/join".utf8)
            var codes = [try QRCode(bytes: link), try QRCode(encoding: Self.text(bytes: 150))]
            for mask in 0..<8 { codes.append(try QRCode(bytes: link, forcingMask: mask)) }
            for code in codes {
                let size = code.size
                func bit(_ x: Int, _ y: Int, _ i: Int) -> Int { code.isDark(x: x, y: y) ? 1 << i : 0 }
                var first = 0
                var second = 0
                // Bit 14 is read first: along row 8 from the left, then up column 8 (skipping the timing module).
                for (i, x) in [0, 1, 2, 3, 4, 5, 7].enumerated() { first |= bit(x, 8, 14 - i) }
                for (i, y) in [8, 7, 5, 4, 3, 2, 1, 0].enumerated() { first |= bit(8, y, 7 - i) }
                for i in 0..<7 { second |= bit(8, size - 1 - i, 14 - i) }
                for i in 0..<8 { second |= bit(size - 8 + i, 8, 7 - i) }
                #expect(first == second, "the two copies of the format information differ")
                let unmasked = first ^ 0x5412
                #expect(Self.bchRemainder(unmasked, generator: 0x537, degree: 10) == 0, "BCH check of \(first)")
                #expect(unmasked >> 13 == 0b00, "error correction level bits: M is 00")
                #expect((unmasked >> 10) & 0b111 == code.mask)
                #expect(first == table[code.mask])
            }
        }

        @Test("version information for versions 7 to 10 reads back from both copies and matches the standard's table")
        func versionInformation() throws {
            let table = [7: 0x07C94, 8: 0x085BC, 9: 0x09A99, 10: 0x0A4D3]
            for version in 7...10 {
                let code = try QRCode(encoding: Self.text(bytes: Self.capacities[version - 1]))
                let size = code.size
                var bottomLeft = 0
                var topRight = 0
                for i in 0..<18 {
                    let a = size - 11 + i % 3
                    let b = i / 3
                    if code.isDark(x: b, y: a) { bottomLeft |= 1 << i }
                    if code.isDark(x: a, y: b) { topRight |= 1 << i }
                }
                #expect(bottomLeft == topRight, "v\(version)")
                #expect(bottomLeft >> 12 == version, "v\(version)")
                #expect(Self.bchRemainder(bottomLeft, generator: 0x1F25, degree: 12) == 0, "v\(version)")
                #expect(bottomLeft == table[version], "v\(version)")
            }
        }

        @Test("the penalty rules score hand-made grids as the standard says")
        func penaltyRules() {
            // All light, 5×5: a run of five in each of 5 rows and 5 columns (3 each), 16 2×2 blocks (3 each), no
            // dark modules at all (50 % off: 10 × 10).
            #expect(
                QRCode.penalty(size: 5, dark: Array(repeating: false, count: 25))
                    == QRCode.Penalty(runs: 30, blocks: 48, finderLike: 0, balance: 100))
            // A 5×5 checkerboard: no runs, no blocks, 13 of 25 dark (52 %: less than one step of 5 %).
            let checker = (0..<25).map { ($0 / 5 + $0 % 5) % 2 == 0 }
            #expect(QRCode.penalty(size: 5, dark: checker) == QRCode.Penalty())
            // 11×11, all light but row 5, which is 10111010000.
            var grid = Array(repeating: false, count: 121)
            for (x, dark) in [true, false, true, true, true, false, true].enumerated() { grid[5 * 11 + x] = dark }
            let penalty = QRCode.penalty(size: 11, dark: grid)
            // One finder-like pattern, with light on both sides (the edge counts as light): counted once.
            #expect(penalty.finderLike == 40)
            // Runs: 10 light rows of 11 (3 + 6 each; row 5's longest run is 4); 6 light columns of 11 (9 each); the
            // 5 columns crossing a dark module of row 5 split into two light runs of 5 (3 + 3).
            #expect(penalty.runs == 10 * 9 + 6 * 9 + 5 * 6)
            // 2×2 blocks: 100 in all; of the 20 that take in row 5, only those over its light pairs (7, 8), (8, 9),
            // (9, 10) are of one colour.
            #expect(penalty.blocks == 3 * (80 + 2 * 3))
            #expect(penalty.balance == 90)  // 5 of 121 dark: 4 %, 9 full steps of 5 % from 50 %.
        }

        @Test("the mask chosen is the one with the lowest penalty of the eight, the lowest number on a tie")
        func maskSelection() throws {
            for bytes in [1, 14, 26, 60, 122, 213] {
                let data = Array(Self.text(bytes: bytes).utf8)
                let chosen = try QRCode(bytes: data)
                let scores = try (0..<8).map { try QRCode(bytes: data, forcingMask: $0).penalty.total }
                let best = scores.indices.min { (scores[$0], $0) < (scores[$1], $1) }
                #expect(chosen.mask == best, "\(bytes) bytes: penalties \(scores)")
                #expect(chosen == (try QRCode(bytes: data, forcingMask: chosen.mask)))
            }
        }

        @Test("the join link matches a reference encoding module for module (version 2, mask 6)")
        func referenceSymbol() throws {
            // Made by another encoder (segno, mask 6 forced) and checked against ZXing's mask scoring, which also
            // picks 6 for this text.
            let reference = [
                "#######.#..#....#.#######",
                "#.....#.##.####...#.....#",
                "#.###.#.#.####..#.#.###.#",
                "#.###.#....#.###..#.###.#",
                "#.###.#.#.###.....#.###.#",
                "#.....#....#.##...#.....#",
                "#######.#.#.#.#.#.#######",
                ".........#.#.##..........",
                "#..######.##...#.#..#.###",
                "#.#..#..#.#....###..####.",
                "##.#.##..###..##..#..#..#",
                "###.....###.#..#.....####",
                "##...#####.##.#.###.....#",
                "##.#.....##.##.#...##..#.",
                "#####.#.....##.###...####",
                "#...##...###..#.#...#.#.#",
                "#.#..##.#...#########.##.",
                "........#.#..#.##...#..#.",
                "#######.#..#....#.#.##..#",
                "#.....#.#...##..#...#....",
                "#.###.#.#..##.########...",
                "#.###.#.#.##.##...##.#.##",
                "#.###.#...##.##.#...#.###",
                "#.....#..##......####.###",
                "#######.##..#..####..#..#",
            ]
            let code = try QRCode(encoding: "http://127.0.0.1:8600/join")
            #expect(code.version == 2 && code.size == 25)
            #expect(code.mask == 6)
            #expect(Self.rows(of: code) == reference)
        }

        // MARK: Round trips through zbarimg

        @Test(
            "zbarimg reads back the shortest and the longest text of every version 1 to 10",
            .timeLimit(.minutes(10)), arguments: 1...10)
        func decodesEveryVersion(version: Int) throws {
            let shortest = version == 1 ? 1 : Self.capacities[version - 2] + 1
            for bytes in [shortest, Self.capacities[version - 1]] {
                let text = Self.text(bytes: bytes)
                let code = try QRCode(encoding: text)
                #expect(code.version == version, "\(bytes) bytes")
                #expect(try Self.decode(code, label: "v\(version)-\(bytes)") == text)
            }
        }

        @Test("zbarimg reads back a version 7 code under each of the eight masks", .timeLimit(.minutes(10)))
        func decodesEveryMask() throws {
            let text = Self.text(bytes: 120)
            for mask in 0..<8 {
                let code = try QRCode(bytes: Array(text.utf8), forcingMask: mask)
                #expect(code.version == 7 && code.mask == mask)
                #expect(try Self.decode(code, label: "mask\(mask)") == text, "mask \(mask)")
            }
        }

        /// zbarimg guesses the character set of byte-mode data that has no ECI header, and its guess is not always
        /// UTF-8: it reads "Café" as Shift-JIS ("Caf瞇"). The encoder writes the exact UTF-8 bytes (what phone
        /// scanners, which also guess and favour UTF-8, expect), so the bytes are compared here, through zbarimg's
        /// binary output (`-Sbinary`), which skips the guess.
        @Test("UTF-8 text round-trips byte for byte through zbarimg", .timeLimit(.minutes(10)))
        func decodesUTF8() throws {
            for text in ["Café", "http://127.0.0.1:8600/join?nick=Jürgen", "Mensa Süd 食堂 🍜", "naïve — Grüße"] {
                let code = try QRCode(encoding: text)
                #expect(try Self.decode(code, label: "utf8", binary: true) == text)
            }
        }

        @Test("svg() draws exactly the dark modules, in one path, on a white quiet zone, and zbarimg reads it")
        func svg() throws {
            for (text, moduleSize) in [("http://127.0.0.1:8600/join", 6), (Self.text(bytes: 200), 3)] {
                let code = try QRCode(encoding: text)
                let svg = code.svg(moduleSize: moduleSize)
                let side = code.size + 8
                #expect(svg.contains("viewBox=\"0 0 \(side) \(side)\""), "\(svg.prefix(300))")
                #expect(svg.contains("width=\"\(side * moduleSize)\" height=\"\(side * moduleSize)\""))
                #expect(svg.contains("shape-rendering=\"crispEdges\""))
                #expect(svg.contains("<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"))
                #expect(svg.components(separatedBy: "<path").count == 2, "exactly one path")
                #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))

                let dark = try Self.darkModules(inPathOf: svg, side: side)
                var expected = Set<Int>()
                for y in 0..<code.size {
                    for x in 0..<code.size where code.isDark(x: x, y: y) { expected.insert((y + 4) * side + x + 4) }
                }
                #expect(dark == expected, "the path's modules differ from isDark")

                // Rasterise what the path draws and let the decoder read it.
                let image = Self.temporaryFile("svg.pgm")
                defer { Self.removeTemporaryFile(image) }
                try Self.writePGM(image, width: side, height: side, scale: 4) { dark.contains($1 * side + $0) }
                #expect(try Self.decodeFile(image) == text)
            }
            // moduleSize 0 leaves the size to the page: the <svg> element has no width or height.
            let scalable = try QRCode(encoding: "x").svg(moduleSize: 0)
            let start = try #require(scalable.range(of: "<svg"))
            let element = scalable[start.lowerBound...].prefix { $0 != ">" }
            #expect(!element.contains("width") && !element.contains("height"), "\(element)")
        }

        @Test("terminalText() has (size + 2q + 1) / 2 equal lines of half blocks that read back as the modules")
        func terminalText() throws {
            for (text, quiet) in [("http://127.0.0.1:8600/join", 2), (Self.text(bytes: 100), 1), ("x", 4), ("y", 0)] {
                let code = try QRCode(encoding: text)
                let side = code.size + 2 * quiet
                let terminal = code.terminalText(quietZone: quiet)
                let lines = terminal.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == (side + 1) / 2, "quiet zone \(quiet)")
                #expect(lines.allSatisfy { $0.count == side }, "every line is \(side) characters")
                #expect(terminal.allSatisfy { "▀▄█ \n".contains($0) })
                #expect(!terminal.hasSuffix("\n"))

                // Blocks are light (the terminal's text colour), spaces dark (its background).
                let light = Self.lightRows(ofTerminalText: terminal)
                #expect(light.count == lines.count * 2)
                for y in 0..<light.count {
                    for x in 0..<side {
                        let expected = y < side && !code.isDark(x: x - quiet, y: y - quiet)
                        #expect(light[y][x] == expected, "quiet zone \(quiet), module (\(x - quiet), \(y - quiet))")
                    }
                }
            }
        }

        @Test("the terminal text, shown as a dark terminal shows it, is read by zbarimg", .timeLimit(.minutes(10)))
        func terminalTextScans() throws {
            let text = "http://127.0.0.1:8600/join"
            let light = Self.lightRows(ofTerminalText: try QRCode(encoding: text).terminalText())
            // The terminal's dark background goes on beyond the text: a 3-module margin of it all round.
            let margin = 3
            let width = light[0].count + 2 * margin
            let height = light.count + 2 * margin
            let image = Self.temporaryFile("terminal.pgm")
            defer { Self.removeTemporaryFile(image) }
            try Self.writePGM(image, width: width, height: height, scale: 4) { x, y in
                let row = y - margin
                let column = x - margin
                guard row >= 0, row < light.count, column >= 0, column < light[row].count else { return true }
                return !light[row][column]
            }
            #expect(try Self.decodeFile(image) == text)
        }

        @Test("encoding is deterministic and the value is Equatable")
        func equality() throws {
            let a = try QRCode(encoding: "http://127.0.0.1:8600/join")
            #expect(a == (try QRCode(encoding: "http://127.0.0.1:8600/join")))
            #expect(a != (try QRCode(encoding: "http://127.0.0.1:8601/join")))
        }

        // MARK: Helpers

        /// `bytes` bytes of a join link, repeated as needed (ASCII, so bytes and characters agree).
        static func text(bytes: Int) -> String {
            let link = "http://127.0.0.1:8600/join?nick=team-"
            var text = link
            var i = 0
            while text.utf8.count < bytes {
                text += "\(i)-"
                i += 1
            }
            return String(text.prefix(bytes))
        }

        static func rows(of code: QRCode) -> [String] {
            (0..<code.size).map { y in String((0..<code.size).map { code.isDark(x: $0, y: y) ? "#" : "." }) }
        }

        /// The remainder of `value` (its leading bits the data, `degree` check bits after) modulo `generator`.
        static func bchRemainder(_ value: Int, generator: Int, degree: Int) -> Int {
            var remainder = value
            let top = Int.bitWidth - generator.leadingZeroBitCount - 1
            for shift in stride(from: Int.bitWidth - remainder.leadingZeroBitCount - 1, through: top, by: -1)
            where remainder >> shift & 1 == 1 {
                remainder ^= generator << (shift - top)
            }
            return remainder
        }

        /// The modules `y * side + x` that the one path of `svg` fills, from its `M x y h n v1 h-n z` runs.
        static func darkModules(inPathOf svg: String, side: Int) throws -> Set<Int> {
            let attribute = try #require(svg.range(of: ##"<path fill="#000" d=""##), "no path in \(svg.prefix(300))")
            let rest = svg[attribute.upperBound...]
            let path = String(rest[..<(try #require(rest.firstIndex(of: "\"")))])
            let run = try NSRegularExpression(pattern: #"M(\d+) (\d+)h(\d+)v1h-(\d+)z"#)
            let whole = NSRange(path.startIndex..., in: path)
            let leftover = run.stringByReplacingMatches(in: path, range: whole, withTemplate: "")
            #expect(leftover.allSatisfy { $0 == " " }, "the path has other commands: \(leftover.prefix(100))")
            var dark = Set<Int>()
            for match in run.matches(in: path, range: whole) {
                let numbers = (1...4).map { Int(path[Range(match.range(at: $0), in: path)!])! }
                #expect(numbers[2] == numbers[3] && numbers[2] > 0, "a run that does not close")
                for x in numbers[0]..<(numbers[0] + numbers[2]) {
                    let (inserted, _) = dark.insert(numbers[1] * side + x)
                    #expect(inserted, "module (\(x), \(numbers[1])) drawn twice")
                }
            }
            return dark
        }

        /// Rows of "is light" (two per line) from half-block text, as a dark terminal shows it: a block's painted
        /// halves are light, spaces and unpainted halves dark.
        static func lightRows(ofTerminalText text: String) -> [[Bool]] {
            var rows: [[Bool]] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                rows.append(line.map { $0 == "█" || $0 == "▀" })
                rows.append(line.map { $0 == "█" || $0 == "▄" })
            }
            return rows
        }

        /// `name` in a fresh temporary folder.
        static func temporaryFile(_ name: String) -> String {
            Repository.temporaryDirectory("qr") + "/" + name
        }

        /// Removes the file and the folder `temporaryFile` made for it.
        static func removeTemporaryFile(_ path: String) {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }

        /// `count` pad codewords: 0xEC, 0x11, 0xEC, ...
        static func pads(_ count: Int) -> [UInt8] { (0..<count).map { $0 % 2 == 0 ? 0xEC : 0x11 } }

        /// A binary greyscale PGM, which zbarimg reads, `scale` pixels per module.
        static func writePGM(
            _ path: String, width: Int, height: Int, scale: Int, isDark: (Int, Int) -> Bool
        ) throws {
            var pixels = [UInt8](repeating: 255, count: width * scale * height * scale)
            for y in 0..<(height * scale) {
                for x in 0..<(width * scale) where isDark(x / scale, y / scale) { pixels[y * width * scale + x] = 0 }
            }
            var data = Data("P5\n\(width * scale) \(height * scale)\n255\n".utf8)
            data.append(contentsOf: pixels)
            try data.write(to: URL(fileURLWithPath: path))
        }

        /// Renders `code` with a 4-module quiet zone at 4 pixels per module and decodes it.
        static func decode(_ code: QRCode, label: String, binary: Bool = false) throws -> String {
            let image = temporaryFile("\(label).pgm")
            defer { removeTemporaryFile(image) }
            let side = code.size + 8
            try writePGM(image, width: side, height: side, scale: 4) { code.isDark(x: $0 - 4, y: $1 - 4) }
            return try decodeFile(image, binary: binary)
        }

        /// What `zbarimg --raw -q` reads from `image` (one trailing newline dropped), through scripts/qr-tools.sh,
        /// which installs zbar-tools first when zbarimg is missing. Fails the test, never skips it, when the tool
        /// cannot be had or finds no code.
        static func decodeFile(_ image: String, binary: Bool = false) throws -> String {
            let result = try ChildProcess.run(
                Repository.path("scripts/qr-tools.sh"),
                ["run", "--raw", "-q"] + (binary ? ["-Sbinary"] : []) + [image],
                timeout: 600, currentDirectory: Repository.root.path)  // a first run installs zbar-tools
            if result.stderr.contains("qr-tools: error") {
                Issue.record("zbarimg could not be set up by scripts/qr-tools.sh:\n\(result.stderr)")
            }
            try #require(
                result.status == 0,
                """
                zbarimg exited with \(result.status)\(result.status == 4 ? " (no QR code found)" : "") on \(image)
                stdout:
                \(result.stdout)
                stderr:
                \(result.stderr)
                """)
            var text = result.stdout
            if text.hasSuffix("\n") { text.removeLast() }
            return text
        }
    }
}
