import * as pulumi from "@pulumi/pulumi";

/** Resource options of the membership resources: the admin password they keep is a secret in state. */
export function withSecretPassword(opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "adminPassword"] };
}
