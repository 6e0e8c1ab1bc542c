/// The facilitator's token: 128 random bits made for each run, in 32 hex digits. Every facilitator action needs it as
/// `Authorization: Bearer TOKEN`; it is printed on the driver's terminal and never written to the report folder.
public struct FacilitatorToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// A new random token.
    public init() {
        var rng = SystemRandomNumberGenerator()
        let bits = (rng.next() as UInt64, rng.next() as UInt64)
        value = FacilitatorToken.hex(bits.0) + FacilitatorToken.hex(bits.1)
    }

    /// A given token (tests).
    public init(value: String) {
        self.value = value
    }

    /// The token itself is never shown by accident (logs, interpolation): only its length.
    public var description: String { "FacilitatorToken(\(value.count) characters)" }

    /// Whether an `Authorization` header carries this token. The comparison takes the same time wherever the first
    /// difference is, so the token cannot be guessed digit by digit from response times.
    public func authorizes(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let given = Array(parts[1].utf8)
        let expected = Array(value.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<expected.count { difference |= given[i] ^ expected[i] }
        return difference == 0
    }

    static func hex(_ v: UInt64) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((v >> UInt64(shift)) & 0xF)]) }
        return out
    }
}
