/// Where rendered template bytes go. The engine conforms NIO's `ByteBuffer`; tests and tools use `[UInt8]`.
///
/// Rendering is generic over the sink so the hot path writes straight into the outgoing buffer without building
/// intermediate strings.
public protocol TemplateByteSink {
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer)
    mutating func appendByte(_ byte: UInt8)
}

extension TemplateByteSink {
    @inlinable
    public mutating func appendBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { appendBytes($0) }
    }

    /// Appends a non-negative integer in decimal without allocating.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64) {
        var v = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                v /= 10
            } while v > 0
            appendBytes(UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    /// Appends an integer padded with leading zeros to `width` digits.
    @inlinable
    public mutating func appendDecimal(_ value: UInt64, width: Int) {
        var digits = 1
        var v = value
        while v >= 10 {
            v /= 10
            digits += 1
        }
        for _ in digits..<max(digits, width) { appendByte(0x30) }
        appendDecimal(value)
    }

    /// Appends cents as a decimal amount with two fraction digits: 2150 → `21.50`.
    @inlinable
    public mutating func appendCents(_ cents: Int) {
        if cents < 0 { appendByte(UInt8(ascii: "-")) }
        let magnitude = UInt64(cents.magnitude)
        appendDecimal(magnitude / 100)
        appendByte(UInt8(ascii: "."))
        appendDecimal(magnitude % 100, width: 2)
    }

    /// Appends `value` as hexadecimal (lowercase unless `uppercase`) with exactly `digits` digits.
    @inlinable
    public mutating func appendHex(_ value: UInt64, digits: Int, uppercase: Bool = false) {
        var shift = (digits - 1) * 4
        let letterOffset: UInt8 = uppercase ? 0x37 : 0x57
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            appendByte(nibble < 10 ? nibble &+ 0x30 : nibble &+ letterOffset)
            shift -= 4
        }
    }
}

extension Array: TemplateByteSink where Element == UInt8 {
    @inlinable
    public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }

    @inlinable
    public mutating func appendByte(_ byte: UInt8) {
        append(byte)
    }
}
