// The step-order driver's Docker half: carries out docker.Container steps on a
// real engine the way the docker provider does (create with the declared fields
// and the uploaded config, then start; delete = stop with the declared timeout,
// then remove, volumes kept). A test adapter, not product code.
import { stateOnlyRealizer, type Realizer } from "../engine/deployment";
import { applyContainer, removeContainers, waitHealthy } from "./dockerApply";
import { dockerOk } from "../docker/engine";

export interface DockerRealizerOptions {
    /** The image to run; absent: the declared one (the driver's image id is `sha256:<name>` of the stack's image). */
    image?: string;
    host?: string;
    /** The engine of one container (several engines standing for hosts); default `host`. */
    hostOf?: (inputs: Record<string, any>) => string | undefined;
    /** Runs before a container is created (e.g. the offline data copy a joiner needs). */
    beforeCreate?: (inputs: Record<string, any>) => Promise<void>;
    /** The provider's `wait`: for a container that declares `wait: true`, block until healthy, at most this long. */
    waitHealthyMs?: number;
}

export function dockerContainers(o: DockerRealizerOptions): Realizer {
    const base = stateOnlyRealizer({}, ["restart", "mustRun"]);
    return {
        ...base,
        async create(r, preview) {
            if (preview) return base.create(r, preview);
            await o.beforeCreate?.(r.inputs);
            const host = o.hostOf?.(r.inputs) ?? o.host;
            const image = o.image ?? String(r.inputs.image).replace(/^sha256:/, "");
            const made = await applyContainer(r.inputs, { image, host });
            // As the Docker plugin: the health wait only when the container declares `wait`
            // (the product's do not: NodeReady asks the node itself).
            if (o.waitHealthyMs && r.inputs.wait === true) await waitHealthy(made.name, o.waitHealthyMs, host);
            return { id: made.id, outputs: { ...r.inputs, id: made.id } };
        },
        async delete(r) {
            const name = String(r.inputs.name);
            const host = o.hostOf?.(r.inputs) ?? o.host;
            await dockerOk(["stop", "-t", String(r.inputs.stopTimeout ?? 30), name], { host }).catch(() => undefined);
            await removeContainers([name], host);
        },
    };
}
