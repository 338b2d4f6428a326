// The rolling specs the gates compare (core/rolling.ts): they change exactly when every container changes.
import * as assert from "assert";
import { clusterRollSpec, withTlsContents } from "../../components/core/rolling";
import { stackConfig } from "../engine/simulatorStack";

describe("rolling specs", () => {
    const cfg = (extra: Record<string, unknown> = {}) =>
        stackConfig({ nodes: [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1", boltPort: 7686 + id, raftPort: 7999 + id, webPort: 7069 + id })), ...extra });

    it("the cluster spec changes with a cluster-wide setting, not with the node list", () => {
        assert.notStrictEqual(clusterRollSpec(cfg()), clusterRollSpec(cfg({ verbose: 2 })));
        assert.strictEqual(clusterRollSpec(cfg()), clusterRollSpec(cfg({ bootstrap: [1, 2, 3] })));
    });

    it("inline TLS contents change the spec; without them the spec is as it was (existing stacks see no update)", () => {
        const base = clusterRollSpec(cfg());
        assert.strictEqual(withTlsContents(base, undefined, undefined), base);
        assert.strictEqual(withTlsContents(base, "", ""), base);
        const a = withTlsContents(base, "KEY-A", "CERT-A");
        assert.notStrictEqual(a, base);
        assert.notStrictEqual(withTlsContents(base, "KEY-B", "CERT-A"), a, "a new key alone rolls");
        assert.notStrictEqual(withTlsContents(base, "KEY-A", "CERT-B"), a, "a new certificate alone rolls");
        assert.strictEqual(withTlsContents(base, "KEY-A", "CERT-A"), a, "the same contents roll nothing");
        assert.ok(!a.includes("KEY-A") && !a.includes("CERT-A"), "the spec holds a digest, not the PEM");
    });
});
