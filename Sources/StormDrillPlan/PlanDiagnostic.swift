/// One problem found in a plan file, with everything a user needs to fix it: file, line and column, the JSON path
/// and what is wrong (with the likely fix where there is one).
public struct PlanDiagnostic: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var file: String
    public var position: SourcePosition
    public var path: String
    public var message: String

    public init(file: String, position: SourcePosition, path: String, message: String) {
        self.file = file
        self.position = position
        self.path = path
        self.message = message
    }

    /// `plans/x.json:12:17: load.stages[1].rate: must be greater than 0 (got -5)`
    public var description: String { "\(file):\(position.line):\(position.column): \(path): \(message)" }

    public static func < (lhs: PlanDiagnostic, rhs: PlanDiagnostic) -> Bool {
        (lhs.file, lhs.position.offset, lhs.path) < (rhs.file, rhs.position.offset, rhs.path)
    }
}

/// A plan that cannot be used, with every problem found in it (not only the first).
public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [PlanDiagnostic]

    public init(diagnostics: [PlanDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// "Did you mean" suggestions by edit distance.
public enum Suggestion {
    /// The closest candidate within a small edit distance, or one that differs only in case.
    public static func closest(to word: String, in candidates: [String], allowPrefix: Bool = true) -> String? {
        let lower = word.lowercased()
        if let sameCase = candidates.first(where: { $0.lowercased() == lower }) { return sameCase }
        var best: (String, Int)?
        for c in candidates {
            let d = distance(lower, c.lowercased())
            let limit = max(1, min(3, c.count / 3))
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        if let best { return best.0 }
        // A prefix typo such as "maxInFlite" or "thinktime": accept a long common prefix.
        if allowPrefix, lower.count >= 5,
            let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(String(lower.prefix(5))) })
        {
            return prefixed
        }
        return nil
    }

    /// Damerau–Levenshtein (optimal string alignment) distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
