@testable import KairosCore
import KairosProtocol
import Testing

@Suite struct NamespaceTests {
    private static let runner = RunnerSpec.shell(command: b("x"))
    private static let inside = b("deploy.in")
    private static let outside = b("backup.out")

    /// One row per instruction and identifier placement: (name, command, inside ns, outside ns, unrestricted).
    private static let matrix: [(String, Command, Bool, Bool)] = [
        ("SET inside", .set(job: inside, execution: 1), true, true),
        ("SET outside", .set(job: outside, execution: 1), false, true),
        ("GET inside", .get(job: inside), true, true),
        ("GET outside", .get(job: outside), false, true),
        ("REMOVE inside", .remove(job: inside), true, true),
        ("REMOVE outside", .remove(job: outside), false, true),
        ("RULE SET both inside", .ruleSet(rule: inside, pattern: b("deploy."), runner: runner), true, true),
        ("RULE SET id outside", .ruleSet(rule: outside, pattern: b("deploy."), runner: runner), false, true),
        ("RULE SET pattern outside (D-namespaces)", .ruleSet(rule: inside, pattern: b("backup."), runner: runner), false, true),
        ("RULE SET empty pattern (D-namespaces)", .ruleSet(rule: inside, pattern: [], runner: runner), false, true),
        ("REMOVERULE inside", .removeRule(rule: inside), true, true),
        ("REMOVERULE outside", .removeRule(rule: outside), false, true),
        ("QUERY inside", .query(prefix: inside), true, true),
        ("QUERY outside", .query(prefix: outside), true, true),
        ("LISTRULES", .listRules, true, true),
        ("STAT", .stat, true, true),
    ]

    @Test func policyMatrix() {
        let scoped = Namespace.prefix(b("deploy."))
        for (name, command, allowedScoped, allowedUnrestricted) in Self.matrix {
            #expect(NamespacePolicy.permits(command, in: scoped) == allowedScoped, "\(name) scoped")
            #expect(NamespacePolicy.permits(command, in: .unrestricted) == allowedUnrestricted, "\(name) unrestricted")
        }
    }

    @Test func deniedRequestsAnswerErrorAndChangeNothing() {
        let h = Harness()
        h.send("seed1", .set(job: Self.outside, execution: 99))
        h.send("seed2", .ruleSet(rule: Self.outside, pattern: b("backup."), runner: Self.runner))
        h.collect()
        let state = h.core.dump()
        let journaled = h.journal.lastSequence
        h.namespace = .prefix(b("deploy."))
        for (name, command, allowed, _) in Self.matrix where !allowed {
            #expect(h.ask("d", command) == "d ERROR\n", "\(name)")
        }
        #expect(h.core.dump() == state)
        #expect(h.journal.lastSequence == journaled)
    }

    @Test func malformedIsErrorWhateverTheNamespace() {
        for namespace in [Namespace.unrestricted, .prefix(b("deploy."))] {
            let h = Harness()
            h.namespace = namespace
            #expect(h.ask("m", .malformed) == "m ERROR\n")
            #expect(h.journal.entries.isEmpty)
        }
    }

    @Test func queryFilteredByFirstSpaceDelimitedField() {
        let h = Harness()
        for job in ["deploy.x", "backup.y", "deploy", "dep loy.z", "deploy. spaced", "deploy.a b", "deployment"] {
            h.send(job, .set(job: b(job), execution: 1))
        }
        h.collect()
        h.namespace = .prefix(b("deploy."))
        #expect(h.ask("q", .query(prefix: [])) == "q deploy. spaced planned 1\nq deploy.a b planned 1\nq deploy.x planned 1\nq OK\n")
        #expect(h.ask("q", .query(prefix: b("backup."))) == "q OK\n")
        #expect(h.ask("q", .query(prefix: b("deploy.x"))) == "q deploy.x planned 1\nq OK\n")
        #expect(h.ask("q", .query(prefix: b("dep"))) == "q deploy. spaced planned 1\nq deploy.a b planned 1\nq deploy.x planned 1\nq OK\n")
        // A namespace ending in a space only shows ids whose first field reaches it: none can.
        h.namespace = .prefix(b("deploy. "))
        #expect(h.ask("q", .query(prefix: [])) == "q OK\n")
        h.namespace = .unrestricted
        #expect(h.ask("q", .query(prefix: b("dep"))).split(separator: "\n").count == 7)
    }

    @Test func listRulesShowsOnlyRulesInsideTheNamespace() {
        let h = Harness()
        h.send("1", .ruleSet(rule: b("deploy.r"), pattern: b("deploy."), runner: Self.runner))
        h.send("2", .ruleSet(rule: b("backup.r"), pattern: b("backup."), runner: .http(method: b("GET"), url: b("http://u:secret@h/"))))
        h.collect()
        h.namespace = .prefix(b("deploy."))
        #expect(h.ask("l", .listRules) == "l deploy.r deploy. shell x\nl OK\n")
        h.namespace = .unrestricted
        #expect(h.ask("l", .listRules) == "l backup.r backup. http GET http://u:secret@h/\nl deploy.r deploy. shell x\nl OK\n")
    }

    @Test func scopedClientWorksInsideItsNamespace() {
        let h = Harness()
        h.namespace = .prefix(b("deploy."))
        #expect(h.ask("1", .set(job: b("deploy.a"), execution: 5)) == "1 OK\n")
        #expect(h.ask("2", .ruleSet(rule: b("deploy.r"), pattern: b("deploy.a"), runner: Self.runner)) == "2 OK\n")
        #expect(h.ask("3", .get(job: b("deploy.a"))) == "3 OK planned 5\n")
        #expect(h.ask("4", .removeRule(rule: b("deploy.r"))) == "4 OK\n")
        #expect(h.ask("5", .remove(job: b("deploy.a"))) == "5 OK\n")
        #expect(h.ask("6", .stat).hasSuffix("6 OK\n"))
    }

    @Test func queryRangeNarrowing() {
        #expect(NamespacePolicy.queryRange(prefix: b("ab"), in: .unrestricted) == b("ab"))
        #expect(NamespacePolicy.queryRange(prefix: b("a"), in: .prefix(b("abc"))) == b("abc"))
        #expect(NamespacePolicy.queryRange(prefix: b("abcd"), in: .prefix(b("abc"))) == b("abcd"))
        #expect(NamespacePolicy.queryRange(prefix: b("x"), in: .prefix(b("abc"))) == nil)
        #expect(NamespacePolicy.queryRange(prefix: [], in: .prefix(b("abc"))) == b("abc"))
    }
}
