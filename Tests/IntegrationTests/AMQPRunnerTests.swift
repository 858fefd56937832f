import KairosTestServers
import Foundation
import Testing

/// The real binary publishes due jobs to a real RabbitMQ node (D-network-runners).
@Suite(.serialized) struct AMQPRunnerTests {
    @Test func aDueJobIsPublishedAndEndsExecuted() throws {
        let node = try RabbitNode.shared()
        try node.ctl(["add_user", "kairos", "s3cret!"])
        try node.ctl(["set_permissions", "-p", "/", "kairos", ".*", ".*", ".*"])
        let queue = "kairos-it-\(UUID().uuidString.prefix(8))"
        let probe = try BrokerProbe(port: node.port)
        try probe.declareQueue(queue)
        try probe.declareExchange("kairos-it", boundTo: queue, key: "due")

        let server = try ServerProcess()
        let client = try TestClient(port: server.port)
        let dsn = "amqp://kairos:s3cret%21@127.0.0.1:\(node.port)/"
        try client.send("r1 RULE SET pub pub. amqp \(dsn) kairos-it due\nr2 RULE SET lost lost. amqp \(dsn) no-such-exchange due\n"
            + "r3 SET pub.1 1\nr4 SET lost.1 1\n")
        #expect(try client.receive("r1 OK\nr2 OK\nr3 OK\nr4 OK\n") == "r1 OK\nr2 OK\nr3 OK\nr4 OK\n")
        #expect(try ExecutionTests.waitForStatus(client, job: "pub.1", status: "executed"))
        #expect(try ExecutionTests.waitForStatus(client, job: "lost.1", status: "failed"))
        #expect(try probe.drain(queue) == [BrokerProbe.Message(body: Array("pub.1".utf8), deliveryMode: 2)])
        #expect(ServerProcess.eventually {
            server.stderr.contains("runner: job lost.1 (amqp) failed: channel closed by the broker: 404 NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'")
        })
        #expect(!server.stderr.contains("s3cret"))
    }
}
