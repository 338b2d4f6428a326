// Runs a program under Pulumi mocks and records what the engine would be
// asked to register, INCLUDING the options the mocks' newResource does not
// see (dependsOn as registered dependencies, additionalSecretOutputs): the
// MockMonitor's registerResource is wrapped for the duration of the run.
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
    type: string;
    name: string;
    urn: string;
    inputs: Record<string, any>;
    dependencies: string[];          // URNs (dependsOn and input dependencies)
    additionalSecretOutputs: string[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

export async function recordRegistrations(build: () => unknown, opts: { preview?: boolean } = {}): Promise<Registration[]> {
    const regs: Registration[] = [];
    const byName = new Map<string, Registration>();
    const orig = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        const r: Registration = {
            type: req.getType(), name: req.getName(), urn: "", inputs: {},
            dependencies: req.getDependenciesList(), additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        };
        regs.push(r);
        byName.set(`${r.type}::${r.name}`, r);
        return orig.call(this, req, (err: unknown, resp: any) => {
            if (resp) r.urn = resp.getUrn();
            callback(err, resp);
        });
    };
    try {
        await pulumi.runtime.setMocks(
            {
                newResource(args) {
                    const r = byName.get(`${args.type}::${args.name}`);
                    if (r) r.inputs = args.inputs;
                    const state: Record<string, any> = { ...args.inputs };
                    if (args.type.endsWith("RaftMember")) state.initPeers = args.inputs.expectedPeers;
                    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.inputs.name}`;
                    return { id: `${args.name}-id`, state };
                },
                call(args) {
                    return args.inputs;
                },
            },
            "tugraph-ha",
            "test",
            opts.preview ?? false,
        );
        build();
        await new Promise((r) => setTimeout(r, 100));
        for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
        await new Promise((r) => setTimeout(r, 100));
    } finally {
        MockMonitor.prototype.registerResource = orig;
    }
    return regs;
}
