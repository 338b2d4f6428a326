// checkClusterRecord: what may change in a running cluster's stack, and what may not.
import * as assert from "assert";
import fc from "fast-check";
import { parseClusterConfig } from "../../components/core/config";
import { checkClusterRecord, clusterRecordInputs, MemberListing } from "../../components/core/placement";
import { bootstrapPeers } from "../../components/core/render";

function recordOf(nodes: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
    const parsed = parseClusterConfig({ adminPassword: "x", nodes, ...extra });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return clusterRecordInputs(parsed.config, bootstrapPeers(parsed.config));
}
const node = (id: number, extra: Record<string, unknown> = {}) => ({ id, ip: `10.0.0.${id}`, dockerHost: `ssh://host-${id}`, ...extra });
const base = () => [node(1), node(2), node(3)];
const reasons = (r: { failures: { reason: string }[] }) => r.failures.map((f) => f.reason);
// The live membership as the record's check would read it.
const membersOf = (...ids: number[]): MemberListing => ({ members: ids.map((id) => ({ id, ip: `10.0.0.${id}`, boltPort: 7687, raftPort: 8000 })) });

describe("cluster record: fixed placement and retired ids", () => {
    const recorded = recordOf(base());

    for (const [field, change] of [
        ["ip", { ip: "10.0.0.99" }],
        ["boltPort", { boltPort: 7777 }],
        ["raftPort", { raftPort: 8888 }],
        ["dockerHost", { dockerHost: "ssh://other-machine" }],
        ["dataDir", { dataDir: "/srv/moved/data" }],
    ] as const) {
        it(`refuses a change of a live node's ${field}, naming the old value and the fix`, () => {
            const now = recordOf(
                base().map((n) => (n.id === 2 ? { ...n, ...change } : n)),
                { bootstrap: [1, 2, 3] },
            );
            const r = checkClusterRecord(recorded, now);
            assert.strictEqual(r.needsLive, false, "a bootstrap member's placement needs no live question");
            const mine = reasons(r).filter((m) => m.includes(`node 2's ${field} changed`));
            assert.strictEqual(mine.length, 1, reasons(r).join("\n"));
            assert.match(mine[0], /set `removed: true` on it and add a new node with a new id/);
        });
    }

    it("lets a web port, a role or a tombstone change (no data moves)", () => {
        const now = recordOf([node(1), node(2, { webPort: 7171 }), node(3, { removed: true }), node(4), node(5, { role: "learner" })], {
            bootstrap: [1, 2, 3],
        });
        assert.deepStrictEqual(checkClusterRecord(recorded, now).failures, []);
    });

    it("keeps a removed id retired, also after its entry is deleted from the stack", () => {
        const grown = checkClusterRecord(recorded, recordOf([...base(), node(4)], { bootstrap: [1, 2, 3] })).inputs;
        const tombstoned = checkClusterRecord(grown, recordOf([...base(), node(4, { removed: true })], { bootstrap: [1, 2, 3] })).inputs;
        const dropped = checkClusterRecord(tombstoned, recordOf(base(), { bootstrap: [1, 2, 3] }));
        assert.deepStrictEqual(dropped.failures, []);
        assert.deepStrictEqual(dropped.inputs.nodes.find((p) => p.id === 4)?.removed, true, "the record still knows node 4");
        const back = recordOf([...base(), node(4, { ip: "10.0.0.44" })], { bootstrap: [1, 2, 3] });
        assert.strictEqual(checkClusterRecord(dropped.inputs, back).needsLive, true, "only the cluster can say whether 4 was really removed");
        const reused = checkClusterRecord(dropped.inputs, back, membersOf(1, 2, 3));
        assert.ok(
            reasons(reused).some((m) => /node 4 was marked removed and is no longer a raft member; raft must never see a removed id again/.test(m)),
            reasons(reused).join("\n"),
        );
    });

    it("lets a tombstone be taken back while the removal has not happened (the node is still a member at its address)", () => {
        const grown = checkClusterRecord(recorded, recordOf([...base(), node(4)], { bootstrap: [1, 2, 3] })).inputs;
        const tombstoned = checkClusterRecord(grown, recordOf([...base(), node(4, { removed: true })], { bootstrap: [1, 2, 3] })).inputs;
        const undo = recordOf([...base(), node(4)], { bootstrap: [1, 2, 3] });
        assert.deepStrictEqual(checkClusterRecord(tombstoned, undo, membersOf(1, 2, 3, 4)).failures, []);
        const unknown = checkClusterRecord(tombstoned, undo, { unreachable: "no member answered" });
        assert.match(reasons(unknown)[0], /could not be checked: no member answered\. Run again when the cluster answers/);
    });

    it("lets the placement of a joiner whose add never happened be corrected, not that of a member", () => {
        const grown = checkClusterRecord(recorded, recordOf([...base(), node(4)], { bootstrap: [1, 2, 3] })).inputs;
        const fixed = recordOf([...base(), node(4, { ip: "10.0.0.40" })], { bootstrap: [1, 2, 3] });
        assert.strictEqual(checkClusterRecord(grown, fixed).needsLive, true);
        assert.deepStrictEqual(checkClusterRecord(grown, fixed, membersOf(1, 2, 3)).failures, [], "4 never joined");
        assert.match(reasons(checkClusterRecord(grown, fixed, membersOf(1, 2, 3, 4)))[0], /node 4's ip changed from "10\.0\.0\.4" to "10\.0\.0\.40"/);
    });

    it("refuses a new node on the data directory a retired node left on disk", () => {
        const grown = checkClusterRecord(recorded, recordOf([...base(), node(4, { dataDir: "/d/a" })], { bootstrap: [1, 2, 3] })).inputs;
        const tombstoned = checkClusterRecord(grown, recordOf([...base(), node(4, { dataDir: "/d/a", removed: true })], { bootstrap: [1, 2, 3] })).inputs;
        const dropped = checkClusterRecord(tombstoned, recordOf(base(), { bootstrap: [1, 2, 3] })).inputs;
        const reuse = checkClusterRecord(dropped, recordOf([...base(), node(5, { dockerHost: "ssh://host-4", dataDir: "/d/a/" })], { bootstrap: [1, 2, 3] }));
        assert.match(reasons(reuse)[0], /node 5's dataDir \/d\/a\/ overlaps \/d\/a, the data directory node 4 left on ssh:\/\/host-4/);
    });

    it("property: growing a stack by new ids never fails the check, and every old node stays recorded as it was", () => {
        fc.assert(
            fc.property(fc.uniqueArray(fc.integer({ min: 4, max: 60 }), { minLength: 1, maxLength: 6 }), (ids) => {
                const r = checkClusterRecord(recorded, recordOf([...base(), ...ids.map((id) => node(id))], { bootstrap: [1, 2, 3] }));
                assert.deepStrictEqual(r.failures, []);
                for (const old of recorded.nodes)
                    assert.deepStrictEqual(
                        r.inputs.nodes.find((p) => p.id === old.id),
                        old,
                    );
            }),
        );
    });
});
