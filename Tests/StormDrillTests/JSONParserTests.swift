import StormDrillPlan
import Testing

extension StormDrillTests {
    @Suite("JSON parser with positions")
    struct JSONParserTests {
        @Test("values and positions")
        func positions() throws {
            let node = try JSONParser.parse("{\n  \"a\": [1, true, null],\n  \"bé\": \"x\\u00e9\\ud83d\\ude00\"\n}")
            let members = try #require(node.members)
            #expect(members[0].key == "a")
            #expect(members[0].keyPosition.line == 2 && members[0].keyPosition.column == 3)
            #expect(members[0].value.position.column == 8)
            #expect(members[1].key == "bé")
            #expect(members[1].value.stringValue == "xé😀")
            #expect(members[1].value.position.line == 3 && members[1].value.position.column == 9)
        }

        @Test(
            "syntax errors name the position and path",
            arguments: [
                ("{\"a\": [1, 2,]}", 1, 13, "a[2]", "trailing comma"),
                ("{\"a\": 1 \"b\": 2}", 1, 9, "$", "comma missing"),
                ("{\"a\": 'x'}", 1, 7, "a", "double quotes"),
                ("{\"a\": tru}", 1, 7, "a", "invalid literal"),
                ("{\"a\": 01}", 1, 8, "a", "leading zeros"),
                ("{\"a\": \"x}", 1, 10, "a", "unterminated string"),
                ("{\"a\": 1} x", 1, 10, "$", "after the end"),
                ("", 1, 1, "$", "empty"),
                ("{// c\n}", 1, 2, "$", "comments"),
                ("{\"a\": {\"b\": [1, }]}}", 1, 17, "a.b[1]", "expected a value"),
            ])
        func errors(c: (String, Int, Int, String, String)) {
            do {
                _ = try JSONParser.parse(c.0)
                Issue.record("accepted \(c.0)")
            } catch {
                #expect(error.position.line == c.1)
                #expect(error.position.column == c.2, "\(error)")
                #expect(error.path == c.3)
                #expect(error.message.contains(c.4), "\(error.message)")
            }
        }

        @Test("deep nesting is an error, not a stack overflow")
        func depth() {
            let deep = String(repeating: "[", count: 100_000)
            #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        }

        @Test("numbers keep their text")
        func numbers() throws {
            let node = try JSONParser.parse("[18446744073709551615, -1.5e3, 0]")
            guard case .number(_, let text) = node.elements![0].value else {
                Issue.record("not a number")
                return
            }
            #expect(text == "18446744073709551615")
            guard case .number(let v, _) = node.elements![1].value else { return }
            #expect(v == -1500)
        }

        @Test("JSON pointers find raw tokens")
        func pointers() throws {
            let json = Array(
                #"{"id": "ord_1", "items": [{"sku": "a\"b"}, {"sku": "c"}], "n": 42, "o": {"x": [1]}, "a/b": 1, "m~n": 2}"#
                    .utf8)
            func find(_ p: String) -> String? {
                JSONPointer(p)?.locate(in: json).map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(find("/id") == "\"ord_1\"")
            #expect(find("/items/1/sku") == "\"c\"")
            #expect(find("/items/0/sku") == #""a\"b""#)
            #expect(find("/n") == "42")
            #expect(find("/o") == #"{"x": [1]}"#)
            #expect(find("/a~1b") == "1")
            #expect(find("/m~0n") == "2")
            #expect(find("/missing") == nil)
            #expect(find("/items/2") == nil)
            #expect(find("/items/x") == nil)
            #expect(find("") == String(decoding: json, as: UTF8.self))
            #expect(JSONPointer("id") == nil)
            #expect(JSONPointer(#"/bad~2"#) == nil)
            #expect(JSONPointer("/id")!.locate(in: Array("not json".utf8)) == nil)
        }
    }
}
