// The rolling specs the gates compare (core/rolling.ts): they change exactly when every container changes.
import * as assert from "assert";
import { checkRollSafe, clusterRollSpec, withTlsContents } from "../../components/core/rolling";
import { refusalText } from "../../components/core/verdict";
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

describe("rolling gate", () => {
    const member = (id: number, o: { leader?: boolean; learner?: boolean } = {}) => ({
        id,
        ip: "127.0.0.1",
        boltPort: 7686 + id,
        raftPort: 7999 + id,
        isLeader: o.leader === true,
        isLearner: o.learner === true,
    });
    const three = [member(1, { leader: true }), member(2), member(3)];

    it("passes a cluster with a leader and every voter up; a learner that is down does not stop it", () => {
        assert.ok(checkRollSafe({ members: three, leaderId: 1, downIds: [] }).ok);
        assert.ok(checkRollSafe({ members: [...three, member(4, { learner: true })], leaderId: 1, downIds: [4] }).ok);
    });

    it("refuses without a leader, or with a voter down or behind (a promoted learner counts as a voter), naming them and the fix", () => {
        const noLeader = checkRollSafe({ members: three, leaderId: undefined, downIds: [] });
        assert.ok(!noLeader.ok && noLeader.code === "cluster-unhealthy" && /no leader/.test(noLeader.why));
        const behind = checkRollSafe({ members: [...three, member(4, { learner: true })], leaderId: 1, downIds: [3, 4], knownVoters: [4] });
        assert.ok(!behind.ok);
        assert.strictEqual(behind.code, "cluster-unhealthy");
        assert.match(refusalText(behind), /voter\(s\) 3, 4 down or behind.*Nothing was restarted: fix the cluster \(`npm run status` shows it\)/);
    });
});
