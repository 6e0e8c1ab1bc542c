/// Text made safe to echo to a terminal: what a plan, a target or a participant wrote must not move the cursor,
/// clear the screen, retitle the window or hide the rest of a line (`\u{1B}]0;…`, `\r`, NUL).
public enum TerminalText {
    /// Escapes C0 control characters (except newline and tab), DEL and C1 controls as `\u{XX}`, and the bidi
    /// override characters that can make a line read differently from what it contains.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
