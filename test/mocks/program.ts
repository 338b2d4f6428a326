// Runs the cluster component under Pulumi mocks and records every resource the
// engine would be asked to register: what `pulumi preview` would show, without
// the CLI. Dynamic resources get the state their provider's create would record
// (the membership at join time), as the engine would keep it in the stack state.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    type: string;
    name: string;
    inputs: any;
    provider?: string;
    custom: boolean;
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

export async function runUnderMocks<T>(build: () => T, opts: MockOptions = {}): Promise<ProgramRun<T>> {
    const registered: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom ?? true });
                const held = opts.state?.(args.type, args.name, args.inputs);
                if (held) return { id: `${args.name}-id`, state: held };
                const state: Record<string, any> = { ...args.inputs };
                if (args.type.endsWith("RaftMember") || (args.inputs && args.inputs.expectedPeers)) {
                    // What RaftMember.create records: the live membership right after the add.
                    state.initPeers = args.inputs.expectedPeers;
                    state.role = args.inputs.role;
                }
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
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    return { registered, result };
}

export function resolve<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => o.apply((v) => { res(v); return v; }));
}
