// Scenario on the REAL engine: a grow whose copy follows its membership change at once, with a
// writer running and the simulator's apply thread slowed (TUGRAPH_SIMULATOR_APPLY_DELAY_MS, baked
// into the stack's image): every write waits on each node's apply thread longer than the donor's
// preflight takes, so a donor stopped right after the add of the joiner would drop the writes still
// queued there, on itself and on the copy, for good (docs/tugraph-facts.md). The product lets the
// donor apply past the add and settle (membership.settleSeconds, here longer than the delay)
// before it stops it: no acknowledged write is missing on the joiner or on the donor.
import * as assert from "assert";
import { dockerOk } from "../docker/engine";
import { removeContainers } from "../scenario/dockerApply";
import { startWriter } from "../scenario/writer";
import { runOn } from "../simulator/harness";
import { RealStack } from "./realPulumi";
import { leaderAmong, realCluster, waitFor } from "./support";

const PREFIX = "tugraph-ha-real-growwriter-";
const APPLY_DELAY_MS = 3000;

describe("real engine: grow 3 -> 4 with a writer, the apply window widened: no acknowledged write lost", function () {
    this.timeout(600_000);
    const c = realCluster(PREFIX);
    const { host } = c;
    let image = "";

    before(async function () {
        if (!c.root) return; // skipped
        // The stack's image with the knob in its environment (the Docker plugin passes no env of its own).
        image = `${c.image}-applydelay`;
        await removeContainers([`${PREFIX}commit`], host);
        await dockerOk(["create", "--name", `${PREFIX}commit`, c.image, "true"], { host });
        await dockerOk(["commit", "-c", `ENV TUGRAPH_SIMULATOR_APPLY_DELAY_MS=${APPLY_DELAY_MS}`, `${PREFIX}commit`, image], { host });
        await removeContainers([`${PREFIX}commit`], host);
    });
    after(async () => {
        if (image) await dockerOk(["rmi", image], { host }).catch(() => undefined);
    });

    const settleSeconds = Number(process.env.TUGRAPH_HA_TEST_SETTLE_SECONDS ?? Math.ceil(APPLY_DELAY_MS / 1000) + 1);
    const config = (ids: number[]) => c.config(ids, { image, membership: { settleSeconds, totalTimeoutSeconds: 120 } });
    const ids = async (slot: number) => new Set((await runOn(c.bolt(slot), "MATCH (n:w) RETURN n.id AS id")).map((r) => Number(r.id)));

    it("the donor settles before its stop; the joiner and the donor hold every acknowledged write", async () => {
        c.stack = await RealStack.create("growwriter", { config: config([1, 2, 3]) });
        await c.stack.up();
        await leaderAmong([1, 2, 3].map(c.bolt));
        const writer = await startWriter([1, 2, 3].map(c.bolt), { writeTimeoutMs: 4 * APPLY_DELAY_MS });
        await waitFor(async () => (await ids(1)).size >= 2, 60_000); // writes flow (each waits on the apply thread)

        await c.stack.setConfig(config([1, 2, 3, 4]));
        await c.stack.up();
        await new Promise((r) => setTimeout(r, 2 * APPLY_DELAY_MS)); // writes after the grow too
        const w = await writer.stop();
        assert.ok(w.acknowledged >= 5 && w.lost.length === 0, `acknowledged ${w.acknowledged}, missing on the leader: ${w.lost.join(",")}`);

        const sync = (await c.stack.resources()).find((r) => r.urn.endsWith("::tugraph-sync-4"))!;
        const donor = Number(sync.outputs?.donorId);
        assert.ok([1, 2, 3].includes(donor), JSON.stringify(sync.outputs));
        assert.match(
            String(sync.outputs?.donorSettled),
            new RegExp(`^node ${donor} applied \\d+, then settled ${settleSeconds * 1000} ms$`),
            "the donor settled before its stop",
        );
        for (const slot of [4, donor]) {
            let missing: number[] = [];
            await waitFor(async () => {
                const have = await ids(slot);
                missing = w.acked.filter((x) => !have.has(x));
                return missing.length === 0;
            }, 30_000).catch(() => undefined);
            assert.deepStrictEqual(missing, [], `node ${slot}${slot === donor ? " (the donor)" : " (the joiner)"} lacks acknowledged writes`);
        }
        console.log(
            `      real engine, grow with a writer, apply delay ${APPLY_DELAY_MS} ms, settleSeconds ${settleSeconds}: ` +
                `${w.acknowledged} writes acknowledged, none missing on the joiner or on donor ${donor}`,
        );
        await c.stack.destroy();
    });
});
