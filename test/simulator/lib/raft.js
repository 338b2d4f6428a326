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
        // The raft store's own apply index and the membership it applied (TuGraph keeps both in
        // the raft store: a conf change saves them when it is applied, inline on the raft thread).
        this.storeFile = path.join(dir, "store.json");
    }
    exists() {
        return fs.existsSync(this.metaFile);
    }
    load() {
        const meta = JSON.parse(fs.readFileSync(this.metaFile, "utf8"));
        const hs = fs.existsSync(this.hsFile) ? JSON.parse(fs.readFileSync(this.hsFile, "utf8")) : { term: 0, vote: 0, commit: 0 };
        const first = meta.first || 0;
        const entries = [];
        if (fs.existsSync(this.logFile)) {
            for (const line of fs.readFileSync(this.logFile, "utf8").split("\n")) {
                if (!line) continue;
                try {
                    const e = JSON.parse(line);
                    if (e.i !== first + entries.length + 1) break;
                    entries.push(e);
                } catch {
                    break;
                } // torn last line: ignore
            }
        }
        const store = fs.existsSync(this.storeFile) ? JSON.parse(fs.readFileSync(this.storeFile, "utf8")) : { applyIndex: 0, membership: {} };
        return { meta, hs, entries, store };
    }
    saveMeta(meta) {
        writeAtomic(this.metaFile, JSON.stringify(meta));
    }
    saveStore(store) {
        writeAtomic(this.storeFile, JSON.stringify(store));
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
     *   applyDelayMs?: number, keepLogs?: number, compactMargin?: number, gcIntervalMs?: number,
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
        /** @type {Map<number, {term: number, resolve: (v: any) => void, reject: (e: any) => void}>} */
        this.waiters = new Map();
        this.pendingConfIndex = 0;
        this.warned = new Set();
        // The apply thread (TuGraph's raft_driver): committed normal entries are handed off to
        // it and applied to the graph in order, each no sooner than applyDelayMs after its
        // hand-off (TUGRAPH_SIMULATOR_APPLY_DELAY_MS widens the window; 0: the next turn of the
        // event loop). A conf change is applied inline on the raft thread, at once, and saves
        // the store's apply index, while normal entries before it may still wait here. Stop()
        // drops this queue.
        /** @type {{e: any, at: number}[]} */
        this.applyQueue = [];
        this.applyTimer = null;
        this.stopped = false;
        // raft's hand-off index: what getRaftStatus shows as `applied` (raft_driver.cpp:529-538)
        this.applied = 0;
        // Log compaction (raft_driver.cpp:450-462): first = the last compacted index, 0 while never compacted.
        this.first = 0;
        this.firstTerm = 0;
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
            this.storage.init({ clusterId, bootstrapCount: boot.length, createdBy: "TuGraph simulator (test double)", first: 0, firstTerm: 0 });
            this.storage.rewrite(boot);
            this.storage.saveHardState({ term: 1, vote: 0, commit: boot.length });
            this.storage.saveStore({ applyIndex: 0, membership: {} });
            gs.applied = 0;
            gs.clusterId = clusterId;
            this.log(`bootstrapped raft from bolt_raft_init_peers: ${peers.map((p) => p.bolt_raft_node_id).join(",")}`);
        } else {
            this.log("raft log found: bolt_raft_init_peers ignored, membership comes from the log");
        }
        const { meta, hs, entries, store } = this.storage.load();
        this.meta = meta;
        this.clusterId = meta.clusterId;
        this.bootstrapCount = meta.bootstrapCount;
        this.first = meta.first || 0;
        this.firstTerm = meta.firstTerm || 0;
        this.entries = entries;
        this.term = hs.term;
        this.vote = hs.vote;
        this.membership = store.membership || {};
        this.storeApplyIndex = store.applyIndex || 0;
        // A restart resumes from max(graph index, store index): normal entries between the two
        // (handed off before a conf change was applied inline, and dropped by a stop before the
        // apply thread reached them) are never applied on this node.
        this.applied = Math.max(gs.applied, this.storeApplyIndex, this.first);
        const skipped = [];
        for (let i = gs.applied + 1; i <= this.storeApplyIndex; i++) {
            const e = this.entryAt(i);
            if (e && e.k !== "conf") skipped.push(i);
        }
        if (skipped.length) {
            this.log(
                `resuming from the store's apply index ${this.storeApplyIndex} (graph index ${gs.applied}): ` +
                    `entries ${skipped.join(",")} are never applied on this node`,
            );
        }
        this.commit = Math.max(Math.min(hs.commit, this.lastIndex()), this.applied);
        this.applyCommitted();
        this.resetRandomizedTimeout();
        return true;
    }

    async start(bindHost, raftPort) {
        await this.transport.listen(raftPort, bindHost);
        this.timer = setInterval(() => this.tick(), this.o.tickMs);
        const gc = this.o.gcIntervalMs;
        if (gc && gc > 0) this.gcTimer = setInterval(() => this.maybeCompact(), gc);
    }
    /** TuGraph's Stop(): raft and the apply thread stop; applies still queued are dropped (raft_driver.cpp:341-345). */
    stop() {
        this.stopped = true;
        clearInterval(this.timer);
        clearInterval(this.gcTimer);
        if (this.applyTimer) clearTimeout(this.applyTimer);
        this.applyTimer = null;
        if (this.applyQueue.length) {
            const q = this.applyQueue.map((x) => x.e.i);
            this.log(`Stop(): dropping ${q.length} queued apply(s) (entries ${q[0]}..${q[q.length - 1]}, graph index ${this.graph.state.applied})`);
        }
        this.applyQueue = [];
        this.transport.close();
    }

    // ------------------------------------------------------------ helpers
    lastIndex() {
        return this.first + this.entries.length;
    }
    /** The entry at raft index i (undefined when compacted away or beyond the log). */
    entryAt(i) {
        return i > this.first ? this.entries[i - this.first - 1] : undefined;
    }
    termAt(i) {
        if (i === 0) return 0;
        if (i === this.first) return this.firstTerm;
        const e = this.entryAt(i);
        return e ? e.t : -1;
    }
    lastTerm() {
        return this.termAt(this.lastIndex());
    }
    members() {
        return this.membership;
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
                this.becomeFollower(m.term, m.type === "app" || m.type === "hb" ? m.from : 0);
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
            case "hb": {
                // A heartbeat with no entries: the leader cannot send this node what it needs
                // (compacted away, and TuGraph has no snapshots). Its commit is at most our match.
                if (this.state !== "StateFollower") this.becomeFollower(m.term, m.from);
                this.lead = m.from;
                this.electionElapsed = 0;
                const c = Math.min(m.commit, this.lastIndex());
                if (c > this.commit) {
                    this.commit = c;
                    this.persistHs();
                    this.applyCommitted();
                }
                this.reply(m, { type: "hbResp", term: this.term });
                return;
            }
            case "hbResp": {
                const pr = this.state === "StateLeader" ? this.progress.get(m.from) : undefined;
                if (pr) pr.recentActive = true;
                return;
            }
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
        if (m.prevIndex < this.first) {
            // Entries up to our first are committed (a copy of a compacted log): they match by raft's rules.
            m = { ...m, prevIndex: this.first, prevTerm: this.firstTerm, entries: m.entries.filter((e) => e.i > this.first) };
        }
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
                    this.entries.length = e.i - 1 - this.first;
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
        if (prevIndex < this.first) {
            // The entries this member needs were compacted away and TuGraph has no snapshots
            // (Snapshot() is unavailable): nothing is ever sent to it again, only heartbeats.
            const k = `compacted-${id}`;
            if (!this.warned.has(k)) {
                this.warned.add(k);
                this.log(`cannot send entries from ${prevIndex + 1} to node ${id}: compacted (first ${this.first}) and snapshots are unavailable`);
            }
            if (heartbeat) this.send(id, { type: "hb", term: this.term, commit: Math.min(pr.match, this.commit) });
            return;
        }
        const entries = this.entries.slice(prevIndex - this.first, prevIndex - this.first + MAX_BATCH);
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
            e.i = this.lastIndex() + 1;
            this.entries.push(e);
        }
        this.storage.append(out);
        this.maybeCommit();
        return out;
    }

    /**
     * Proposes an entry on the leader and waits until it is applied. A proposal raft drops
     * (a conf change while another is pending, or by a leader that has not applied its log
     * since its election: raft.h:1501-1519), or one whose entry is lost with a change of
     * leadership, never settles: TuGraph's caller waits forever (raft_driver.cpp:373-377,
     * bolt_handler.cpp:291-297), with no error.
     * @param {{k: string, d: any}} item
     */
    propose(item) {
        if (this.state !== "StateLeader") return Promise.reject(Object.assign(new Error("not leader"), { code: "BoltRaftError" }));
        let it = item;
        let dropped = false;
        if (item.k === "conf") {
            if (this.pendingConfIndex > this.applied) {
                // etcd-raft drops a conf change while another one is pending (a new leader's
                // pendingConfIndex is its last index at election): it becomes an empty entry.
                this.log(
                    `propose conf change ${JSON.stringify(item.d)} ignored since pending unapplied configuration [index ${this.pendingConfIndex}, applied ${this.applied}]`,
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
            this.waiters.set(e.i, { term: e.t, resolve, reject });
            this.applyCommitted();
        });
    }

    /** Settles the waiter of entry e: a lost proposal (another term's entry at its index) never settles. */
    settle(e, result, error) {
        const w = this.waiters.get(e.i);
        if (!w) return;
        this.waiters.delete(e.i);
        if (w.term !== e.t) return;
        if (error) w.reject(error);
        else w.resolve(result);
    }

    /**
     * Hands committed entries off: a conf change is applied inline here (and saves the
     * store's apply index and membership); normal entries go to the apply thread.
     */
    applyCommitted() {
        if (this.stopped) return;
        while (this.applied < this.commit && this.applied < this.lastIndex()) {
            const e = this.entryAt(this.applied + 1);
            this.applied = e.i;
            if (e.k === "conf") {
                let error;
                try {
                    this.applyConf(e);
                } catch (err) {
                    error = err;
                    this.log(`apply of conf change ${e.i} failed: ${err && err.message}`);
                }
                this.storeApplyIndex = e.i;
                this.storage.saveStore({ applyIndex: e.i, membership: this.membership });
                this.settle(e, undefined, error);
            } else {
                this.applyQueue.push({ e, at: Date.now() + (this.o.applyDelayMs || 0) });
            }
        }
        this.kickApply();
    }

    kickApply() {
        if (this.applyTimer || this.stopped || this.applyQueue.length === 0) return;
        const wait = Math.max(0, this.applyQueue[0].at - Date.now());
        this.applyTimer = setTimeout(() => this.runApply(), wait);
    }

    /** The apply thread: applies queued normal entries in order, then saves the graph with its own apply index. */
    runApply() {
        this.applyTimer = null;
        if (this.stopped) return;
        const gs = this.graph.state;
        const now = Date.now();
        let changed = false;
        while (this.applyQueue.length && this.applyQueue[0].at <= now) {
            const { e } = this.applyQueue.shift();
            let result;
            let error;
            try {
                if (e.k === "cypher") result = this.o.applyNormal(e);
            } catch (err) {
                error = err;
                this.log(`apply of entry ${e.i} failed: ${err && err.message}`);
            }
            gs.applied = e.i;
            changed = true;
            this.settle(e, result, error);
        }
        if (changed) this.graph.save();
        this.kickApply();
    }

    /**
     * Log compaction as TuGraph's leader does it (raft_driver.cpp:450-462): every gc
     * interval, when applied - first >= keep_logs + 100000 the leader compacts its own log
     * to keep keep_logs entries, whatever its followers' progress. Followers never compact.
     */
    maybeCompact() {
        if (this.state !== "StateLeader" || this.stopped) return;
        const keep = this.o.keepLogs ?? 1000000;
        const margin = this.o.compactMargin ?? 100000;
        if (this.applied - this.first < keep + margin) return;
        const to = this.applied - keep;
        if (to <= this.first) return;
        this.firstTerm = this.termAt(to);
        this.entries = this.entries.slice(to - this.first);
        this.first = to;
        this.storage.rewrite(this.entries);
        this.meta = { ...this.meta, first: this.first, firstTerm: this.firstTerm };
        this.storage.saveMeta(this.meta);
        this.log(`compacted the raft log: first ${this.first}, last ${this.lastIndex()} (keep_logs ${keep})`);
    }

    applyConf(e) {
        const d = e.d;
        if (d.id === 0) {
            // etcd-raft ignores a conf change of node 0 (TuGraph checks no id: the call still answers).
            this.log(`conf change ${e.i} for node 0 ignored`);
            return;
        }
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
            applied: this.applied,
            commit: this.commit,
            id: hex(this.id),
            lead: hex(this.lead),
            leadtransferee: "0",
            progress,
            raftState: this.state,
            // first: the last compacted index, 0 while the log was never compacted (as TuGraph shows it)
            raftlog: { first: this.first, last: this.lastIndex() },
            term: this.term,
            vote: hex(this.vote),
        };
    }
}

module.exports = { RaftNode, IPV4 };
