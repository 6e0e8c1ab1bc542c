/// A QR code (ISO/IEC 18004) of a short text, for the live view's join link: byte mode, error correction level M,
/// versions 1 to 10 (up to 213 bytes of UTF-8, far more than a join URL needs).
///
/// Hand-written because no QR library is among the packages the project may use. It follows the standard step by step:
/// the bit stream (mode indicator, character count, data, terminator, pad codewords), Reed–Solomon error correction per
/// block, interleaving, the function patterns, the zig-zag data placement, the eight masks scored by the four penalty
/// rules, and the format and version information.
///
/// Coordinates are in modules: `x` is the column, `y` the row, `(0, 0)` the top-left corner of the symbol itself
/// (the quiet zone is outside it).
public struct QRCode: Sendable, Equatable {
    /// Why a text cannot be encoded.
    public enum EncodeError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text's UTF-8 is `bytes` long, more than the `maximum` that a version 10 code at level M holds.
        case tooLong(bytes: Int, maximum: Int)

        public var description: String {
            switch self {
            case .tooLong(let bytes, let maximum):
                "the text is \(bytes) bytes of UTF-8; a QR code (level M, version 1 to 10) holds at most \(maximum)"
            }
        }
    }

    /// The version, 1...10: the symbol is `17 + 4 * version` modules on a side.
    public let version: Int
    /// Modules on a side: `17 + 4 * version`.
    public let size: Int
    /// The data mask pattern that was applied, 0...7.
    public let mask: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    /// Byte mode, error correction level M, the smallest version 1...10 that holds the text; mask chosen by the
    /// standard penalty rules.
    ///
    /// The text's UTF-8 bytes are encoded without an ECI header: that is what phone scanners expect for a URL, and it
    /// keeps the capacities the standard's tables give for byte mode. Decoders then guess the character set of
    /// non-ASCII text; most pick UTF-8, but zbar, for one, reads a short text such as "Café" as Shift-JIS.
    public init(encoding text: String) throws(EncodeError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// Encodes raw bytes in byte mode at level M. `forcingMask` skips the penalty scoring and applies that mask; the
    /// tests use it to check every mask against a real decoder.
    init(bytes: [UInt8], forcingMask: Int? = nil) throws(EncodeError) {
        guard let version = QRCode.smallestVersion(holding: bytes.count) else {
            throw .tooLong(bytes: bytes.count, maximum: QRCode.capacity(version: QRCode.maximumVersion))
        }
        let size = 17 + 4 * version
        var matrix = Matrix(size: size)
        matrix.drawFunctionPatterns(version: version)
        // Format information is drawn later, but its modules must be reserved now so data skips them.
        matrix.drawFormatBits(mask: 0)
        let codewords = QRCode.addErrorCorrectionAndInterleave(
            QRCode.dataCodewords(bytes, version: version), version: version)
        matrix.placeData(codewords)

        let chosen: Int
        if let forcingMask {
            precondition((0...7).contains(forcingMask), "a QR mask is 0...7")
            chosen = forcingMask
        } else {
            // The mask whose symbol scores the lowest penalty wins; the symbol is scored finished, format
            // information included (see `penalty(size:dark:)`). Ties go to the lower mask number.
            var best = 0
            var bestScore = Int.max
            for candidate in 0..<8 {
                var trial = matrix
                trial.applyMask(candidate)
                trial.drawFormatBits(mask: candidate)
                let score = QRCode.penalty(size: size, dark: trial.dark).total
                if score < bestScore {
                    best = candidate
                    bestScore = score
                }
            }
            chosen = best
        }
        matrix.applyMask(chosen)
        matrix.drawFormatBits(mask: chosen)

        self.version = version
        self.size = size
        self.mask = chosen
        self.modules = matrix.dark
    }

    /// Whether the module at column `x`, row `y` is dark. Outside the symbol (the quiet zone) everything is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// A standalone SVG (one <path>, crisp edges, 4-module quiet zone, viewBox in modules, optional pixel size), for
    /// the web console.
    ///
    /// The dark modules are one path of horizontal runs (`M x y h n v1 h-n z`), so the file stays small and there are
    /// no hairline gaps between neighbouring modules. A white rectangle under it makes the quiet zone and the light
    /// modules light on any page background (a dark-themed console would otherwise show through and break scanning).
    /// `moduleSize` > 0 sets `width` and `height` to that many pixels per module; 0 or less leaves them out so the
    /// image scales to its container.
    public func svg(moduleSize: Int = 6) -> String {
        let quiet = 4
        let side = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                var run = 1
                while x + run < size && isDark(x: x + run, y: y) { run += 1 }
                if !path.isEmpty { path += " " }
                path += "M\(x + quiet) \(y + quiet)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let dimensions = moduleSize > 0 ? " width=\"\(side * moduleSize)\" height=\"\(side * moduleSize)\"" : ""
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)"\(dimensions) \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>

            """
    }

    /// The code in Unicode half blocks (▀ ▄ █ and space), two module rows per text line, with a quiet zone, for a
    /// terminal.
    ///
    /// Convention: *light* modules and the quiet zone are drawn as blocks, dark modules as spaces. Blocks print in the
    /// terminal's text colour and spaces show its background, so on a dark terminal (light text on a dark
    /// background, the usual default for the terminals drills run in) the code comes out as dark modules on a light
    /// field, which is what scanners need. On a light terminal it prints as a negative; many phone scanners read that
    /// too, but not all, so the SVG on the console is the dependable one. No colour escapes are used, so the text
    /// stays intact in logs and pipes.
    ///
    /// There are `(size + 2 * quietZone + 1) / 2` lines of `size + 2 * quietZone` characters each, joined by `\n`
    /// with no newline after the last. Since the side is always odd, the lower half of the last line lies below the
    /// quiet zone and is left as background. The standard asks for a 4-module quiet zone; 2 keeps the code small on a
    /// terminal and phone scanners cope with it.
    public func terminalText(quietZone: Int = 2) -> String {
        let quiet = max(0, quietZone)
        let side = size + 2 * quiet
        // Light for every module of the picture (quiet zone included); rows past the picture are background.
        func light(_ x: Int, _ y: Int) -> Bool {
            guard y < side else { return false }
            return !isDark(x: x - quiet, y: y - quiet)
        }
        var lines: [String] = []
        lines.reserveCapacity((side + 1) / 2)
        for top in stride(from: 0, to: side, by: 2) {
            var line = ""
            line.reserveCapacity(side * 3)
            for x in 0..<side {
                switch (light(x, top), light(x, top + 1)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

// MARK: - Capacity and the bit stream

extension QRCode {
    /// The largest version this encoder makes.
    static let maximumVersion = 10

    /// Error correction at level M per version (index 0 is version 1): EC codewords per block, then the blocks of
    /// group 1 with their data codewords, then those of group 2 (ISO/IEC 18004 table 9).
    static let blockTable: [(ecPerBlock: Int, group1: Int, data1: Int, group2: Int, data2: Int)] = [
        (10, 1, 16, 0, 0),
        (16, 1, 28, 0, 0),
        (26, 1, 44, 0, 0),
        (18, 2, 32, 0, 0),
        (24, 2, 43, 0, 0),
        (16, 4, 27, 0, 0),
        (18, 4, 31, 0, 0),
        (22, 2, 38, 2, 39),
        (22, 3, 36, 2, 37),
        (26, 4, 43, 1, 44),
    ]

    /// Data codewords of `version` at level M.
    static func dataCodewordCount(version: Int) -> Int {
        let row = blockTable[version - 1]
        return row.group1 * row.data1 + row.group2 * row.data2
    }

    /// Bits of the character count indicator in byte mode: 8 up to version 9, 16 from version 10.
    static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// Bytes that `version` holds at level M in byte mode: what is left after the 4-bit mode indicator and the
    /// count, in whole bytes.
    static func capacity(version: Int) -> Int {
        (dataCodewordCount(version: version) * 8 - 4 - countBits(version: version)) / 8
    }

    static func smallestVersion(holding byteCount: Int) -> Int? {
        (1...maximumVersion).first { capacity(version: $0) >= byteCount }
    }

    /// The data codewords: mode 0100, the count, the bytes, up to four terminator zeros, zero bits to a byte
    /// boundary, then the pad codewords 0xEC and 0x11 in turn.
    static func dataCodewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let capacityBits = dataCodewordCount(version: version) * 8
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        // The standard cuts the terminator short when the data nearly fills the symbol (in byte mode at least four
        // bits are always left, but the rule costs nothing).
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacityBits / 8 {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits the data into the version's blocks (group 1 first), adds each block's Reed–Solomon codewords and
    /// interleaves: the first data codeword of every block, then the second, ..., then the EC codewords the same way.
    /// Interleaving spreads a burst of damage (a smudge, a reflection) over several blocks so each stays correctable.
    static func addErrorCorrectionAndInterleave(_ data: [UInt8], version: Int) -> [UInt8] {
        let row = blockTable[version - 1]
        let divisor = ReedSolomon.generator(degree: row.ecPerBlock)
        var dataBlocks: [[UInt8]] = []
        var ecBlocks: [[UInt8]] = []
        var start = 0
        for length in Array(repeating: row.data1, count: row.group1) + Array(repeating: row.data2, count: row.group2) {
            let block = Array(data[start..<start + length])
            start += length
            dataBlocks.append(block)
            ecBlocks.append(ReedSolomon.remainder(of: block, divisor: divisor))
        }
        var result: [UInt8] = []
        result.reserveCapacity(data.count + ecBlocks.count * row.ecPerBlock)
        for i in 0..<max(row.data1, row.data2) {
            for block in dataBlocks where i < block.count { result.append(block[i]) }
        }
        for i in 0..<row.ecPerBlock {
            for block in ecBlocks { result.append(block[i]) }
        }
        return result
    }

    /// Centres of the alignment patterns (rows and columns alike) for versions 2...10 (annex E); version 1 has none.
    static func alignmentCentres(version: Int) -> [Int] {
        switch version {
        case 2: [6, 18]
        case 3: [6, 22]
        case 4: [6, 26]
        case 5: [6, 30]
        case 6: [6, 34]
        case 7: [6, 22, 38]
        case 8: [6, 24, 42]
        case 9: [6, 26, 46]
        case 10: [6, 28, 50]
        default: []
        }
    }

    /// The 15 format bits for level M (indicator 00) and `mask`: the 5 data bits, their BCH(15,5) remainder by the
    /// generator 0x537, XORed with 0x5412 so that no mask gives all-light format information.
    static func formatBits(mask: Int) -> Int {
        let data = (0b00 << 3) | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return ((data << 10) | remainder) ^ 0x5412
    }

    /// The 18 version bits for versions 7 and up: the version in 6 bits and its BCH(18,6) remainder by 0x1F25.
    static func versionBits(version: Int) -> Int {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return (version << 12) | remainder
    }
}

/// Bits collected most significant first.
private struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count bitCount: Int) {
        for i in stride(from: bitCount - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> i) & 1 == 1 { bytes[count / 8] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}

// MARK: - Reed–Solomon over GF(256)

/// Reed–Solomon error correction over GF(256) with the field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D) and α = 2, as
/// the standard prescribes.
enum ReedSolomon {
    /// α^i for i in 0..<255, and then the same again so that products need no modulo.
    private static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 512)
        var value = 1
        for i in 0..<255 {
            table[i] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        for i in 255..<512 { table[i] = table[i - 255] }
        return table
    }()

    /// log_α(v) for v in 1...255 (index 0 is unused).
    private static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exp[i])] = i }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0, b != 0 else { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }

    /// The generator polynomial (x − α⁰)(x − α¹)…(x − α^(degree−1)), coefficients from the highest power down, the
    /// leading 1 left out.
    static func generator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1  // the constant polynomial 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // Multiply by (x − root); in GF(2^8) subtraction is XOR.
            for j in 0..<degree {
                coefficients[j] = multiply(coefficients[j], root)
                if j + 1 < degree { coefficients[j] ^= coefficients[j + 1] }
            }
            root = multiply(root, 2)
        }
        return coefficients
    }

    /// The remainder of data·x^degree divided by the generator: the error correction codewords.
    static func remainder(of data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for i in 0..<divisor.count { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }
}

// MARK: - The module matrix

/// The symbol being built: module colours and which modules belong to function patterns (never masked, skipped by
/// the data).
private struct Matrix {
    let size: Int
    var dark: [Bool]
    var isFunction: [Bool]

    init(size: Int) {
        self.size = size
        dark = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
    }

    subscript(x: Int, y: Int) -> Bool {
        get { dark[y * size + x] }
        set { dark[y * size + x] = newValue }
    }

    mutating func setFunction(_ x: Int, _ y: Int, _ isDark: Bool) {
        dark[y * size + x] = isDark
        isFunction[y * size + x] = true
    }

    /// Finder patterns with their separators, timing patterns, alignment patterns and the version information.
    /// Format information (and the dark module beside it) has its own method because it depends on the mask.
    mutating func drawFunctionPatterns(version: Int) {
        // Timing patterns first: the finders and alignment patterns overwrite the ends they cross.
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)

        let centres = QRCode.alignmentCentres(version: version)
        for cy in centres {
            for cx in centres {
                // The three corners taken by finder patterns get none.
                let first = centres[0]
                let last = centres[centres.count - 1]
                if (cx == first && cy == first) || (cx == first && cy == last) || (cx == last && cy == first) {
                    continue
                }
                for dy in -2...2 {
                    for dx in -2...2 {
                        setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
                    }
                }
            }
        }

        if version >= 7 {
            // Two copies: a 6×3 block above the bottom-left finder and its transpose left of the top-right one.
            let bits = QRCode.versionBits(version: version)
            for i in 0..<18 {
                let bit = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3
                let b = i / 3
                setFunction(a, b, bit)
                setFunction(b, a, bit)
            }
        }
    }

    /// A 7×7 finder pattern and the light separator around it (cut off at the symbol's edge).
    mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx
                let y = centreY + dy
                guard x >= 0, y >= 0, x < size, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x, y, ring != 2 && ring != 4)
            }
        }
    }

    /// Both copies of the format information, plus the dark module at (8, size − 8), which sits beside the second
    /// copy. Bit 0 is the least significant.
    mutating func drawFormatBits(mask: Int) {
        let bits = QRCode.formatBits(mask: mask)
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        // Around the top-left finder: down column 8 (skipping the timing row), then left along row 8.
        for i in 0...5 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
        // Split between the other two finders: along row 8 from the right edge, then down column 8 to the bottom.
        for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, true)
    }

    /// Places the codewords most significant bit first in two-module columns, zig-zagging up and down from the
    /// bottom-right corner, skipping function modules and the vertical timing column. Modules left over (the
    /// remainder bits of versions 2–6) stay light.
    mutating func placeData(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = ((right + 1) & 2) == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for column in 0..<2 {
                    let x = right - column
                    guard !isFunction[y * size + x], index < totalBits else { continue }
                    self[x, y] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
        precondition(index == totalBits, "the codewords must fill the data area exactly")
    }

    /// Inverts every non-function module where the mask's condition holds (i is the row, j the column, as in the
    /// standard's table 10). Applying the same mask twice undoes it.
    mutating func applyMask(_ mask: Int) {
        for i in 0..<size {
            for j in 0..<size where !isFunction[i * size + j] {
                let invert =
                    switch mask {
                    case 0: (i + j) % 2 == 0
                    case 1: i % 2 == 0
                    case 2: j % 3 == 0
                    case 3: (i + j) % 3 == 0
                    case 4: (i / 2 + j / 3) % 2 == 0
                    case 5: (i * j) % 2 + (i * j) % 3 == 0
                    case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
                    default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
                    }
                if invert { dark[i * size + j].toggle() }
            }
        }
    }
}

// MARK: - Mask evaluation

extension QRCode {
    /// The penalty scores of a finished symbol (ISO/IEC 18004 7.8.3, N1 = 3, N2 = 3, N3 = 40, N4 = 10); the mask
    /// whose symbol has the lowest total is the one used.
    struct Penalty: Equatable, Sendable {
        /// Rule 1: each run of five or more like modules in a row or column scores 3, plus 1 per module past five.
        var runs = 0
        /// Rule 2: each 2×2 block of one colour scores 3 (overlapping blocks count separately).
        var blocks = 0
        /// Rule 3: each dark-light-dark-dark-dark-light-dark pattern in a row or column with four light modules
        /// before or after it scores 40.
        var finderLike = 0
        /// Rule 4: 10 for each full 5 % by which the dark share is away from 50 %.
        var balance = 0

        var total: Int { runs + blocks + finderLike + balance }
    }

    /// This symbol's penalty scores.
    var penalty: Penalty { QRCode.penalty(size: size, dark: modules) }

    /// Scores a `size`×`size` row-major grid. The whole symbol is scored, format and version information included,
    /// because that is what a scanner sees (ZXing does the same). For rule 3, modules beyond the edge count as light,
    /// since the quiet zone is; a pattern with light on both sides counts once, as "preceded or followed by" reads.
    static func penalty(size: Int, dark: [Bool]) -> Penalty {
        var result = Penalty()
        let finderCore = [true, false, true, true, true, false, true]
        for byRow in [true, false] {
            for k in 0..<size {
                let line = (0..<size).map { byRow ? dark[k * size + $0] : dark[$0 * size + k] }
                var runStart = 0
                for i in 1...size where i == size || line[i] != line[runStart] {
                    let run = i - runStart
                    if run >= 5 { result.runs += 3 + (run - 5) }
                    runStart = i
                }
                func isLight(_ range: Range<Int>) -> Bool {
                    range.allSatisfy { $0 < 0 || $0 >= size || !line[$0] }
                }
                for start in 0..<max(0, size - finderCore.count + 1)
                where (0..<finderCore.count).allSatisfy({ line[start + $0] == finderCore[$0] }) {
                    if isLight(start - 4..<start) || isLight(start + 7..<start + 11) { result.finderLike += 40 }
                }
            }
        }
        for y in 0..<max(0, size - 1) {
            for x in 0..<(size - 1) {
                let colour = dark[y * size + x]
                if dark[y * size + x + 1] == colour && dark[(y + 1) * size + x] == colour
                    && dark[(y + 1) * size + x + 1] == colour
                {
                    result.blocks += 3
                }
            }
        }
        let darkCount = dark.count(where: { $0 })
        let total = size * size
        // |dark / total − 1/2| in steps of 5 %, rounded down: 20 · |dark − total / 2| / total.
        if total > 0 { result.balance = 10 * (abs(darkCount * 20 - total * 10) / total) }
        return result
    }
}
