/// `{{env.NAME}}` placeholders and the plan's `secrets`: the values that every writer of output redacts.
extension PlanDecoder {
    // MARK: - Secrets

    /// The value of `{{env.NAME}}`, remembered as a secret. Unset variables and values of 1 to 3 characters are
    /// problems (an empty value is allowed and hides nothing).
    mutating func environmentValue(_ name: String) -> Result<String, PlanProblem> {
        guard PlanDecoder.isEnvironmentName(name) else {
            return .failure(
                PlanProblem("{{env.\(name)}}: environment variable names use letters, digits and '_'"))
        }
        guard case .values(let values) = environment else { return .success(PlanEnvironment.standIn(name)) }
        guard let value = values[name] else {
            return .failure(PlanProblem("{{env.\(name)}}: the environment variable \(name) is not set"))
        }
        if !value.isEmpty && value.count < SecretRedactor.minimumLength {
            return .failure(
                PlanProblem(
                    "{{env.\(name)}}: the value of \(name) is shorter than \(SecretRedactor.minimumLength)"
                        + " characters; environment values are secrets, and one that short cannot be redacted"
                        + " from reports without mangling them"))
        }
        secrets.append(Secret(value: value, placeholder: "{{env.\(name)}}"))
        return .success(value)
    }

    /// `"secrets": ["token", ...]`: vars whose values (after `--var`) are redacted from every output.
    mutating func decodeSecretVars(_ node: JSONNode) {
        let path: [PathComponent] = [.key("secrets")]
        guard let elements = node.elements else {
            report(node, path, "must be an array of var names (got \(node.typeName))")
            return
        }
        var seen = Set<String>()
        for (i, e) in elements.enumerated() {
            let p = path + [.index(i)]
            guard let name = e.stringValue else {
                report(e, p, "must be a var name (got \(e.typeName))")
                continue
            }
            guard let value = vars[name] else {
                var message = "unknown var \"\(name)\": secrets name vars of \"vars\""
                if vars.isEmpty {
                    message = "\"\(name)\" names a var but the plan defines no \"vars\""
                } else if let s = Suggestion.closest(to: name, in: vars.keys.sorted()) {
                    message += "; did you mean \"\(s)\"?"
                }
                report(e, p, message)
                continue
            }
            guard seen.insert(name).inserted else {
                report(e, p, "\"\(name)\" is listed twice")
                continue
            }
            if !value.isEmpty && value.count < SecretRedactor.minimumLength {
                report(
                    e, p,
                    "the value of secret var \"\(name)\" is shorter than \(SecretRedactor.minimumLength) characters,"
                        + " too short to be redacted from reports without mangling them")
                continue
            }
            secrets.append(Secret(value: value, placeholder: "{{vars.\(name)}}"))
        }
    }

    /// Environment variable names: letters, digits and '_', not starting with a digit.
    static func isEnvironmentName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
        }
    }
}
