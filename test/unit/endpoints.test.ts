// How clients reach the cluster: always plain neo4j:// (TuGraph's Bolt has no TLS).
import { strict as assert } from "node:assert";
import { formatConfigErrors, parseClusterConfig } from "../../components/core/config";
import { clusterEndpoints } from "../../components/core/endpoints";

function cfg(raw: Record<string, unknown>) {
    const r = parseClusterConfig({
        adminPassword: "x",
        bootstrap: [2, 3],
        nodes: [
            { id: 1, ip: "10.0.0.1", dockerHost: "ssh://a", role: "learner" },
            { id: 2, ip: "10.0.0.2", dockerHost: "ssh://b" },
            { id: 3, ip: "10.0.0.3", dockerHost: "ssh://c" },
        ],
        ...raw,
    });
    if (!r.ok) assert.fail(formatConfigErrors(r.errors));
    return r.config;
}

describe("clusterEndpoints", () => {
    it("neo4j:// to the first bootstrap member when TLS is off", () => {
        const e = clusterEndpoints(cfg({}));
        assert.equal(e.neo4jUri, "neo4j://10.0.0.2:7687");
        assert.deepStrictEqual(e.resolverAddresses, ["10.0.0.1:7687", "10.0.0.2:7687", "10.0.0.3:7687"]);
    });
    it("still plain neo4j:// when tls is on: TuGraph's Bolt has no TLS (tls only makes the web port HTTPS)", () => {
        assert.equal(clusterEndpoints(cfg({ tls: { enabled: true, keyFile: "/k.pem", certFile: "/c.pem" } })).neo4jUri, "neo4j://10.0.0.2:7687");
    });
});
