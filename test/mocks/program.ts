// Runs a program under Pulumi mocks and records every resource the engine would
// be asked to register, in registration order: what `pulumi preview` would show,
// without the CLI. Besides what the mocks' newResource sees, each record keeps
// the options the engine gets (dependencies from dependsOn and from inputs,
// additionalSecretOutputs), read by wrapping the MockMonitor for the run.
// Resources get their inputs as state (RaftMember's init peers are an input
// pinned at creation, so that is what its create records too).
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    type: string;
    name: string;
    urn: string;
    inputs: any;
    provider?: string;
    custom: boolean;
    dependencies: string[]; // URNs (dependsOn and input dependencies)
    additionalSecretOutputs: string[];
}

export interface ProgramRun<T> {
    registered: Registered[];
    result: T;
}

export const PASSWORD = "s3cret-Pa55-for-tests";

export interface MockOptions {
    preview?: boolean;
    stack?: string;
    /** State the engine holds for a resource (e.g. what a real provider create returned); undefined: the default. */
    state?: (type: string, name: string, inputs: any) => Record<string, any> | undefined;
}

const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

export async function runUnderMocks<T>(build: () => T, opts: MockOptions = {}): Promise<ProgramRun<T>> {
    const registered: Registered[] = [];
    const byName = new Map<string, Registered>();
    const register = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        const r: Registered = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            inputs: {},
            custom: req.getCustom(),
            dependencies: req.getDependenciesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        };
        registered.push(r);
        byName.set(`${r.type}::${r.name}`, r);
        return register.call(this, req, (err: unknown, resp: any) => {
            if (resp) r.urn = resp.getUrn();
            callback(err, resp);
        });
    };
    try {
        await pulumi.runtime.setMocks(
            {
                newResource(args) {
                    const r = byName.get(`${args.type}::${args.name}`);
                    if (r) {
                        r.inputs = args.inputs;
                        r.provider = args.provider;
                    }
                    const held = opts.state?.(args.type, args.name, args.inputs);
                    if (held) return { id: `${args.name}-id`, state: held };
                    // Dynamic resources (RaftMember: initPeers and role are inputs) record their inputs.
                    const state: Record<string, any> = { ...args.inputs };
                    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.inputs.name}`;
                    return { id: `${args.name}-id`, state };
                },
                call(args) {
                    return args.inputs;
                },
            },
            "tugraph-ha",
            opts.stack ?? "test",
            opts.preview ?? false,
        );
        const result = build();
        // Let every registration and apply settle.
        await new Promise((r) => setTimeout(r, 100));
        for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
        await new Promise((r) => setTimeout(r, 100));
        return { registered, result };
    } finally {
        MockMonitor.prototype.registerResource = register;
    }
}

/** The registrations only (for tests that do not need the program's result). */
export async function recordRegistrations(build: () => unknown, opts: MockOptions = {}): Promise<Registered[]> {
    return (await runUnderMocks(build, opts)).registered;
}

export function resolve<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((res) =>
        o.apply((v) => {
            res(v);
            return v;
        }),
    );
}
