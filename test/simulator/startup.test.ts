// TuGraph simulator (test double): start-up rules of lgraph_server (no cluster needed).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SIMULATOR_BIN } from "./harness";

function runServer(args: string[], cwd: string) {
    return spawnSync(process.execPath, [SIMULATOR_BIN, ...args], { cwd, encoding: "utf8", timeout: 10_000 });
}

describe("TuGraph simulator start-up rules", function () {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tugraph-ha-sim-startup-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const config = (over: Record<string, unknown>) => {
        const file = path.join(dir, "lgraph.json");
        fs.writeFileSync(
            file,
            JSON.stringify({
                directory: path.join(dir, "data"),
                log_dir: "",
                bolt_port: 1,
                bolt_raft_port: 2,
                bolt_raft_node_id: 4,
                bolt_raft_init_peers: [{ bolt_raft_node_id: 1, ip: "127.0.0.1", bolt_port: 1, bolt_raft_port: 2 }],
                ...over,
            }),
        );
        return file;
    };

    it("first start (no raft log) with an id missing from init peers exits with TuGraph's message", () => {
        const r = runServer(["-c", config({}), "-d", "run"], dir);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /no id 4 in initial peers/);
        assert.ok(!fs.existsSync(path.join(dir, "data", "raftlog")));
    });

    it("the log names it as the simulator", () => {
        const r = runServer(["-c", config({}), "-d", "run"], dir);
        assert.match(r.stdout + r.stderr, /TuGraph simulator \(test double\)/);
    });

    it("init peers given as a string holding a JSON array also parse; --key value overrides the file", () => {
        const file = config({ bolt_raft_init_peers: JSON.stringify([{ bolt_raft_node_id: 1, ip: "127.0.0.1", bolt_port: 1, bolt_raft_port: 2 }]) });
        const r = runServer(["-c", file, "-d", "run", "--bolt_raft_node_id", "9"], dir);
        assert.match(r.stderr, /no id 9 in initial peers/);
    });

    it("enforces TuGraph's minimum for tick settings", () => {
        const r = runServer(["-c", config({ bolt_raft_tick_interval: 50 }), "-d", "run"], dir);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /bolt_raft_tick_interval must be >= 100/);
    });

    it("refuses -d start (only the foreground mode is simulated)", () => {
        const r = runServer(["-c", config({}), "-d", "start"], dir);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /use -d run/);
    });

    it("graph data without its raftlog directory aborts the start", () => {
        fs.mkdirSync(path.join(dir, "data"), { recursive: true });
        fs.writeFileSync(path.join(dir, "data", "graph.json"), JSON.stringify({ applied: 5, labels: {}, vertices: [], nextId: 0, membership: {} }));
        const r = runServer(["-c", config({ bolt_raft_node_id: 1 }), "-d", "run"], dir);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /raft log missing/);
    });
});
