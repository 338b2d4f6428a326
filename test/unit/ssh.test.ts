// ssh:// docker hosts: tugraph:sshOptions (one argv item each, refused with the fix when a flag
// and its value are glued together) and the ssh command line both transports run.
import { strict as assert } from "node:assert";
import { parseClusterConfig, formatConfigErrors } from "../../components/core/config";
import { sshCommand } from "../../components/adapters/dockerEngine";

const nodes = [1, 2, 3].map((id) => ({ id, ip: `172.20.10.5${id}`, dockerHost: `ssh://root@172.20.10.5${id}` }));
const parse = (sshOptions?: unknown) =>
    parseClusterConfig({ adminPassword: "Pw#distinctive-4711", nodes, ...(sshOptions === undefined ? {} : { sshOptions }) });

describe("tugraph:sshOptions", () => {
    it("defaults to none and keeps the given items in order", () => {
        const none = parse();
        assert.ok(none.ok);
        assert.deepEqual(none.config.sshOptions, []);
        const some = parse(["-F", "/home/me/.ssh/tugraph_config", "-o ConnectTimeout=5"]);
        assert.ok(some.ok, some.ok ? "" : formatConfigErrors(some.errors));
        assert.deepEqual(some.config.sshOptions, ["-F", "/home/me/.ssh/tugraph_config", "-o ConnectTimeout=5"]);
    });

    for (const [value, fragment] of [
        ["-F /home/me/cfg", 'give them as two items, e.g. ["-F", "/path/to/ssh_config"]'],
        [[""], "items must not be empty"],
        [[3], "items must be strings"],
        [["-o", "a\nb"], "must not contain a newline"],
    ] as const) {
        it(`refuses ${JSON.stringify(value)} naming the key and the fix`, () => {
            const r = parse(Array.isArray(value) ? value : [value]);
            assert.equal(r.ok, false);
            const errors = (r as { errors: { key: string; message: string }[] }).errors;
            assert.equal(errors.length, 1, formatConfigErrors(errors));
            assert.match(errors[0].key, /^tugraph:sshOptions/);
            assert.ok(errors[0].message.includes(fragment), errors[0].message);
        });
    }
    it("refuses a value that is not a list", () => {
        const r = parse("-F cfg");
        assert.equal(r.ok, false);
        assert.match((r as { errors: { message: string }[] }).errors[0].message, /must be a list of ssh client arguments/);
    });
});

describe("sshCommand: the ssh command line of an ssh:// engine", () => {
    it("puts the user's options first, then the docker CLI's defaults, user, port and the remote dial-stdio", () => {
        assert.deepEqual(sshCommand("ssh://deploy@10.0.0.5:2222", ["-F", "/cfg"]), [
            "-F",
            "/cfg",
            "-o",
            "ConnectTimeout=30",
            "-o",
            "BatchMode=yes",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-T",
            "-l",
            "deploy",
            "-p",
            "2222",
            "--",
            "10.0.0.5",
            "docker",
            "system",
            "dial-stdio",
        ]);
    });
    it("leaves user and port to the ssh config when the address has none, and keeps the user's own timeouts", () => {
        const args = sshCommand("ssh://10.0.0.5", ["-o", "ConnectTimeout=3", "-o", "ServerAliveInterval=1"]);
        assert.deepEqual(args.slice(0, 6), ["-o", "ConnectTimeout=3", "-o", "ServerAliveInterval=1", "-o", "BatchMode=yes"]);
        assert.ok(!args.includes("-l") && !args.includes("-p"), args.join(" "));
        assert.equal(args.filter((a) => /ConnectTimeout|ServerAlive/.test(a)).length, 2);
    });
});
