// DataSync: the offline data copy a joining node needs, as a step of the
// resource lifecycle, between its membership add (RaftMember, as a learner)
// and its container. TuGraph has no raft snapshots: a joiner must start from a
// copy of a caught-up member's whole data directory, taken after its add.
//   create -> choose the donor by numbers (never the leader while another
//             member can donate; learners first; a voter only while the
//             voters that keep running are a majority), stop it cleanly, stream
//             its data directory into a staging directory beside the joiner's,
//             verify, swap (old content moved aside, never deleted), start the
//             donor again and wait until it has caught up (adapters/dataSync.ts).
//   diff   -> a new `resync` token replaces it: the copy runs again (the joiner's
//             own container is stopped for it, and started again after).
//   delete -> nothing: a data directory is never deleted.
// Once per join: every later `up` is "same" unless the stack asks again.
import * as pulumi from "@pulumi/pulumi";
import { adminOptions, listRaftNodes } from "../adapters/boltAdmin";
import { recoverInterruptedSync, syncDataDir, stderrProgress } from "../adapters/dataSync";
import { engineFor, statusOf } from "../adapters/dockerEngine";
import { confirmedView, donorCandidates, waitCaughtUp, waitSettled } from "../adapters/membershipOps";
import { chooseDonor, type DonorVerdict } from "../core/donor";
import { isSettleMs, SETTLE_MS_DEFAULT, SETTLE_MS_MAX } from "../core/nodeRules";
import { must } from "../core/verdict";
import { validateAccess, validateVersion, UNKNOWN } from "../adapters/validate";
import { ACCESS_UPDATE_KEYS, type AccessArgs, type AccessProps } from "./access";
import { providerOf, withOutputs } from "./shape";
import { withSecretPassword } from "./secretOptions";

/** Where a member runs: what the copy needs to reach its container and data. */
export interface SyncPlacement {
    /** The node's raft id. */
    id: number;
    /** Its IPv4 address. */
    ip: string;
    /** Its Bolt port. */
    boltPort: number;
    /** The node's web port: the direct copy stream to a joiner goes to its ip on this port (free: the joiner is not running yet). */
    webPort: number;
    /** The Docker engine it runs on (unix://, tcp:// or ssh://). */
    dockerHost: string;
    /** Its container's name. */
    container: string;
    /** Its data directory on that host. */
    dataDir: string;
}

/** Copies a member's data directory to a joiner (TuGraph has no raft snapshots), with the stack's access spec. */
export interface DataSyncArgs extends AccessArgs {
    /** The joiner's raft id; a change replaces the resource (a new copy). No default. */
    nodeId: pulumi.Input<number>;
    /** Where the joiner runs. No default. */
    joiner: pulumi.Input<SyncPlacement>;
    /** Every other live node of the stack: the possible donors. No default. */
    members: pulumi.Input<SyncPlacement[]>;
    /**
     * Ids of the members that may donate: bootstrap members (they started together) and nodes the
     * stack knows started from a copy (their DataSync completed). Any other member, one the stack
     * does not know included, is never a copy source. Defaults to every id in `members`
     * (states written before this input existed: only read when a copy runs, which passes it).
     */
    copySources?: pulumi.Input<number[]>;
    /** The cluster's image, present on every host: it runs the copy's helper containers. No default. */
    image: pulumi.Input<string>;
    /** Seconds the donor gets for its clean shutdown before the copy (10 to 3600). No default (the stack's nodes use 120). */
    stopTimeoutSeconds: pulumi.Input<number>;
    /**
     * How long the donor keeps running, once it has applied everything the leader committed after
     * the joiner's add, before it is stopped for the copy (membership.settleSeconds, in ms: the
     * writes still queued on its apply thread would be lost). Defaults to SETTLE_MS_DEFAULT (2000).
     */
    settleMs?: pulumi.Input<number>;
    /** Let the leader donate (a write outage) when no other member can. Defaults to false. */
    allowWriteOutageForSync?: pulumi.Input<boolean>;
    /** A new value copies again (the node's `resync` in the stack); a change replaces the resource. Defaults to none. */
    resync?: pulumi.Input<string>;
    /** Ids the stack declares voters, removed ones included (core/membership.ts knownVoterIds): the listing hides promotions. Defaults to none. */
    knownVoters?: pulumi.Input<number[]>;
    /** Extra ssh client arguments for ssh:// docker hosts (tugraph:sshOptions). Defaults to none. */
    sshOptions?: pulumi.Input<string[]>;
}

/** Inputs and outputs as the provider sees them. */
export interface DataSyncProps extends AccessProps {
    nodeId: number;
    joiner: SyncPlacement;
    members: SyncPlacement[];
    copySources?: number[];
    image: string;
    stopTimeoutSeconds: number;
    settleMs?: number;
    allowWriteOutageForSync?: boolean;
    resync?: string;
    knownVoters?: number[];
    sshOptions?: string[];
    // outputs
    donorId?: number;
    donorReason?: string;
    donorSettled?: string;
    bytes?: number;
    files?: number;
    seconds?: number;
    syncedAt?: string;
    movedAside?: string;
    transport?: string;
    transportReason?: string;
}

const DATA_SYNC_OUTPUTS = ["donorId", "donorReason", "donorSettled", "bytes", "files", "seconds", "syncedAt", "movedAside", "transport", "transportReason"];

export const dataSyncProvider = providerOf<DataSyncProps>({
    outputs: DATA_SYNC_OUTPUTS,
    replaceOn: ["nodeId", "resync"],
    // Settings only (credentials, timeouts, provider text): an update keeps what the copy found, and does not repeat it.
    updateOn: [...ACCESS_UPDATE_KEYS, "image", "stopTimeoutSeconds", "allowWriteOutageForSync"],
    check(news) {
        const f = validateAccess(news);
        validateVersion(news, f);
        const place = (value: unknown, key: string) => {
            if (value === UNKNOWN) return;
            const p = value as Partial<SyncPlacement> | undefined;
            if (!p || typeof p.dockerHost !== "string" || typeof p.container !== "string" || typeof p.dataDir !== "string" || !p.dataDir.startsWith("/")) {
                f.push({ property: key, reason: "must be {id, ip, boltPort, dockerHost, container, dataDir (absolute)}" });
            }
        };
        place(news.joiner, "joiner");
        const sources: unknown = news.copySources;
        if (sources !== undefined && sources !== UNKNOWN && !(Array.isArray(sources) && sources.every((x: unknown) => Number.isInteger(x))))
            f.push({ property: "copySources", reason: "must be a list of node ids" });
        if (news.settleMs !== undefined && news.settleMs !== UNKNOWN && !isSettleMs(news.settleMs))
            f.push({ property: "settleMs", reason: `must be an integer number of ms from 0 to ${SETTLE_MS_MAX} (membership.settleSeconds)` });
        const members: unknown = news.members;
        if (members !== UNKNOWN) {
            if (!Array.isArray(members) || members.length === 0) f.push({ property: "members", reason: "must list the other live nodes (possible donors)" });
            else members.forEach((m: unknown, i: number) => place(m, `members[${i}]`));
        }
        if (news.image !== UNKNOWN && (typeof news.image !== "string" || news.image.length === 0))
            f.push({ property: "image", reason: "must be the cluster's image" });
        const stop = news.stopTimeoutSeconds;
        if (stop !== UNKNOWN && !(typeof stop === "number" && Number.isInteger(stop) && stop >= 10 && stop <= 3600)) {
            f.push({ property: "stopTimeoutSeconds", reason: "must be an integer from 10 to 3600 (lgraph_server's own shutdown must fit in it)" });
        }
        return f;
    },

    async create(inputs) {
        const o = adminOptions(inputs);
        const id: number = inputs.nodeId;
        const what = `data sync for node ${id}`;
        const deadlineAt = Date.now() + inputs.totalTimeoutMs;
        // The joiner is a learner until its RaftPromotion: never count it as a voter here.
        const known: number[] = (inputs.knownVoters ?? []).filter((x) => x !== id);
        // Copy sources: bootstrap members and nodes the stack copied to; never a member it does not know.
        const sources = (inputs.copySources ?? inputs.members.map((m) => m.id)).filter((x) => x !== id && inputs.members.some((m) => m.id === x));
        // A sync whose deploying process died mid-copy left its donor stopped: start it again, wait until it has caught up.
        for (const m of inputs.members) {
            const note = await recoverInterruptedSync({ dockerHost: m.dockerHost, sshOptions: inputs.sshOptions, container: m.container, dataDir: m.dataDir });
            if (!note) continue;
            o.log?.(`${what}: member ${m.id}: ${note}`);
            await waitCaughtUp(o, m.id, `${what}: member ${m.id} back`, { deadlineAt });
        }
        // The donor must already list the joiner: the copied log then knows the node (facts: copy after the add).
        let choice: Extract<DonorVerdict, { ok: true }> | undefined;
        let donor: SyncPlacement | undefined;
        let last = "";
        let settled = "";
        while (!donor) {
            const v = await confirmedView({ ...o, deadlineAt }, known);
            if (!v.confirmed) last = v.note;
            else {
                const d = v.confirmed;
                choice = must(
                    `to copy data for node ${id}`,
                    chooseDonor({
                        members: donorCandidates(d, known, sources),
                        joinerId: id,
                        allowWriteOutageForSync: inputs.allowWriteOutageForSync ?? false,
                    }),
                );
                const chosen = choice.donor.id;
                const place = inputs.members.find((m) => m.id === chosen);
                if (!place) throw new Error(`${what}: internal error: the chosen donor ${chosen} is not a node of this stack`);
                const listed = await listRaftNodes({ ...o, deadlineAt }, `${place.ip}:${place.boltPort}`).catch(() => []);
                if (listed.some((m) => m.id === id)) donor = place;
                else last = `donor ${place.id} has not applied the add of node ${id} yet`;
            }
            if (!donor) {
                if (Date.now() + 500 >= deadlineAt) throw new Error(`${what}: no donor ready before the deadline: ${last}`);
                await new Promise((r) => setTimeout(r, 500));
            }
        }
        o.log?.(`${what}: donor ${choice!.why}`);
        // A resync: the joiner's own container is stopped for the copy, and started again after it.
        const joinerContainer = engineFor(inputs.joiner.dockerHost, inputs.sshOptions).getContainer(inputs.joiner.container);
        const running = await joinerContainer.inspect().then(
            (i) => i.State.Running,
            (e) => (statusOf(e) === 404 ? false : Promise.reject(e)),
        );
        if (running) await joinerContainer.stop({ t: inputs.stopTimeoutSeconds });
        try {
            const r = await syncDataDir({
                donor: { dockerHost: donor.dockerHost, sshOptions: inputs.sshOptions, container: donor.container, dataDir: donor.dataDir },
                joiner: {
                    dockerHost: inputs.joiner.dockerHost,
                    sshOptions: inputs.sshOptions,
                    dataDir: inputs.joiner.dataDir,
                    container: inputs.joiner.container,
                },
                image: inputs.image,
                // Host to host when the donor's host reaches the joiner's web port, else relayed (the probe says why).
                ...(typeof inputs.joiner.webPort === "number" ? { direct: { joinerIp: inputs.joiner.ip, port: inputs.joiner.webPort } } : {}),
                stopTimeoutSeconds: inputs.stopTimeoutSeconds,
                label: `node ${id} from node ${donor.id}`,
                progress: stderrProgress(`node ${id} from node ${donor.id}`),
                // The donor has applied the joiner's add (it lists it): once it has applied all the leader
                // committed and settled, no write queued before the add is dropped by its stop.
                beforeStop: async () => {
                    settled = await waitSettled(o, { id: donor!.id, address: `${donor!.ip}:${donor!.boltPort}` }, `${what}: donor ${donor!.id}`, {
                        settleMs: inputs.settleMs ?? SETTLE_MS_DEFAULT,
                        deadlineAt,
                    });
                    o.log?.(`${what}: ${settled}`);
                },
                waitDonorCaughtUp: async () => {
                    await waitCaughtUp(o, donor!.id, `${what}: donor ${donor!.id} back`, { deadlineAt: Date.now() + inputs.totalTimeoutMs });
                },
            });
            return {
                id: `sync-${id}`,
                outs: {
                    donorId: donor.id,
                    donorReason: choice!.why,
                    donorSettled: settled,
                    bytes: r.bytes,
                    files: r.files,
                    seconds: r.seconds,
                    syncedAt: new Date().toISOString(),
                    movedAside: r.movedAside,
                    transport: r.transport,
                    transportReason: r.transportReason,
                },
            };
        } finally {
            if (running) await joinerContainer.start().catch(() => undefined);
        }
    },

    // delete: a data directory is never deleted; forgetting the sync changes nothing.
});

export class DataSync extends pulumi.dynamic.Resource {
    public readonly nodeId!: pulumi.Output<number>;
    public readonly donorId!: pulumi.Output<number>;
    public readonly bytes!: pulumi.Output<number>;
    public readonly syncedAt!: pulumi.Output<string>;
    /** "direct" (host to host) or "relay" (through the deploying machine). */
    public readonly transport!: pulumi.Output<string>;
    public readonly transportReason!: pulumi.Output<string>;
    constructor(name: string, args: DataSyncArgs, opts?: pulumi.CustomResourceOptions) {
        super(dataSyncProvider, name, withOutputs(args, DATA_SYNC_OUTPUTS), withSecretPassword(opts), "tugraph", "DataSync");
    }
}
