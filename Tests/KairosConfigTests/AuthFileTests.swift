import KairosProtocol
import Testing
import KairosConfig

@Suite struct AuthFileTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func refusal(_ toml: String) -> AuthFileError? {
        do {
            _ = try AuthFileLoader.parse(toml: toml)
            return nil
        } catch {
            return error
        }
    }

    @Test func specExample() throws {
        let toml = """
            [token.deploy]
            secret = "sk_deploy_a1b2c3"
            namespace = "deploy."

            [token.admin]
            secret = "sk_admin_x9y8z7"
            namespace = "*"
            """
        let tokens = try AuthFileLoader.parse(toml: toml)
        #expect(tokens == [
            AuthToken(name: "deploy", secret: bytes("sk_deploy_a1b2c3"), namespace: bytes("deploy.")),
            AuthToken(name: "admin", secret: bytes("sk_admin_x9y8z7"), namespace: bytes("*")),
        ])
        #expect(tokens[0].scope == .prefix(bytes("deploy.")))
        #expect(tokens[1].scope == .unrestricted)
    }

    @Test func zeroTokens() throws {
        #expect(try AuthFileLoader.parse(toml: "") == [])
        #expect(try AuthFileLoader.parse(toml: "# nobody may log in\n") == [])
    }

    @Test func emptySecretIsAccepted() throws {
        let tokens = try AuthFileLoader.parse(toml: "[token.open]\nsecret = \"\"\nnamespace = \"open.\"")
        #expect(tokens == [AuthToken(name: "open", secret: [], namespace: bytes("open."))])
    }

    @Test func duplicateTokenNamesAreAccepted() throws {
        let toml = """
            [token.ci]
            secret = "one"
            namespace = "a."
            [token.other]
            secret = "two"
            namespace = "b."
            [token.ci]  # the same name again
            secret = "three"
            namespace = "c."
            [token.ci]
            secret = "four"
            namespace = "d."
            """
        let tokens = try AuthFileLoader.parse(toml: toml)
        #expect(tokens == [
            AuthToken(name: "ci", secret: bytes("one"), namespace: bytes("a.")),
            AuthToken(name: "other", secret: bytes("two"), namespace: bytes("b.")),
            AuthToken(name: "ci", secret: bytes("three"), namespace: bytes("c.")),
            AuthToken(name: "ci", secret: bytes("four"), namespace: bytes("d.")),
        ])
    }

    @Test func otherSectionsAndKeysAreIgnored() throws {
        let toml = """
            comment = "top-level keys mean nothing"
            [server]
            name = "x"
            [token.deploy]
            secret = 'sk "quoted" \\ raw'
            namespace = "deploy."
            note = "ignored"
            """
        let tokens = try AuthFileLoader.parse(toml: toml)
        #expect(tokens == [AuthToken(name: "deploy", secret: bytes("sk \"quoted\" \\ raw"), namespace: bytes("deploy."))])
    }

    @Test func duplicateSecretIsRefused() {
        let error = refusal("[token.a]\nsecret = \"s\"\nnamespace = \"a.\"\n[token.b]\nsecret = \"s\"\nnamespace = \"b.\"")
        #expect(error?.kind == .duplicateSecret)
        #expect(error?.token == "b")
        #expect(error?.description == "token \"b\" has the same secret as token \"a\"")
    }

    @Test func duplicateSecretAcrossRepeatedNames() {
        let error = refusal("[token.a]\nsecret = \"s\"\nnamespace = \"a.\"\n[token.a]\nsecret = \"s\"\nnamespace = \"b.\"")
        #expect(error?.description == "token \"a\" has the same secret as token \"a\"")
    }

    @Test func missingSecret() {
        let error = refusal("[token.deploy]\nnamespace = \"deploy.\"")
        #expect(error?.kind == .missingSecret)
        #expect(error?.token == "deploy")
        #expect(error?.description == "token \"deploy\" has no secret")
        #expect(refusal("[token.deploy]\nsecret = 5\nnamespace = \"d.\"")?.description
            == "token \"deploy\": secret must be a string, not 5")
    }

    @Test func missingOrEmptyNamespace() {
        let missing = refusal("[token.deploy]\nsecret = \"x\"")
        #expect(missing?.kind == .emptyNamespace)
        #expect(missing?.token == "deploy")
        #expect(missing?.description == "token \"deploy\" has no namespace")
        let empty = refusal("[token.deploy]\nsecret = \"x\"\nnamespace = \"\"")
        #expect(empty?.kind == .emptyNamespace)
        #expect(empty?.description == "token \"deploy\" has an empty namespace (use \"*\" for every id)")
        #expect(refusal("[token.\"my token\"]\nsecret = \"x\"\nnamespace = [\"a\"]")?.description
            == "token \"my token\": namespace must be a string, not [\"a\"]")
    }

    @Test func syntaxErrorLinesCountAcrossRepeatedNames() {
        // The second [token.a] splits the text; the error on line 6 must still be reported as line 6.
        let error = refusal("[token.a]\nsecret = \"1\"\nnamespace = \"a\"\n[token.a]\nsecret = \"2\"\nnamespace = \n")
        #expect(error?.kind == .syntax)
        #expect(error?.line == 6)
        #expect(error?.description.hasPrefix("line 6, column ") == true)
    }

    @Test func manyRepeatedNames() throws {
        let toml = (0..<3000).map { "[ token . ci ]\nsecret = \"s\($0)\"\nnamespace = \"n\($0).\"\n" }.joined()
        let tokens = try AuthFileLoader.parse(toml: toml)
        #expect(tokens.count == 3000)
        #expect(tokens.last == AuthToken(name: "ci", secret: bytes("s2999"), namespace: bytes("n2999.")))
    }

    @Test func headerLookalikeInsideAMultiLineString() throws {
        // The line "[token.fake]" is string content, so the fast cut fails and the exact path takes over.
        let toml = #"""
            [token.a]
            secret = "1"
            namespace = "a."
            note = """
            [token.fake]
            """
            [token.a]
            secret = "2"
            namespace = "b."
            """#
        let tokens = try AuthFileLoader.parse(toml: toml)
        #expect(tokens == [
            AuthToken(name: "a", secret: bytes("1"), namespace: bytes("a.")),
            AuthToken(name: "a", secret: bytes("2"), namespace: bytes("b.")),
        ])
    }

    @Test func syntaxErrorAfterManyRepeatedNames() {
        // 50 tokens of 3 lines, then the error on the second line of the 51st.
        let toml = (0..<50).map { "[token.a]\nsecret = \"s\($0)\"\nnamespace = \"a.\"\n" }.joined()
        let error = refusal(toml + "[token.b]\nsecret = = 1\n")
        #expect(error?.kind == .syntax)
        #expect(error?.line == 152)
        #expect(error?.description.hasPrefix("line 152, column ") == true)
    }

    @Test func otherRedefinitionsStayErrors() {
        let error = refusal("[server]\na = 1\n[server]\nb = 2\n")
        #expect(error?.kind == .syntax)
        #expect(error?.line == 3)
        #expect(error?.description == "line 3, column 1: cannot redefine existing table 'server'")
    }
}
