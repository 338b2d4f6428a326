// `npm run status`: the pure report (answers -> rows, problems, exit code, text,
// JSON) and runStatus in-process with an in-memory project and fake Bolt answers.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import fc from "fast-check";
import { parseClusterConfig } from "../../components/core/config";
import type { ClusterConfig } from "../../components/core/types";
import type { LiveMember } from "../../components/core/membership";
import { Io } from "../../components/cli/planCommand";
import { NodeAnswer, NodeStatus, statusJson, statusReport, statusText } from "../../components/cli/statusReport";
import { parseStatusArgs, PASSWORD_ENV, runStatus, StatusDeps, VERIFIER_ENV } from "../../components/cli/statusCommand";
import { makeVerifier } from "../../components/adapters/passwordVerifier";
import { adminError, type RaftStatus } from "../../components/adapters/boltAdmin";

const PASSWORD = "Pw-status-7d1e!";
const ip = (id: number) => `10.0.0.${id}`;
const addr = (id: number) => `${ip(id)}:7687`;

function config(ids: number[], extra: Record<string, unknown> = {}): ClusterConfig {
    const r = parseClusterConfig({
        adminPassword: PASSWORD,
        nodes: ids.map((id) => ({ id, ip: ip(id), dockerHost: `ssh://${ip(id)}` })),
        ...extra,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.config;
}
const member = (id: number, o: Partial<LiveMember> = {}): LiveMember => ({
    id,
    ip: ip(id),
    boltPort: 7687,
    raftPort: 8000,
    isLeader: false,
    isLearner: false,
    ...o,
});
const status = (id: number, commit: number, o: Partial<NodeStatus> = {}): NodeStatus => ({
    id,
    term: 3,
    commit,
    applied: commit,
    raftState: "StateFollower",
    progress: {},
    ...o,
});
const leaderStatus = (id: number, commit: number, matches: Record<number, number>): NodeStatus =>
    status(id, commit, { raftState: "StateLeader", progress: Object.fromEntries(Object.entries(matches).map(([k, m]) => [k, { match: m }])) });

/** A status as getRaftStatus parses it (the fields the report does not read filled in). */
const asRaftStatus = (st: NodeStatus): RaftStatus => ({
    ...st,
    lead: st.raftState === "StateLeader" ? st.id : 0,
    lastIndex: st.commit,
    first: st.first ?? 0,
    progress: Object.fromEntries(Object.entries(st.progress).map(([k, p]) => [k, { match: p.match, next: p.match + 1, state: "StateReplicate" }])),
});

/** Answers of a cluster: `listed` members, leader `lead`, `down` ids silent. */
function answers(
    listed: LiveMember[],
    lead: number | undefined,
    commit: number,
    o: { down?: number[]; matches?: Record<number, number>; own?: Record<number, Partial<NodeStatus>> } = {},
): NodeAnswer[] {
    const matches = o.matches ?? Object.fromEntries(listed.map((m) => [m.id, commit]));
    return listed.map((m) => {
        if (o.down?.includes(m.id)) return { address: addr(m.id), error: "no answer within 5 s", errorKind: "deadline" };
        const st = m.id === lead ? leaderStatus(m.id, commit, matches) : status(m.id, commit, o.own?.[m.id]);
        return { address: addr(m.id), listing: listed.map((x) => ({ ...x, isLeader: x.id === lead })), status: st };
    });
}

describe("status report (pure)", () => {
    it("compaction: a voter whose match is below the leader's raftlog.first cannot catch up, from one answer; the note says why", () => {
        const listed = [1, 2, 3].map((id) => member(id));
        const base = answers(listed, 1, 250_000, { matches: { 1: 250_000, 2: 250_000, 3: 110_000 }, own: { 3: { applied: 110_000, commit: 110_000 } } });
        const withFirst = base.map((a) => (a.status?.raftState === "StateLeader" ? { ...a, status: { ...a.status, first: 120_000 } } : a));
        const rep = statusReport({ stack: "s", cfg: config([1, 2, 3]), answers: withFirst });
        assert.equal(rep.code, 2);
        const r3 = rep.rows.find((r) => r.id === 3)!;
        assert.equal(r3.state, "cannot-catch-up");
        assert.match(r3.note, /below the leader's raftlog\.first 120000: the leader compacted away the entries it needs/);
        assert.match(statusText("s", rep), /voter 3 at 10\.0\.0\.3:7687 cannot catch up: match 110000 is below the leader's raftlog\.first 120000/);
        // The same numbers from a leader that never compacted (first 0): one answer cannot tell.
        assert.notEqual(statusReport({ stack: "s", cfg: config([1, 2, 3]), answers: base }).rows.find((r) => r.id === 3)!.state, "cannot-catch-up");
    });

    it("healthy: exit 0, one row per member with the numbers, text table and JSON", () => {
        const listed = [1, 2, 3].map((id) => member(id));
        const rep = statusReport({ stack: "s", cfg: config([1, 2, 3]), answers: answers(listed, 2, 41) });
        assert.equal(rep.code, 0);
        assert.deepStrictEqual(
            rep.rows.map((r) => [r.id, r.address, r.role, r.leader, r.reachable, r.applied, r.commit, r.lag, r.state]),
            [1, 2, 3].map((id) => [id, addr(id), "voter", id === 2, true, 41, 41, 0, "caught-up"]),
        );
        const text = statusText("s", rep);
        assert.match(
            text,
            /^stack s: leader 2 \(term 3, commit 41\)\nid {2}address +role +leader +reachable +applied +commit +lag +state\n1 {3}10\.0\.0\.1:7687 +voter +- +yes +41 +41 +0 +caught up\n/,
        );
        assert.match(text, /3 of 3 voters up and caught up: the cluster can lose 1 more/);
        assert.match(text, /healthy \(exit 0\)\n$/);
        const j = JSON.parse(statusJson("s", rep));
        assert.equal(j.leader, 2);
        for (const m of j.members) for (const k of ["id", "address", "role", "leader", "reachable", "applied", "commit", "lag"]) assert.ok(k in m, k);
    });

    it("a voter down: exit 2, unreachable, no numbers of its own, the fix named", () => {
        const listed = [1, 2, 3].map((id) => member(id));
        const rep = statusReport({ stack: "s", cfg: config([1, 2, 3]), answers: answers(listed, 1, 41, { down: [3] }) });
        assert.equal(rep.code, 2);
        const r3 = rep.rows.find((r) => r.id === 3)!;
        assert.deepStrictEqual([r3.reachable, r3.applied, r3.commit, r3.state], [false, null, null, "unknown"]);
        assert.deepStrictEqual(rep.problems, [
            "voter 3 at 10.0.0.3:7687 is unreachable (no answer within 5 s): start it, or check its host and network",
            "2 of 3 voters up and caught up: the cluster can lose 0 more",
        ]);
    });

    it("no leader: exit 2, leader null, the rows from the stack when nobody answers", () => {
        const cfg = config([1, 2, 3]);
        const none = [1, 2, 3].map((id): NodeAnswer => ({ address: addr(id), error: "connection refused" }));
        const rep = statusReport({ stack: "s", cfg, answers: none });
        assert.equal(rep.code, 2);
        assert.equal(rep.leader, null);
        assert.match(
            rep.problems[0],
            /^no leader: 0 of 3 asked node\(s\) answered and none is leader; 0 of 3 voters answer and a leader needs 2: start the members that are down/,
        );
        assert.deepStrictEqual(
            rep.rows.map((r) => [r.id, r.member, r.reachable, r.lag]),
            [
                [1, true, false, null],
                [2, true, false, null],
                [3, true, false, null],
            ],
        );
        assert.match(statusText("s", rep), /^stack s: NO LEADER\n/);
        assert.equal(JSON.parse(statusJson("s", rep)).leader, null);
    });

    it("a voter that cannot catch up (StateReplicate by name, frozen match) is exit 2; as a learner it is a note only", () => {
        const listed = [1, 2, 3, 4].map((id) => member(id));
        const first = answers(listed, 1, 40, { matches: { 1: 40, 2: 40, 3: 40, 4: 4 }, own: { 4: { commit: 4, applied: 4 } } });
        const again = leaderStatus(1, 41, { 1: 41, 2: 41, 3: 41, 4: 4 });
        const rep = statusReport({ stack: "s", cfg: config([1, 2, 3, 4], { bootstrap: [1, 2, 3] }), answers: first, leaderAgain: again });
        assert.equal(rep.code, 2);
        const r4 = rep.rows.find((r) => r.id === 4)!;
        assert.deepStrictEqual([r4.reachable, r4.applied, r4.commit, r4.lag, r4.state], [true, 4, 4, 37, "cannot-catch-up"]);
        assert.match(
            rep.problems.join("\n"),
            /voter 4 at 10\.0\.0\.4:7687 cannot catch up: match 4 stayed below the leader's commit 41 .*copy of a healthy member's data directory/,
        );
        // the same node as a learner: it does not count in the quorum
        const asLearner = listed.map((m) => (m.id === 4 ? { ...m, isLearner: true } : m));
        const first2 = answers(asLearner, 1, 40, { matches: { 1: 40, 2: 40, 3: 40, 4: 4 }, own: { 4: { commit: 4, applied: 4 } } });
        const rep2 = statusReport({
            stack: "s",
            cfg: config([1, 2, 3, 4], {
                nodes: [1, 2, 3, 4].map((id) => ({ id, ip: ip(id), dockerHost: `ssh://${ip(id)}`, ...(id === 4 ? { role: "learner" } : {}) })),
            }),
            answers: first2,
            leaderAgain: again,
        });
        assert.equal(rep2.code, 0, rep2.problems.join("\n"));
        assert.match(rep2.notes.join("\n"), /learner 4 at 10\.0\.0\.4:7687 cannot catch up/);
    });

    it("a leader sample from before a new election is not used; without a second sample a behind member is unknown, not a problem", () => {
        const listed = [1, 2, 3].map((id) => member(id));
        const rep = statusReport({
            stack: "s",
            cfg: config([1, 2, 3]),
            answers: answers(listed, 1, 40, { matches: { 1: 40, 2: 40, 3: 30 } }),
            leaderAgain: leaderStatus(2, 41, { 1: 41, 2: 41, 3: 30 }),
        });
        assert.equal(rep.code, 0);
        assert.equal(rep.rows.find((r) => r.id === 3)!.state, "unknown");
        assert.equal(rep.rows.find((r) => r.id === 3)!.lag, 10);
    });

    it("the listing lies after a promotion: a listed learner the stack calls a voter counts as a voter; stack and live differences are notes", () => {
        const listed = [member(1), member(2), member(3, { isLearner: true }), member(7)];
        const rep = statusReport({ stack: "s", cfg: config([1, 2, 3, 5]), answers: answers(listed, 1, 10) });
        assert.equal(rep.rows.find((r) => r.id === 3)!.role, "voter");
        assert.equal(rep.code, 0);
        const notes = rep.notes.join("\n");
        assert.match(notes, /node 5 of the stack is not in the live membership: `pulumi up` adds it/);
        assert.match(notes, /member 7 at 10\.0\.0\.7:7687 is not in the stack file/);
        assert.deepStrictEqual(
            rep.rows.map((r) => [r.id, r.member, r.inStack]),
            [
                [1, true, true],
                [2, true, true],
                [3, true, true],
                [5, false, true],
                [7, true, false],
            ],
        );
    });

    it("property: exit 2 exactly when there is no leader or a listed voter is unreachable or cannot catch up", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 9 }),
                fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
                fc.nat({ max: 8 }),
                fc.boolean(),
                (n, downFlags, leadIdx, frozenLast) => {
                    const ids = Array.from({ length: n }, (_, k) => k + 1);
                    const lead = ids[leadIdx % n];
                    const down = ids.filter((id, k) => id !== lead && downFlags[k]);
                    const stranded = frozenLast && n > 1 && ids[n - 1] !== lead && !down.includes(ids[n - 1]) ? ids[n - 1] : undefined;
                    const matches = Object.fromEntries(ids.map((id) => [id, id === stranded ? 2 : 50]));
                    const own = stranded ? { [stranded]: { commit: 2, applied: 2 } } : {};
                    const listed = ids.map((id) => member(id));
                    const ans = answers(listed, lead, 50, { down, matches, own });
                    const rep = statusReport({ stack: "s", cfg: config(ids), answers: ans, leaderAgain: leaderStatus(lead, 51, { ...matches, [lead]: 51 }) });
                    const unhealthy = down.length > 0 || stranded !== undefined;
                    assert.equal(rep.code, unhealthy ? 2 : 0, rep.problems.join("\n"));
                    assert.equal(rep.leader, lead);
                    assert.equal(rep.rows.filter((r) => !r.reachable).length, down.length);
                },
            ),
        );
    });
});

// ---------- runStatus in-process ----------

function memIo(files: Record<string, string>): Io {
    const abs = (f: string) => path.posix.resolve("/proj", f);
    const table = new Map(Object.entries(files).map(([k, v]) => [abs(k), v]));
    return {
        cwd: "/proj",
        exists: (f) => table.has(f),
        readText: (f) => {
            const t = table.get(f);
            if (t === undefined) throw new Error(`no ${f}`);
            return t;
        },
    };
}
const PROJECT = "name: tugraph-ha\nruntime: nodejs\n";
const NODES = [1, 2, 3].map((id) => `    - {id: ${id}, ip: ${ip(id)}, dockerHost: ssh://${ip(id)}}`).join("\n");
const plainStack = `config:\n  tugraph:adminPassword: ${PASSWORD}\n  tugraph:nodes:\n${NODES}\n`;
const secureStack = `config:\n  tugraph:adminPassword:\n    secure: v1:c2FsdHNhbHRzYWx0c2FsdA==:Y2lwaGVydGV4dGNpcGhlcnRleHRjaXBoZXI=\n  tugraph:nodes:\n${NODES}\n`;

// What the last `pulumi up` exported: status asks the cluster only with a password it confirms.
const VERIFIER = makeVerifier("admin", PASSWORD);

function fakeDeps(o: { env?: Record<string, string>; hang?: string[]; seen?: string[] } = {}): StatusDeps & { lines: string[] } {
    const listed = [1, 2, 3].map((id) => member(id, { isLeader: id === 1 }));
    const lines: string[] = [];
    return {
        env: { [VERIFIER_ENV]: VERIFIER, ...(o.env ?? {}) },
        lines,
        progress: (l) => lines.push(l),
        progressEveryMs: 50,
        resampleMs: 10,
        ask: async (opts, address) => {
            o.seen?.push(opts.password);
            if (o.hang?.includes(address)) return new Promise<never>(() => undefined);
            if (opts.password !== PASSWORD)
                throw adminError(
                    "auth",
                    `authentication failed for user 'admin' at ${address} (listRaftNodes): Authentication failed`,
                    address,
                    "listRaftNodes",
                );
            const id = Number(address.split(":")[0].split(".")[3]);
            return { address, listing: listed, status: asRaftStatus(id === 1 ? leaderStatus(1, 9, { 1: 9, 2: 9, 3: 9 }) : status(id, 9)) };
        },
    };
}

describe("runStatus (in-process, fake Bolt answers)", () => {
    it("arguments: --json, --timeout, and usage errors (exit 64: 2 means unhealthy)", async () => {
        assert.deepStrictEqual(parseStatusArgs(["--stack", "s", "--json", "--timeout=2.5"]), { stack: "s", dir: undefined, json: true, deadlineMs: 2500 });
        assert.match(String(parseStatusArgs(["--stack", "s", "--timeout", "0"])), /--timeout 0 must be a number of seconds/);
        assert.equal(parseStatusArgs(["--json"]), "missing --stack <name>");
        const r = await runStatus(["--stack", "s", "--verbose"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": plainStack }), fakeDeps());
        assert.equal(r.code, 64);
        assert.match(r.stderr, /unknown argument --verbose\nusage: npm run status/);
    });

    it("plain password from the stack: healthy, exactly one JSON object, the password nowhere", async () => {
        const seen: string[] = [];
        const deps = fakeDeps({ seen, env: { [PASSWORD_ENV]: "not-this-one" } });
        const r = await runStatus(["--stack", "s", "--json"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": plainStack }), deps);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.ok(seen.length >= 3 && seen.every((p) => p === PASSWORD), "the stack's plain value is used");
        const j = JSON.parse(r.stdout);
        assert.equal(j.leader, 1);
        assert.equal(j.members.length, 3);
        assert.ok(!(r.stdout + r.stderr + deps.lines.join("")).includes(PASSWORD));
    });

    it("encrypted password: without the env var exit 1 naming it; with it, it is used", async () => {
        const io = memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": secureStack });
        const r = await runStatus(["--stack", "s"], io, fakeDeps());
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /tugraph:adminPassword is encrypted \(secure:\) in \/proj\/Pulumi\.s\.yaml, and status does not decrypt stack secrets: set TUGRAPH_ADMIN_PASSWORD/,
        );
        const seen: string[] = [];
        const ok = await runStatus(["--stack", "s"], io, fakeDeps({ seen, env: { [PASSWORD_ENV]: PASSWORD } }));
        assert.equal(ok.code, 0, ok.stderr + ok.stdout);
        assert.ok(seen.every((p) => p === PASSWORD));
        assert.ok(!ok.stdout.includes(PASSWORD));
    });

    it("a password the verifier does not confirm (a rotation pending), or no verifier: exit 1, nothing asked, says how to give it", async () => {
        const pending = "Pending-pw-52y";
        for (const env of [{ [PASSWORD_ENV]: pending }, { [VERIFIER_ENV]: "" }] as Record<string, string>[]) {
            const seen: string[] = [];
            const stack = PASSWORD_ENV in env ? secureStack : plainStack;
            const r = await runStatus(["--stack", "s"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": stack }), fakeDeps({ seen, env }));
            assert.equal(r.code, 1);
            assert.deepStrictEqual(seen, [], "no password was tried");
            assert.match(r.stderr, /^status: not asking the cluster: /);
            assert.match(
                r.stderr,
                PASSWORD_ENV in env ? /differ from what the last `pulumi up` set \(a rotation is pending/ : /no record of the cluster's current admin password/,
            );
            assert.match(
                r.stderr,
                /TUGRAPH_ADMIN_PASSWORD_VERIFIER="\$\(pulumi stack output --show-secrets adminPasswordVerifier -s s\)" npm run status -- --stack s/,
            );
            assert.ok(!r.stderr.includes(pending) && !r.stdout.includes(pending));
        }
    });

    it("a confirmed password the cluster refuses all the same (changed outside the stack): exit 1, says which password source, never prints it", async () => {
        const wrong = "Wrong-pw-31x";
        const r = await runStatus(
            ["--stack", "s"],
            memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": secureStack }),
            fakeDeps({ env: { [PASSWORD_ENV]: wrong, [VERIFIER_ENV]: makeVerifier("admin", wrong) } }),
        );
        assert.equal(r.code, 1);
        assert.match(r.stderr, /authentication failed for user 'admin'/);
        assert.match(r.stderr, /TUGRAPH_ADMIN_PASSWORD is used because the stack's password is encrypted/);
        assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong));
    });

    it("invalid config: exit 1 with every problem, nobody asked", async () => {
        const seen: string[] = [];
        const bad = `config:\n  tugraph:adminPassword: ${PASSWORD}\n  tugraph:nodes:\n    - {id: 1, ip: db.local}\n    - {id: 1, ip: 10.0.0.2}\n`;
        const r = await runStatus(["--stack", "s"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": bad }), fakeDeps({ seen }));
        assert.equal(r.code, 1);
        assert.match(r.stderr, /has 2 problem\(s\)/);
        assert.match(r.stderr, /tugraph:nodes\[0\]\.ip \(node 1\) must be an IPv4 literal/);
        assert.deepStrictEqual(seen, []);
    });

    it("a node that never answers is given up at its deadline, reported unreachable, with progress lines meanwhile", async () => {
        const deps = fakeDeps({ hang: [addr(3)] });
        const t = Date.now();
        const r = await runStatus(["--stack", "s", "--json", "--timeout", "0.3"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": plainStack }), deps);
        assert.ok(Date.now() - t < 300 + 500, `${Date.now() - t} ms`);
        assert.equal(r.code, 2);
        const j = JSON.parse(r.stdout);
        assert.equal(j.members.find((m: any) => m.id === 3).reachable, false);
        assert.ok(
            deps.lines.length >= 1 && deps.lines.every((l) => /^status: waiting for 10\.0\.0\.3:7687 \(0\.\d s of 0\.3 s\)$/.test(l)),
            deps.lines.join("\n"),
        );
    });
});
