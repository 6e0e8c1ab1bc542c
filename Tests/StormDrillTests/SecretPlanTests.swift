import Foundation
import StormDrillPlan
import Testing

@testable import StormDrillRunner

extension StormDrillTests {
    @Suite("Secrets in plans: {{env.NAME}}, \"secrets\", the redactor")
    struct SecretPlanTests {
        static func plan(_ extra: String = "", header: String = "{{env.API_TOKEN}}", argv: String = "") -> String {
            """
            {"stormdrill": 1, "name": "p", "vars": {"key": "value-of-key", "short": "ab", "empty": ""}\(extra),
             "target": {"baseURL": "http://127.0.0.1:9", "headers": {"Authorization": "\(header)"}},
             "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
             "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/x/{{vars.key}}"}]}]\(argv)}
            """
        }

        static func decode(
            _ text: String, overrides: [String: String] = [:], environment: PlanEnvironment
        ) -> Result<Plan, PlanError> {
            PlanDecoder.decode(Array(text.utf8), file: "p.json", overrides: overrides, environment: environment)
        }

        @Test("{{env.NAME}} reads the given environment, and its value is a secret")
        func environmentValue() throws {
            let plan = try Self.decode(Self.plan(), environment: .values(["API_TOKEN": "t0ken-value"])).get()
            #expect(plan.target.headers.first?.value.staticBytes == Array("t0ken-value".utf8))
            #expect(plan.redactor.secrets == [Secret(value: "t0ken-value", placeholder: "{{env.API_TOKEN}}")])
        }

        @Test("an unset variable is a plan error naming it; validate (deferred) needs no value")
        func unsetVariable() throws {
            let error = try #require(Self.decode(Self.plan(), environment: .values([:])).failureValue)
            #expect(error.description.contains("the environment variable API_TOKEN is not set"), "\(error)")
            let deferred = try Self.decode(Self.plan(), environment: .deferred).get()
            #expect(deferred.redactor.isEmpty)
            let bad = try #require(Self.decode(Self.plan(header: "{{env.9x}}"), environment: .deferred).failureValue)
            #expect(bad.description.contains("environment variable names use letters, digits and '_'"))
        }

        @Test("{{env.NAME}} works in a command fault's argv")
        func environmentInArgv() throws {
            let faults = """
                , "faults": [{"name": "c", "type": "command", "at": "0s", "duration": "1s",
                  "start": ["/bin/echo", "{{env.API_TOKEN}}"], "rollback": ["/bin/true"]}]
                """
            let plan = try Self.decode(
                Self.plan(argv: faults), environment: .values(["API_TOKEN": "t0ken-value"])
            ).get()
            guard case .command(let start, _) = plan.faults.first?.action else {
                Issue.record("not a command fault")
                return
            }
            #expect(start == ["/bin/echo", "t0ken-value"])
        }

        @Test("secrets name vars: unknown names get a suggestion; the value after --var is the secret")
        func secretVars() throws {
            let plan = try Self.decode(
                Self.plan(#", "secrets": ["key", "empty"]"#), overrides: ["key": "overridden"],
                environment: .values(["API_TOKEN": "t0ken-value"])
            ).get()
            #expect(Set(plan.redactor.secrets.map(\.value)) == ["t0ken-value", "overridden"])
            let unknown = try #require(
                Self.decode(Self.plan(#", "secrets": ["kye"]"#), environment: .deferred).failureValue)
            #expect(unknown.description.contains("unknown var \"kye\""), "\(unknown)")
            #expect(unknown.description.contains("did you mean \"key\"?"), "\(unknown)")
            let notList = try #require(
                Self.decode(Self.plan(#", "secrets": "key""#), environment: .deferred).failureValue)
            #expect(notList.description.contains("must be an array of var names"))
        }

        @Test("secrets shorter than 4 characters are refused (empty ones hide nothing and are allowed)")
        func shortSecrets() throws {
            let short = try #require(
                Self.decode(Self.plan(#", "secrets": ["short"]"#), environment: .deferred).failureValue)
            #expect(short.description.contains("shorter than 4 characters"), "\(short)")
            #expect(!short.description.contains("ab\""))
            let env = try #require(Self.decode(Self.plan(), environment: .values(["API_TOKEN": "xyz"])).failureValue)
            #expect(env.description.contains("the value of API_TOKEN is shorter than 4 characters"), "\(env)")
            #expect(!env.description.contains("xyz"))
            let empty = try Self.decode(Self.plan(), environment: .values(["API_TOKEN": ""])).get()
            #expect(empty.redactor.isEmpty)
        }

        @Test("a plan error that quotes a substituted secret shows ***")
        func errorMessagesAreRedacted() throws {
            let text = """
                {"stormdrill": 1, "name": "p", "vars": {"profile": "very-secret-profile"}, "secrets": ["profile"],
                 "target": {"embedded": "campus", "profile": "{{vars.profile}}"},
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "method": "GET", "path": "/x"}]}]}
                """
            let error = try #require(Self.decode(text, environment: .deferred).failureValue)
            #expect(error.description.contains("unknown campus profile \"***\""), "\(error)")
            #expect(!error.description.contains("very-secret-profile"))
        }

        @Test("the schema accepts {{env.NAME}} wherever {{vars.NAME}} goes, and secrets")
        func schemaAcceptsEnvironment() throws {
            let dir = Repository.temporaryDirectory("schema-secrets")
            let text = """
                {"stormdrill": 1, "name": "v", "vars": {"key": "value-of-key"}, "secrets": ["key"],
                 "target": {"baseURL": "http://127.0.0.1:9/{{env.BASE}}",
                   "headers": {"A": "Bearer {{ env.API_TOKEN }}"}},
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
                 "journeys": [{"name": "j", "steps": [{"name": "s", "method": "POST", "path": "/x/{{env.API_TOKEN}}",
                   "headers": {"K": "{{vars.key}}"}, "body": {"t": "{{env.API_TOKEN}}", "u": "a {{env.API_TOKEN}}"}}]}]}
                """
            let path = try DrillEndToEndTests.writePlan(text, in: dir, name: "env-variant.json")
            let verdicts = try PlanSchemaTests.validate([path])
            #expect(verdicts["env-variant.json"]?.valid == true, "\(verdicts["env-variant.json"]?.errors ?? [])")
            let environment = PlanEnvironment.values(["BASE": "base-path", "API_TOKEN": "t0ken-value"])
            #expect((try? PlanLoader.load(path: path, environment: environment).get()) != nil)
        }

        @Test("the redactor replaces raw, percent-encoded, JSON-, HTML- and Markdown-escaped forms")
        func redactorForms() {
            let r = SecretRedactor([Secret(value: #"a"b<c>/d e_f"#, placeholder: "{{env.X}}")])
            let forms = [
                #"a"b<c>/d e_f"#, #"a\"b<c>/d e_f"#, #"a\"b<c>\/d e_f"#, "a&quot;b&lt;c&gt;/d e_f",
                "a%22b%3Cc%3E/d%20e_f", "a%22b%3Cc%3E%2Fd%20e_f", "a%22b%3cc%3e%2fd%20e_f", #"a"b\<c\>/d e\_f"#,
            ]
            for form in forms {
                #expect(r.redact("[\(form)]") == "[***]", "\(form)")
            }
            #expect(r.redact(Array("x a\"b<c>/d e_f y".utf8)) == Array("x *** y".utf8))
            #expect(r.replacingWithPlaceholders(#"--token=a"b<c>/d e_f"#) == "--token={{env.X}}")
            #expect(r.redact("nothing here") == "nothing here")
            #expect(SecretRedactor([Secret(value: "", placeholder: "{{env.E}}")]).isEmpty)
            #expect(SecretRedactor().redact("abc") == "abc")
        }

        @Test("recover puts {{env.NAME}} back from its environment and refuses a secret var it cannot know")
        func recoverResolvesPlaceholders() throws {
            let resolved = try FaultRecovery.resolveSecrets(
                ["/bin/echo", "--token={{env.TOK}}"], environment: ["TOK": "t0ken-value"]
            ).get()
            #expect(resolved.argv == ["/bin/echo", "--token=t0ken-value"])
            #expect(resolved.redactor.redact("t0ken-value") == "***")
            let unset = try #require(FaultRecovery.resolveSecrets(["{{env.TOK}}"], environment: [:]).failureValue)
            #expect(unset.message.contains("TOK is not set"))
            let variable = try #require(FaultRecovery.resolveSecrets(["{{vars.key}}"], environment: [:]).failureValue)
            #expect(variable.message.contains("run the rollback by hand"))
        }
    }
}

extension Result {
    /// The error, if this is a failure.
    fileprivate var failureValue: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
