import TOMLKit

/// Typed access to one `[section]` table: each accessor returns nil when the key is absent and throws
/// `invalidValue` naming `section.key`, what it must be and the value when it has the wrong type or range.
struct SectionReader {
    let name: String
    let table: TOMLTable

    /// `section.key`, as every message spells a key.
    func qualified(_ key: String) -> String {
        "\(name).\(TOMLText.key(key))"
    }

    /// Refuses keys the section does not define (D-config), in sorted order so the first one reported is stable.
    func checkKeys(allowed: [String]) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let known = allowed.joined(separator: ", ")
            let message = "\(qualified(key)): unknown key (the keys of [\(name)] are \(known))"
            throw ConfigError(kind: .unknownKey, key: qualified(key), message: message)
        }
    }

    /// The raw node, for keys whose errors are not `invalidValue` (log.level, framerate).
    func node(_ key: String) -> (any TOMLValueConvertible)? {
        table[key]
    }

    /// An error for `key`'s current value, which must be `requirement` ("an integer 1...65535").
    func failure(_ kind: ConfigError.Kind, _ key: String, requirement: String) -> ConfigError {
        let text = node(key).map { TOMLText.value($0) } ?? ""
        return ConfigError.badValue(kind, key: qualified(key), value: text, requirement: requirement)
    }

    func string(_ key: String, nonEmpty: Bool = false) throws(ConfigError) -> String? {
        guard let value = node(key) else { return nil }
        guard let text = value.string, !(nonEmpty && text.isEmpty) else {
            throw failure(.invalidValue, key, requirement: nonEmpty ? "a non-empty string" : "a string")
        }
        return text
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = node(key) else { return nil }
        guard let flag = value.bool else {
            throw failure(.invalidValue, key, requirement: "true or false")
        }
        return flag
    }

    /// An integer within `range`; a float, a quoted number or anything outside the range is refused.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = node(key) else { return nil }
        guard let number = value.int, range.contains(number) else {
            throw failure(.invalidValue, key, requirement: "an integer \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A number within `range`; TOML integers count too (`sample_ratio = 1`).
    func fraction(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let value = node(key) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init), range.contains(number) else {
            throw failure(.invalidValue, key, requirement: "a number \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = node(key) else { return nil }
        guard let array = value.array else {
            throw failure(.invalidValue, key, requirement: "an array of strings")
        }
        var strings: [String] = []
        for item in array {
            guard let text = item.string else {
                throw failure(.invalidValue, key, requirement: "an array of strings")
            }
            strings.append(text)
        }
        return strings
    }

    /// A string naming one of `choices`; the message lists them.
    func choice<T>(_ key: String, _ choices: [(String, T)]) throws(ConfigError) -> T? {
        guard let value = node(key) else { return nil }
        if let text = value.string, let match = choices.first(where: { $0.0 == text }) {
            return match.1
        }
        let listed = choices.map { TOMLText.quoted($0.0) }.joined(separator: " or ")
        throw failure(.invalidValue, key, requirement: listed)
    }

    func listenAddress(_ key: String) throws(ConfigError) -> ListenAddress? {
        guard let text = try string(key) else { return nil }
        guard let address = ListenAddress.parse(text) else {
            let requirement = "an IP address and a port 0...65535 such as 127.0.0.1:5678 or [::1]:5678 (no host names)"
            throw failure(.invalidValue, key, requirement: requirement)
        }
        return address
    }
}
