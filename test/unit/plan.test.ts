// The plan CLI: the real script as a child process (exit codes, output), and
// runPlan in-process with an in-memory project directory for the details.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Io, parsePlanArgs, runPlan } from "../../components/cli/planCommand";
import fc from "fast-check";
import { SECRET_MASK } from "../../components/cli/planReport";
import { StackFileError, looksLikeCiphertext, projectNameFromText, stackConfigFromText } from "../../components/cli/stackFile";
import { ENCRYPTED } from "../../components/core/config";
import { makeVerifier } from "../../components/adapters/passwordVerifier";

const ROOT = path.join(__dirname, "..", "..");
const BAD_PASSWORD = "Zq9-distinctive-PW!"; // in test/fixtures/bad-stack/Pulumi.bad.yaml
// What Pulumi writes: the passphrase provider's v1:<nonce>:<ciphertext>, and a service/KMS blob.
const b64 = (s: string) => Buffer.from(s).toString("base64");
const CIPHERTEXT = `v1:${b64("twelve-bytes")}:${b64("the encrypted value and its tag")}`;
const KMS_CIPHERTEXT = b64("a KMS or service blob, opaque to us");

function plan(...args: string[]) {
    return planWith({}, ...args);
}

function planWith(env: Record<string, string>, ...args: string[]) {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "components/cli/plan.ts", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60000,
        env: { ...process.env, TUGRAPH_ADMIN_PASSWORD_VERIFIER: "", ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("plan CLI (child process)", function () {
    this.timeout(60000);
    it("--stack dev without a running cluster: the config plan, then plainly from the config alone, exit 2", () => {
        // With the verifier of the dev password: the cluster is asked, and nobody answers.
        const r = planWith({ TUGRAPH_ADMIN_PASSWORD_VERIFIER: makeVerifier("admin", "73@TuGraph") }, "--stack", "dev");
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stdout, /membership steps \(from the config alone: the cluster did not answer\):|membership: no change declared/);
        assert.match(r.stdout, /the cluster did not answer as expected, so this plan is from the config alone: no member answered/);
        assert.ok(!r.stdout.includes("73@TuGraph") && !r.stderr.includes("73@TuGraph"));
    });
    it("--stack dev with no verifier of its password: nothing is asked, the plan says why, exit 2", () => {
        const r = plan("--stack", "dev");
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stdout, /so this plan is from the config alone: no record of the cluster's current admin password .* so the cluster was not asked/);
        assert.match(
            r.stdout,
            /TUGRAPH_ADMIN_PASSWORD_VERIFIER="\$\(pulumi stack output --show-secrets adminPasswordVerifier -s dev\)" npm run plan -- --stack dev/,
        );
        assert.ok(!r.stdout.includes("no member answered"), "no connection was made");
    });
    it("--stack dev --offline: exit 0, three rendered configs, no password, no warning", () => {
        const r = plan("--stack", "dev", "--offline");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "", "the dev stack states its bootstrap and may keep its plain default password");
        for (const id of [1, 2, 3]) {
            assert.match(
                r.stdout,
                new RegExp(
                    `=== node ${id} \\| voter \\| bootstrap \\| host 127\\.0\\.0\\.1 via unix:///var/run/docker\\.sock \\| container tugraph-node-${id} ===`,
                ),
            );
        }
        const configs = r.stdout
            .split("/usr/local/etc/lgraph.json:\n")
            .slice(1)
            .map((chunk) => JSON.parse(chunk.slice(0, chunk.indexOf("\n}\n") + 2)));
        assert.equal(configs.length, 3);
        assert.deepStrictEqual(
            configs.map((c) => [c.bolt_raft_node_id, c.bolt_port, c.bolt_raft_port, c.port]),
            [
                [1, 7687, 8000, 7070],
                [2, 7688, 8001, 7071],
                [3, 7689, 8002, 7072],
            ],
        );
        assert.ok(!r.stdout.includes("73@TuGraph"));
        assert.ok(r.stdout.includes(`password ${SECRET_MASK}`));
    });
    it("the bad stack: exit 1 naming all five problems, password never shown", () => {
        const r = plan("--stack", "bad", "--dir", "test/fixtures/bad-stack");
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        for (const fragment of [
            "tugraph:nodes[1].id 1 is already used", // duplicate id
            "tugraph:nodes[2].ip (node 3) must be an IPv4 literal", // host name
            "tugraph:nodes[3].webPort (node 4) 7070 is already used by the webPort of node 1 (nodes[0])", // two nodes on one port
            "tugraph:enable_ha is an RPC-HA key", // RPC HA
            "tugraph:bolt_raft_tick_interval must be an integer >= 100", // below TuGraph's minimum
        ])
            assert.ok(r.stderr.includes(fragment), `missing "${fragment}" in:\n${r.stderr}`);
        assert.match(r.stderr, /has 5 problem\(s\)/);
        assert.ok(!r.stderr.includes(BAD_PASSWORD) && !r.stdout.includes(BAD_PASSWORD));
    });
    it("missing --stack: exit 2 with usage", () => {
        const r = plan();
        assert.equal(r.code, 2);
        assert.match(r.stderr, /missing --stack <name>/);
        assert.match(r.stderr, /usage: npm run plan -- --stack <name>/);
    });
    it("a stack without a file: exit 2", () => {
        const r = plan("--stack", "nosuchstack");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no stack file .*Pulumi\.nosuchstack\.yaml/);
    });
    it("the prod example's placeholder password is refused with the command that fixes it", () => {
        const r = plan("--stack", "prod");
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /has 1 problem\(s\)/);
        assert.ok(r.stderr.includes("tugraph:adminPassword is a placeholder, not a value encrypted by Pulumi"), r.stderr);
        assert.ok(r.stderr.includes("`pulumi config set --secret tugraph:adminPassword <password> -s prod`"), r.stderr);
    });
});

// ---------- in-process ----------

const PASSWORD = "Pw-unique-8c1f2e!";
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
const stackYaml = (body: string) => `config:\n  tugraph:adminPassword: ${PASSWORD}\n${body}`;
const NODES_1_2_3 = `  tugraph:nodes:
    - {id: 1, ip: 10.0.0.1, dockerHost: ssh://10.0.0.1}
    - {id: 2, ip: 10.0.0.2, dockerHost: ssh://10.0.0.2}
    - {id: 3, ip: 10.0.0.3, dockerHost: ssh://10.0.0.3}
`;

describe("runPlan (in-process)", () => {
    it("marks tombstones as to be removed and joiners as predicted", () => {
        const io = memIo({
            "Pulumi.yaml": PROJECT,
            "Pulumi.s.yaml": stackYaml(`  tugraph:bootstrap: [1, 2, 3]
  tugraph:membership: {minVoters: 2}
  tugraph:nodes:
    - {id: 1, ip: 10.0.0.1, dockerHost: ssh://10.0.0.1}
    - {id: 2, ip: 10.0.0.2, dockerHost: ssh://10.0.0.2}
    - {id: 3, ip: 10.0.0.3, dockerHost: ssh://10.0.0.3, removed: true}
    - {id: 4, ip: 10.0.0.4, dockerHost: ssh://10.0.0.4}
    - {id: 5, ip: 10.0.0.5, dockerHost: ssh://10.0.0.5, role: learner}
`),
        });
        const r = runPlan(["--stack", "s"], io);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /=== node 3 \| voter \| to be removed \|[^\n]*\nto be removed: leaves the raft membership first/);
        assert.match(r.stdout, /=== node 4 \| voter \| joins \|[^\n]*\n[^\n]*\n[^\n]*\njoins with addRaftNode; init peers predicted; recorded at join time/);
        assert.match(r.stdout, /joins with addRaftLearnerNode; init peers predicted; recorded at join time/);
        assert.equal((r.stdout.match(/\/usr\/local\/etc\/lgraph\.json:/g) ?? []).length, 4);
        assert.ok(!r.stdout.includes(PASSWORD));
    });
    it("shows secure values as [secret] and validates them as present", () => {
        const io = memIo({
            "Pulumi.yaml": PROJECT,
            "Pulumi.s.yaml": `config:\n  tugraph:adminPassword:\n    secure: ${CIPHERTEXT}\n  tugraph:tls: {enabled: true, certFile: /c.pem}\n  tugraph:tlsKey:\n    secure: ${KMS_CIPHERTEXT}\n  tugraph:bootstrap: [1, 2, 3]\n${NODES_1_2_3}`,
        });
        const r = runPlan(["--stack=s"], io);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.ok(r.stdout.includes("password [secret] (encrypted)"));
        assert.ok(
            r.stdout.includes(
                "tls: on for the web port only (key [secret] (encrypted), cert /c.pem); Bolt and raft stay plain text (TuGraph has no TLS there)",
            ),
        );
    });
    it("never prints the password, even when it is misplaced into other keys", () => {
        const io = memIo({
            "Pulumi.yaml": PROJECT,
            "Pulumi.s.yaml": stackYaml(`  tugraph:adminPasword: ${PASSWORD}\n  tugraph:web: /x/${PASSWORD}\n${NODES_1_2_3}`),
        });
        const r = runPlan(["--stack", "s"], io);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes("tugraph:adminPasword is not a known key"));
        assert.ok(!r.stderr.includes(PASSWORD), r.stderr);
    });
    it("flags keys set in the project namespace instead of tugraph", () => {
        const io = memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": stackYaml(`${NODES_1_2_3}  tugraph-ha:verbose: 2\n`) });
        const r = runPlan(["--stack", "s"], io);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /tugraph-ha:verbose is in the project namespace, but the program reads tugraph:verbose/);
    });
    it("broken YAML is a config error (exit 1); a missing Pulumi.yaml is a usage error (exit 2)", () => {
        assert.equal(runPlan(["--stack", "s"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": "config: [" })).code, 1);
        const r = runPlan(["--stack", "s"], memIo({ "Pulumi.s.yaml": stackYaml(NODES_1_2_3) }));
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no Pulumi\.yaml/);
    });
    it("prints warnings on stderr and still exits 0: a dev copy grown to 4 nodes with the bootstrap defaulted", () => {
        const r = runPlan(
            ["--stack", "dev2"],
            memIo({
                "Pulumi.yaml": PROJECT,
                "Pulumi.dev2.yaml":
                    `config:\n  tugraph:adminPassword:\n    secure: ${CIPHERTEXT}\n  tugraph:bolt_raft_logstore_gc_interval: 600\n  tugraph:nodes:\n` +
                    [1, 2, 3, 4]
                        .map((id) => `    - {id: ${id}, ip: 127.0.0.1, boltPort: ${7686 + id}, raftPort: ${7999 + id}, webPort: ${7069 + id}}\n`)
                        .join(""),
            }),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /bootstrap: 1, 2, 3, 4/);
        assert.match(r.stderr, /^plan: warning: stack dev2 has 2 warning\(s\):\n/);
        assert.ok(r.stderr.includes("  - tugraph:bolt_raft_logstore_gc_interval is 600 minutes"), r.stderr);
        assert.ok(r.stderr.includes("  - tugraph:bootstrap is not set, so it defaults to every voter (1, 2, 3, 4)"), r.stderr);
        assert.ok(r.stderr.includes("`pulumi config set --path 'tugraph:bootstrap[0]' 1 -s dev2`"), r.stderr);
    });
    it("warns about a plain-text password outside the dev stack, without printing it", () => {
        const r = runPlan(["--stack", "s"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": stackYaml(`  tugraph:bootstrap: [1, 2, 3]\n${NODES_1_2_3}`) }));
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stderr.includes("tugraph:adminPassword is stored as plain text in stack s"), r.stderr);
        assert.ok(r.stderr.includes("`pulumi config set --secret tugraph:adminPassword <password> -s s`"), r.stderr);
        assert.ok(!r.stderr.includes(PASSWORD) && !r.stdout.includes(PASSWORD));
    });
    it("prints warnings after the errors of an invalid stack", () => {
        const r = runPlan(["--stack", "s"], memIo({ "Pulumi.yaml": PROJECT, "Pulumi.s.yaml": stackYaml(`  tugraph:enable_ha: true\n${NODES_1_2_3}`) }));
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /has 1 problem\(s\):\n {2}- tugraph:enable_ha [^\n]*\nplan: warning: stack s has 2 warning\(s\):\n {2}- tugraph:adminPassword [^\n]*\n {2}- tugraph:bootstrap /,
        );
    });
    it("reads the project from --dir", () => {
        const r = runPlan(["--stack", "s", "--dir", "sub"], memIo({ "sub/Pulumi.yaml": PROJECT, "sub/Pulumi.s.yaml": stackYaml(NODES_1_2_3) }));
        assert.equal(r.code, 0, r.stderr);
    });
});

describe("plan arguments and stack files", () => {
    it("parses and refuses arguments", () => {
        assert.deepStrictEqual(parsePlanArgs(["--stack", "dev"]), { stack: "dev", dir: undefined, offline: false });
        assert.deepStrictEqual(parsePlanArgs(["--dir=x", "--stack=prod", "--offline"]), { stack: "prod", dir: "x", offline: true });
        assert.equal(parsePlanArgs(["--stack"]), "--stack needs a value");
        assert.equal(parsePlanArgs(["--stack", "--dir", "x"]), "--stack needs a value");
        assert.match(parsePlanArgs(["--stak", "dev"]) as string, /unknown argument --stak/);
        assert.match(parsePlanArgs(["--stack", "a/b"]) as string, /not a valid stack name/);
        assert.equal(runPlan(["--bogus"], memIo({})).code, 2);
    });
    it("decodes values like Pulumi does: string keys stay strings, structured keys are JSON", () => {
        const sc = stackConfigFromText(
            "config:\n  tugraph:adminPassword: 12345\n  tugraph:adminUser: 007\n  tugraph:verbose: '2'\n  tugraph:nodes: [{id: 1, ip: 10.0.0.1}]\n  other:x: 1\n",
            "p",
        );
        assert.deepStrictEqual(sc.raw, { adminPassword: "12345", adminUser: "007", verbose: 2, nodes: [{ id: 1, ip: "10.0.0.1" }] });
    });
    it("maps secure values to ENCRYPTED", () => {
        const sc = stackConfigFromText(`config:\n  tugraph:adminPassword:\n    secure: ${CIPHERTEXT}\n`, "p");
        assert.equal(sc.raw.adminPassword, ENCRYPTED);
        assert.deepStrictEqual(sc.encryptedKeys, ["adminPassword"]);
        assert.deepStrictEqual(sc.problems, []);
    });
    it("tells Pulumi ciphertext from placeholders", () => {
        for (const v of [
            CIPHERTEXT,
            KMS_CIPHERTEXT,
            "v1:nKzg3Hh6Kl3Rpsy6:mRFnFzj7DHgD9Y7xZ0U5lwr7rKyb3WJiOnM=",
            "AAABAMvFz7Jc0w1HhgAGd9wAqJzkDZLlbjKl9l2XyW6gQn4=",
        ]) {
            assert.ok(looksLikeCiphertext(v), v);
        }
        for (const v of [
            "v1:PLACEHOLDER:replace-with-pulumi-config-set-secret",
            "v1:abc",
            "v1:xyz",
            "REPLACE_ME",
            "CHANGEME",
            "...",
            "v1:BwcHBwcHBwcHBwcH:...",
            `v1:${b64("twelve-bytes")}:${b64("short")}`,
            `v1:${b64("twelve-bytes")}:REPLACEWITHYOURSECRETVALUE==`,
            "73@TuGraph",
            "",
            42,
            null,
            { a: 1 },
        ]) {
            assert.ok(!looksLikeCiphertext(v), String(v));
        }
    });
    it("refuses a placeholder secret with the command for this stack; other keys keep their own message", () => {
        const sc = stackConfigFromText(
            "config:\n  tugraph:tlsCert:\n    secure: v1:PLACEHOLDER:x\n  tugraph:verbose:\n    secure: v1:PLACEHOLDER:x\n",
            "p",
            "Pulumi.qa.yaml",
            "qa",
        );
        assert.deepStrictEqual(
            sc.problems.map((p) => p.key),
            ["tugraph:tlsCert"],
        );
        assert.ok(sc.problems[0].message.includes("`pulumi config set --secret tugraph:tlsCert -s qa < cert.pem`"), sc.problems[0].message);
    });
    it("needs a project name", () => {
        assert.equal(projectNameFromText("name: x\n"), "x");
        assert.throws(() => projectNameFromText("runtime: nodejs\n"), StackFileError);
    });
});

// The plan's output must not depend on the password at all: then it can neither
// leak it nor be mangled by it (a password like 7687, false or lgraph also occurs
// in the rendered config by coincidence, which masking by text replacement mangled).
describe("plan output and secrets", () => {
    const COINCIDENT = ["x", "false", "true", "7687", "8000", "tugraph", "lgraph", "admin", "node", "1", "/", ":", "[secret]", "73@TuGraph"];
    const withPassword = (pw: string, body: string) =>
        memIo({
            "Pulumi.yaml": PROJECT,
            "Pulumi.s.yaml": `config:\n  tugraph:adminPassword: ${JSON.stringify(pw)}\n${body}`,
        });
    const VALID = `  tugraph:bootstrap: [1, 2, 3]\n${NODES_1_2_3}  tugraph:tls: {enabled: true, keyFile: /k.pem, certFile: /c.pem}\n`;
    const INVALID = `  tugraph:enable_ha: true\n  tugraph:adminPasword: oops\n  tugraph:nodes:\n    - {id: 1, ip: 10.0.0.256}\n    - {id: 1, ip: ::1}\n`;
    const reference = {
        valid: runPlan(["--stack", "s"], withPassword("Pw-unique-8c1f2e!", VALID)),
        invalid: runPlan(["--stack", "s"], withPassword("Pw-unique-8c1f2e!", INVALID)),
    };

    it("the reference runs are what they claim: one valid plan, one list of errors", () => {
        assert.equal(reference.valid.code, 0, reference.valid.stderr);
        assert.equal(reference.invalid.code, 1);
        assert.match(reference.invalid.stderr, /tugraph:enable_ha/);
    });
    for (const pw of COINCIDENT) {
        it(`password ${JSON.stringify(pw)}: the same output as any other password, no crash`, () => {
            assert.deepStrictEqual(runPlan(["--stack", "s"], withPassword(pw, VALID)), reference.valid);
            assert.deepStrictEqual(runPlan(["--stack", "s"], withPassword(pw, INVALID)), reference.invalid);
        });
    }
    it("the rendered parts keep text that equals a short password (unix://, tugraph-ha, 7687)", () => {
        const r = runPlan(["--stack", "s"], withPassword("x", `  tugraph:bootstrap: [1]\n  tugraph:nodes: [{id: 1, ip: 127.0.0.1}]\n`));
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes("via unix:///var/run/docker.sock"));
        assert.ok(r.stdout.includes("of project tugraph-ha"));
        assert.ok(r.stdout.includes('"bolt_port": 7687'));
        assert.ok(r.stdout.includes(`password ${SECRET_MASK}`));
    });
    it("property: any password gives the reference output", () => {
        fc.assert(
            fc.property(fc.string({ minLength: 1, maxLength: 20 }), (pw) => {
                // eslint-disable-next-line no-control-regex -- control characters are exactly what YAML does not keep as written
                fc.pre(pw.trim() === pw && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(pw));
                assert.deepStrictEqual(runPlan(["--stack", "s"], withPassword(pw, VALID)), reference.valid);
                assert.deepStrictEqual(runPlan(["--stack", "s"], withPassword(pw, INVALID)), reference.invalid);
            }),
            { numRuns: 150 },
        );
    });
});
