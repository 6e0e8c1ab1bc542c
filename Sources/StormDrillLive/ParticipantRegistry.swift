/// The game day's participants and the limits that keep a flood from stalling the drill: at most `maxParticipants`
/// join, each may post at most `postsPerWindow` times in any `windowNanoseconds` (5 a second) and at most
/// `postsPerParticipant` times in all. Pure: times are handed in, nothing is kept about a participant but a random id
/// and the nickname they chose.
public struct ParticipantRegistry: Sendable {
    public struct Participant: Sendable, Hashable {
        public var id: String
        public var nickname: String?
        public var joinedAtMs: Double
        public var posts = 0
        /// Monotonic times (ns) of the latest posts, at most `postsPerWindow` of them.
        var recent: [Int64] = []
    }

    /// Why a post or a join is refused.
    public enum Refusal: Error, Sendable, Equatable {
        case full(limit: Int)
        case unknownParticipant
        case tooFast
        case tooMany(limit: Int)
    }

    public let maxParticipants: Int
    public let postsPerWindow: Int
    public let windowNanoseconds: Int64
    public let postsPerParticipant: Int
    public private(set) var participants: [String: Participant] = [:]
    /// Join order.
    public private(set) var order: [String] = []

    public init(
        maxParticipants: Int = 500, postsPerWindow: Int = 5, windowNanoseconds: Int64 = 1_000_000_000,
        postsPerParticipant: Int = 1_000
    ) {
        self.maxParticipants = maxParticipants
        self.postsPerWindow = postsPerWindow
        self.windowNanoseconds = windowNanoseconds
        self.postsPerParticipant = postsPerParticipant
    }

    public var count: Int { participants.count }

    /// Adds a participant with the id given (random, made by the caller).
    public mutating func join(id: String, nickname: String?, atMs: Double) -> Result<Participant, Refusal> {
        guard participants.count < maxParticipants else { return .failure(.full(limit: maxParticipants)) }
        let p = Participant(id: id, nickname: nickname, joinedAtMs: atMs)
        participants[id] = p
        order.append(id)
        return .success(p)
    }

    /// Counts a post by `id` at monotonic time `now`, or says why it is refused (nothing is counted then).
    public mutating func post(by id: String, now: Int64) -> Result<Participant, Refusal> {
        guard var p = participants[id] else { return .failure(.unknownParticipant) }
        guard p.posts < postsPerParticipant else { return .failure(.tooMany(limit: postsPerParticipant)) }
        // More than `postsPerWindow` posts within one window: the oldest of the last few is too recent.
        if p.recent.count >= postsPerWindow, let oldest = p.recent.first, now - oldest < windowNanoseconds {
            return .failure(.tooFast)
        }
        p.recent.append(now)
        if p.recent.count > postsPerWindow { p.recent.removeFirst(p.recent.count - postsPerWindow) }
        p.posts += 1
        participants[id] = p
        return .success(p)
    }

    /// A nickname as kept and shown: control characters removed, spaces trimmed, at most 40 characters; nil when
    /// nothing is left.
    public static func cleanNickname(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let trimmed = cleanText(raw, keepingNewlines: false)
        return trimmed.isEmpty ? nil : String(trimmed.prefix(40))
    }

    /// People's text as kept and shown: control characters removed (newlines only when asked to keep them), spaces
    /// trimmed.
    public static func cleanText(_ s: String, keepingNewlines: Bool) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.filter { (keepingNewlines && $0 == "\n") || !isControl($0) }))
            .trimmingSpaces()
    }

    /// Control characters (C0, DEL, C1), bidirectional overrides and line separators: nothing a name needs.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v)
            || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
