// @ts-check
"use strict";
// TuGraph simulator (test double): a compact Raft in the style of etcd-raft as
// TuGraph configures it (preVote, checkQuorum, stepDownOnRemoval, no snapshots:
// a progress never enters StateSnapshot).
// Peer transport: newline-delimited JSON over TCP on bolt_raft_port.

const fs = require("fs");
const net = require("net");
const path = require("path");
const crypto = require("crypto");

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

// ------------------------------------------------------------------ storage
class RaftStorage {
    /** @param {string} dir <directory>/raftlog */
    constructor(dir) {
        this.dir = dir;
        this.logFile = path.join(dir, "log.jsonl");
        this.hsFile = path.join(dir, "hardstate.json");
        this.metaFile = path.join(dir, "meta.json");
    }
    exists() {
        return fs.existsSync(this.metaFile);
    }
    load() {
        const meta = JSON.parse(fs.readFileSync(this.metaFile, "utf8"));
        const hs = fs.existsSync(this.hsFile) ? JSON.parse(fs.readFileSync(this.hsFile, "utf8")) : { term: 0, vote: 0, commit: 0 };
        const entries = [];
        if (fs.existsSync(this.logFile)) {
            for (const line of fs.readFileSync(this.logFile, "utf8").split("\n")) {
                if (!line) continue;
                try {
                    const e = JSON.parse(line);
                    if (e.i !== entries.length + 1) break;
                    entries.push(e);
                } catch {
                    break;
                } // torn last line: ignore
            }
        }
        return { meta, hs, entries };
    }
    init(meta) {
        fs.mkdirSync(this.dir, { recursive: true });
        writeAtomic(this.metaFile, JSON.stringify(meta));
    }
    saveHardState(hs) {
        writeAtomic(this.hsFile, JSON.stringify(hs));
    }
    append(entries) {
        if (entries.length) fs.appendFileSync(this.logFile, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
    }
    rewrite(entries) {
        writeAtomic(this.logFile, entries.map((e) => JSON.stringify(e) + "\n").join(""));
    }
}

function writeAtomic(file, text) {
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------- transport
class Transport {
    /**
     * @param {(msg: any) => void} onMessage
     * @param {(s: string) => void} log
     * @param {(s: string) => void} fatal
     */
    constructor(onMessage, log, fatal) {
        this.onMessage = onMessage;
        this.log = log;
        this.fatal = fatal;
        /** @type {Map<string, {sock: net.Socket, ready: boolean, queue: string[]}>} */
        this.conns = new Map();
        this.inbound = new Set();
        this.server = null;
    }
    listen(port, host) {
        this.server = net.createServer((sock) => {
            this.inbound.add(sock);
            sock.setNoDelay(true);
            let buf = "";
            sock.setEncoding("utf8");
            sock.on("data", (d) => {
                buf += d;
                let nl;
                while ((nl = buf.indexOf("\n")) >= 0) {
                    const line = buf.slice(0, nl);
                    buf = buf.slice(nl + 1);
                    let msg;
                    try {
                        msg = JSON.parse(line);
                    } catch {
                        continue;
                    }
                    this.onMessage(msg);
                }
            });
            sock.on("error", () => {});
            sock.on("close", () => this.inbound.delete(sock));
        });
        return new Promise((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(port, host, () => resolve(undefined));
        });
    }
    /** @param {string} ip @param {number} port */
    send(ip, port, msg) {
        if (!IPV4.test(ip)) {
            // TuGraph does not resolve names: a non-IPv4 peer address throws on the raft thread.
            this.fatal(`raft transport: peer address '${ip}' is not an IPv4 literal (TuGraph does not resolve host names); aborting`);
            return;
        }
        const key = `${ip}:${port}`;
        let c = this.conns.get(key);
        if (!c) {
            const sock = net.connect({ host: ip, port });
            sock.setNoDelay(true);
            c = { sock, ready: false, queue: [] };
            const cc = c;
            this.conns.set(key, c);
            sock.on("connect", () => {
                cc.ready = true;
                if (cc.queue.length) sock.write(cc.queue.join(""));
                cc.queue = [];
            });
            sock.on("data", () => {});
            sock.on("error", () => {});
            sock.on("close", () => {
                if (this.conns.get(key) === cc) this.conns.delete(key);
            });
        }
        const line = JSON.stringify(msg) + "\n";
        if (c.ready) c.sock.write(line);
        else if (c.queue.length < 1000) c.queue.push(line);
    }
    close() {
        for (const c of this.conns.values()) c.sock.destroy();
        for (const s of this.inbound) s.destroy();
        if (this.server) this.server.close();
    }
}

// --------------------------------------------------------------------- raft
const MAX_BATCH = 256;

class RaftNode {
    /**
     * @param {{
     *   id: number, dir: string, tickMs: number, electionTick: number, heartbeatTick: number,
     *   initPeers: {bolt_raft_node_id: number, ip: string, bolt_port: number, bolt_raft_port: number}[],
     *   graph: import('./graph').Graph, log: (s: string) => void, fatal: (s: string) => void,
     *   applyNormal: (entry: any) => any,
     * }} o
     */
    constructor(o) {
        this.id = o.id;
        this.o = o;
        this.graph = o.graph;
        this.log = o.log;
        this.storage = new RaftStorage(path.join(o.dir, "raftlog"));
        this.state = "StateFollower";
        this.lead = 0;
        this.electionElapsed = 0;
        this.heartbeatElapsed = 0;
        this.randomizedTimeout = this.o.electionTick;
        /** @type {Map<number, {match: number, next: number, state: string, recentActive: boolean}>} */
        this.progress = new Map();
        this.votes = new Map();
        /** @type {Map<number, {term: number, resolve: (v: any) => void, reject: (e: any) => void, hangOnLoss: boolean}>} */
        this.waiters = new Map();
        this.pendingConfIndex = 0;
        this.warned = new Set();
        this.transport = new Transport((m) => this.step(m), this.log, o.fatal);
    }

    /** Loads or bootstraps. Returns false (after logging) when the node must not start. */
    open() {
        const gs = this.graph.state;
        if (!this.storage.exists()) {
            if (this.graph.exists() && gs.applied > 0) {
                this.o.fatal(`raft log missing under ${this.storage.dir} while graph data exists (applied index ${gs.applied}); refusing to start`);
                return false;
            }
            const peers = this.o.initPeers;
            if (!peers.some((p) => p.bolt_raft_node_id === this.id)) {
                this.o.fatal(`no id ${this.id} in initial peers`);
                return false;
            }
            // Bootstrap: one conf-change entry per initial peer at term 1, committed.
            const boot = peers.map((p, k) => ({
                i: k + 1,
                t: 1,
                k: "conf",
                d: { op: "add", id: p.bolt_raft_node_id, ip: p.ip, bolt_port: p.bolt_port, bolt_raft_port: p.bolt_raft_port },
            }));
            const clusterId = crypto.createHash("sha256").update(JSON.stringify(boot)).digest("hex").slice(0, 16);
            this.storage.init({ clusterId, bootstrapCount: boot.length, createdBy: "TuGraph simulator (test double)" });
            this.storage.rewrite(boot);
            this.storage.saveHardState({ term: 1, vote: 0, commit: boot.length });
            gs.applied = 0;
            gs.membership = {};
            gs.clusterId = clusterId;
            this.log(`bootstrapped raft from bolt_raft_init_peers: ${peers.map((p) => p.bolt_raft_node_id).join(",")}`);
        } else {
            this.log("raft log found: bolt_raft_init_peers ignored, membership comes from the log");
        }
        const { meta, hs, entries } = this.storage.load();
        this.clusterId = meta.clusterId;
        this.bootstrapCount = meta.bootstrapCount;
        this.entries = entries;
        this.term = hs.term;
        this.vote = hs.vote;
        this.commit = Math.min(hs.commit, this.lastIndex());
        if (!gs.membership) gs.membership = {};
        if (gs.applied > this.commit) this.commit = gs.applied;
        this.applyCommitted();
        this.resetRandomizedTimeout();
        return true;
    }

    async start(bindHost, raftPort) {
        await this.transport.listen(raftPort, bindHost);
        this.timer = setInterval(() => this.tick(), this.o.tickMs);
    }
    stop() {
        clearInterval(this.timer);
        this.transport.close();
    }

    // ------------------------------------------------------------ helpers
    lastIndex() {
        return this.entries.length;
    }
    termAt(i) {
        return i === 0 ? 0 : this.entries[i - 1] ? this.entries[i - 1].t : -1;
    }
    lastTerm() {
        return this.termAt(this.lastIndex());
    }
    members() {
        return this.graph.state.membership;
    }
    voters() {
        return Object.values(this.members())
            .filter((m) => !m.learner)
            .map((m) => m.id);
    }
    isMember(id) {
        return !!this.members()[id];
    }
    promotable() {
        const m = this.members()[this.id];
        return !!m && !m.learner;
    }
    quorum() {
        return Math.floor(this.voters().length / 2) + 1;
    }
    resetRandomizedTimeout() {
        const e = this.o.electionTick;
        this.randomizedTimeout = e + Math.floor(Math.random() * e);
    }
    persistHs() {
        this.storage.saveHardState({ term: this.term, vote: this.vote, commit: this.commit });
    }
    send(to, msg) {
        const m = this.members()[to];
        const addr = m ? { ip: m.ip, port: m.bolt_raft_port } : msg.__replyTo;
        delete msg.__replyTo;
        if (!addr) return;
        msg.from = this.id;
        msg.to = to;
        msg.cid = this.clusterId;
        const me = this.members()[this.id];
        msg.fromAddr = me ? { ip: me.ip, port: me.bolt_raft_port } : this.selfAddr;
        this.transport.send(addr.ip, addr.port, msg);
    }
    reply(req, msg) {
        msg.__replyTo = req.fromAddr;
        this.send(req.from, msg);
    }

    // ------------------------------------------------------------ roles
    becomeFollower(term, lead) {
        if (term !== this.term) {
            this.term = term;
            this.vote = 0;
            this.persistHs();
        }
        const was = this.state;
        this.state = "StateFollower";
        this.lead = lead;
        this.electionElapsed = 0;
        this.resetRandomizedTimeout();
        this.progress.clear();
        if (was === "StateLeader") this.log(`stepped down at term ${term}`);
    }
    campaign(pre) {
        const voters = this.voters();
        if (pre) {
            this.state = "StatePreCandidate";
            this.lead = 0;
        } else {
            this.state = "StateCandidate";
            this.term += 1;
            this.vote = this.id;
            this.lead = 0;
            this.persistHs();
        }
        this.votes = new Map([[this.id, true]]);
        this.electionElapsed = 0;
        this.resetRandomizedTimeout();
        if (this.votes.size >= this.quorum()) {
            if (pre) this.campaign(false);
            else this.becomeLeader();
            return;
        }
        const term = pre ? this.term + 1 : this.term;
        for (const v of voters) {
            if (v === this.id) continue;
            this.send(v, { type: pre ? "prevote" : "vote", term, lastIndex: this.lastIndex(), lastTerm: this.lastTerm() });
        }
    }
    becomeLeader() {
        this.state = "StateLeader";
        this.lead = this.id;
        this.heartbeatElapsed = 0;
        this.electionElapsed = 0;
        this.progress.clear();
        for (const m of Object.values(this.members())) {
            if (m.id !== this.id) this.progress.set(m.id, { match: 0, next: this.lastIndex() + 1, state: "StateProbe", recentActive: true });
        }
        this.pendingConfIndex = this.lastIndex();
        this.log(`became leader at term ${this.term}`);
        this.appendLocal([{ k: "noop" }]);
        this.broadcast();
    }

    // ------------------------------------------------------------ ticking
    tick() {
        if (this.state === "StateLeader") {
            this.heartbeatElapsed++;
            this.electionElapsed++;
            if (this.electionElapsed >= this.o.electionTick) {
                this.electionElapsed = 0;
                // checkQuorum
                let active = this.voters().includes(this.id) ? 1 : 0;
                for (const [id, pr] of this.progress) {
                    if (this.voters().includes(id) && pr.recentActive) active++;
                    pr.recentActive = false;
                }
                if (active < this.quorum()) {
                    this.log(`checkQuorum: lost contact with a majority of voters, stepping down`);
                    this.becomeFollower(this.term, 0);
                    return;
                }
            }
            if (this.heartbeatElapsed >= this.o.heartbeatTick) {
                this.heartbeatElapsed = 0;
                this.broadcast();
            }
        } else {
            this.electionElapsed++;
            if (this.promotable() && this.electionElapsed >= this.randomizedTimeout) {
                this.campaign(true);
            }
        }
    }

    // ------------------------------------------------------------ messages
    step(m) {
        if (m.cid !== this.clusterId) {
            this.stepForeign(m);
            return;
        }
        if (m.term > this.term) {
            if (m.type === "prevote" || m.type === "vote") {
                const inLease = this.lead !== 0 && this.electionElapsed < this.o.electionTick;
                if (inLease) return;
            }
            if (m.type === "prevote" || (m.type === "prevoteResp" && m.granted)) {
                // term unchanged
            } else {
                this.becomeFollower(m.term, m.type === "app" ? m.from : 0);
            }
        } else if (m.term < this.term) {
            if (m.type === "app") this.reply(m, { type: "appResp", term: this.term, success: false, stale: true });
            else if (m.type === "prevote") this.reply(m, { type: "prevoteResp", term: this.term, granted: false });
            return;
        }
        const upToDate = () => m.lastTerm > this.lastTerm() || (m.lastTerm === this.lastTerm() && m.lastIndex >= this.lastIndex());
        switch (m.type) {
            case "prevote": {
                const ok = m.term > this.term && upToDate();
                this.reply(m, { type: "prevoteResp", term: ok ? m.term : this.term, granted: ok });
                return;
            }
            case "vote": {
                const canVote = this.vote === m.from || (this.vote === 0 && this.lead === 0);
                if (canVote && upToDate()) {
                    this.vote = m.from;
                    this.electionElapsed = 0;
                    this.persistHs();
                    this.reply(m, { type: "voteResp", term: this.term, granted: true });
                } else {
                    this.reply(m, { type: "voteResp", term: this.term, granted: false });
                }
                return;
            }
            case "prevoteResp":
            case "voteResp": {
                const pre = m.type === "prevoteResp";
                if ((pre && this.state !== "StatePreCandidate") || (!pre && this.state !== "StateCandidate")) return;
                if (!this.voters().includes(m.from)) return;
                this.votes.set(m.from, !!m.granted);
                const yes = [...this.votes.values()].filter(Boolean).length;
                const no = this.votes.size - yes;
                if (yes >= this.quorum()) {
                    if (pre) this.campaign(false);
                    else this.becomeLeader();
                } else if (no >= this.quorum()) this.becomeFollower(this.term, 0);
                return;
            }
            case "app":
                if (this.state !== "StateFollower") this.becomeFollower(m.term, m.from);
                this.lead = m.from;
                this.electionElapsed = 0;
                this.handleAppend(m);
                return;
            case "appResp":
                if (this.state === "StateLeader") this.handleAppResp(m);
                return;
            default:
        }
    }

    /**
     * Messages between nodes whose logs start from different bootstrap entries:
     * a joiner started on an empty disk bootstrapped its own log from its init
     * peers (term 1, commit = number of peers). As TuGraph shows it (no
     * snapshots, see the facts file): the joiner follows the leader's term and
     * acks its own bootstrap index to the leader's probes, and never takes an
     * entry; the leader's match for it stays frozen at that index while its
     * progress flips between StateProbe (each heartbeat beyond the joiner's log
     * is refused, the probe back to its index is acked) and, mostly,
     * StateReplicate. Votes to or from a stranger are ignored.
     */
    stepForeign(m) {
        if (m.type === "appResp") {
            if (this.state === "StateLeader" && m.term === this.term && this.progress.has(m.from)) this.handleAppResp(m);
            return;
        }
        if (m.type !== "app" || m.term < this.term) return;
        const k = `cid-${m.from}`;
        if (!this.warned.has(k)) {
            this.warned.add(k);
            this.log(
                `raft log of leader ${m.from} does not start from ours (different bootstrap entries): acking only our own index ${this.lastIndex()}; ` +
                    "Bolt raft has no snapshots, so this node can only catch up from a copy of a member's data directory",
            );
        }
        if (m.term > this.term || this.state !== "StateFollower") this.becomeFollower(m.term, m.from);
        this.lead = m.from;
        this.electionElapsed = 0;
        // A heartbeat beyond our log is refused (the leader probes back to our index);
        // anything else is acked at most up to our own index, and nothing is appended.
        const own = this.lastIndex();
        if (m.prevIndex > own && m.entries.length === 0) this.reply(m, { type: "appResp", term: this.term, success: false, hint: own });
        else this.reply(m, { type: "appResp", term: this.term, success: true, match: Math.min(m.prevIndex, own) });
    }

    handleAppend(m) {
        if (m.prevIndex > this.lastIndex() || this.termAt(m.prevIndex) !== m.prevTerm) {
            this.reply(m, { type: "appResp", term: this.term, success: false, hint: Math.min(this.lastIndex(), m.prevIndex - 1) });
            return;
        }
        let changedFrom = 0;
        const toAppend = [];
        for (const e of m.entries) {
            if (e.i <= this.lastIndex()) {
                if (this.termAt(e.i) !== e.t) {
                    if (e.i <= this.commit) {
                        this.o.fatal(`raft: conflict at committed index ${e.i}`);
                        return;
                    }
                    this.entries.length = e.i - 1;
                    changedFrom = e.i;
                    this.entries.push(e);
                }
            } else {
                this.entries.push(e);
                toAppend.push(e);
            }
        }
        if (changedFrom) this.storage.rewrite(this.entries);
        else this.storage.append(toAppend);
        const lastNew = m.prevIndex + m.entries.length;
        const c = Math.min(m.commit, lastNew);
        if (c > this.commit) {
            this.commit = c;
            this.persistHs();
            this.applyCommitted();
        }
        this.reply(m, { type: "appResp", term: this.term, success: true, match: lastNew });
    }

    handleAppResp(m) {
        const pr = this.progress.get(m.from);
        if (!pr) return;
        pr.recentActive = true;
        if (m.success) {
            if (m.match > pr.match) pr.match = m.match;
            if (pr.next < pr.match + 1) pr.next = pr.match + 1;
            if (pr.state === "StateProbe") {
                pr.state = "StateReplicate";
                pr.next = pr.match + 1;
            }
            this.maybeCommit();
            if (pr.next <= this.lastIndex()) this.sendAppend(m.from);
        } else if (!m.stale) {
            pr.state = "StateProbe";
            pr.next = Math.max(pr.match + 1, Math.min(pr.next - 1, m.hint + 1));
            if (pr.next < 1) pr.next = 1;
            this.sendAppend(m.from);
        }
    }

    sendAppend(id, heartbeat = false) {
        const pr = this.progress.get(id);
        if (!pr) return;
        const prevIndex = pr.next - 1;
        const entries = this.entries.slice(prevIndex, prevIndex + MAX_BATCH);
        if (!entries.length && !heartbeat && pr.state === "StateReplicate") return;
        this.send(id, { type: "app", term: this.term, prevIndex, prevTerm: this.termAt(prevIndex), entries, commit: this.commit });
        if (pr.state === "StateReplicate" && entries.length) pr.next = entries[entries.length - 1].i + 1;
    }
    broadcast() {
        for (const id of this.progress.keys()) this.sendAppend(id, true);
    }

    maybeCommit() {
        const matches = this.voters()
            .map((v) => (v === this.id ? this.lastIndex() : (this.progress.get(v) || { match: 0 }).match))
            .sort((a, b) => b - a);
        const q = this.quorum();
        if (matches.length < q) return;
        const idx = matches[q - 1];
        if (idx > this.commit && this.termAt(idx) === this.term) {
            this.commit = idx;
            this.persistHs();
            this.applyCommitted();
            if (this.state === "StateLeader") this.broadcast();
        }
    }

    // ------------------------------------------------------------ proposals
    appendLocal(items) {
        const out = items.map((d) => ({ i: this.lastIndex() + 1, t: this.term, ...d }));
        for (const e of out) {
            e.i = this.entries.length + 1;
            this.entries.push(e);
        }
        this.storage.append(out);
        this.maybeCommit();
        return out;
    }

    /**
     * Proposes an entry on the leader and waits until it is applied.
     * @param {{k: string, d: any}} item
     * @param {{hangOnLoss?: boolean}} opts
     */
    propose(item, opts = {}) {
        if (this.state !== "StateLeader") return Promise.reject(Object.assign(new Error("not leader"), { code: "BoltRaftError" }));
        let it = item;
        let dropped = false;
        if (item.k === "conf") {
            if (this.pendingConfIndex > this.graph.state.applied) {
                // etcd-raft drops a conf change while another one is pending: it
                // becomes an empty entry and TuGraph's caller waits forever.
                this.log(
                    `propose conf change ${JSON.stringify(item.d)} ignored since pending unapplied configuration [index ${this.pendingConfIndex}, applied ${this.graph.state.applied}]`,
                );
                it = { k: "noop" };
                dropped = true;
            }
        }
        const [e] = this.appendLocal([it]);
        if (item.k === "conf" && !dropped) this.pendingConfIndex = e.i;
        this.broadcast();
        return new Promise((resolve, reject) => {
            if (dropped) return; // hangs forever, as TuGraph does
            this.waiters.set(e.i, { term: e.t, resolve, reject, hangOnLoss: !!opts.hangOnLoss });
            this.applyCommitted();
        });
    }

    applyCommitted() {
        const gs = this.graph.state;
        let changed = false;
        while (gs.applied < this.commit && gs.applied < this.lastIndex()) {
            const e = this.entries[gs.applied];
            let result;
            let error;
            try {
                if (e.k === "conf") this.applyConf(e);
                else if (e.k === "cypher") result = this.o.applyNormal(e);
            } catch (err) {
                error = err;
                this.log(`apply of entry ${e.i} failed: ${err && err.message}`);
            }
            gs.applied = e.i;
            changed = true;
            const w = this.waiters.get(e.i);
            if (w) {
                this.waiters.delete(e.i);
                if (w.term !== e.t) {
                    if (!w.hangOnLoss) w.reject(Object.assign(new Error("raft proposal was lost (leadership changed)"), { code: "BoltRaftError" }));
                } else if (error) w.reject(error);
                else w.resolve(result);
            }
        }
        if (changed) this.graph.save();
    }

    applyConf(e) {
        const d = e.d;
        const ms = this.members();
        const cur = ms[d.id];
        if (d.op === "add" || d.op === "addLearner") {
            const learner = d.op === "addLearner";
            if (cur) {
                // Duplicate add: keeps the old address. Role change happens inside raft
                // but the listed is_learner flag is not updated.
                if (cur.learner !== learner) {
                    cur.learner = learner;
                    this.log(`node ${d.id} is now a raft ${learner ? "learner" : "voter"} (listing keeps is_learner=${cur.listedLearner})`);
                }
            } else {
                ms[d.id] = { id: d.id, ip: d.ip, bolt_port: d.bolt_port, bolt_raft_port: d.bolt_raft_port, learner, listedLearner: learner };
                if (this.state === "StateLeader" && d.id !== this.id) {
                    this.progress.set(d.id, { match: 0, next: this.lastIndex() + 1, state: "StateProbe", recentActive: true });
                }
                if (e.i > this.bootstrapCount)
                    this.log(`added node ${d.id} (${d.ip}:${d.bolt_port}, raft ${d.bolt_raft_port}) as ${learner ? "learner" : "voter"}`);
            }
            if (d.id === this.id && learner && this.state === "StateLeader") {
                this.log("demoted to learner: stepping down (stepDownOnRemoval)");
                this.becomeFollower(this.term, 0);
            }
        } else if (d.op === "remove") {
            if (!cur) return;
            delete ms[d.id];
            this.progress.delete(d.id);
            this.log(`removed node ${d.id}`);
            if (d.id === this.id) {
                this.log("this node was removed from the cluster");
                if (this.state === "StateLeader") this.becomeFollower(this.term, 0);
                this.lead = 0;
            }
        }
        if (this.state === "StateLeader") this.maybeCommit();
    }

    // ------------------------------------------------------------ status
    status() {
        const hex = (n) => Number(n).toString(16);
        const progress = {};
        if (this.state === "StateLeader") {
            progress[hex(this.id)] = { match: this.lastIndex(), next: this.lastIndex() + 1, state: "StateReplicate" };
            for (const [id, pr] of this.progress) progress[hex(id)] = { match: pr.match, next: pr.next, state: pr.state };
        }
        return {
            applied: this.graph.state.applied,
            commit: this.commit,
            id: hex(this.id),
            lead: hex(this.lead),
            leadtransferee: "0",
            progress,
            raftState: this.state,
            raftlog: { first: this.entries.length ? 1 : 0, last: this.lastIndex() },
            term: this.term,
            vote: hex(this.vote),
        };
    }
}

module.exports = { RaftNode, IPV4 };
