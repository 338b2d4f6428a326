// tugraph:bootstrap and tugraph:membership: who starts the cluster, and the
// policy and deadlines of membership changes. Pure.

import { z } from "zod";
import { CALL_TIMEOUT_MS, MIN_VOTERS_MAX, SETTLE_MS_MAX, TOTAL_TIMEOUT_MS } from "../nodeRules";
import type { MembershipSettings } from "../types";
import { DEFAULTS, Errors, MEMBERSHIP_KEYS, Warnings, boolSchema, checkKeys, fail, field, intSchema, isPlainObject, k, show, warn } from "./schema";
import { PartialNode, label } from "./nodes";

// ---------- bootstrap and membership ----------

export function parseBootstrap(errors: Errors, warnings: Warnings, value: unknown, nodes: PartialNode[], stack: string | undefined): number[] | undefined {
    const key = k("bootstrap");
    const nodesOk = nodes.every((n) => n.id !== undefined && n.role !== undefined && n.removed !== undefined);
    const idsKnown = nodes.length > 0 && nodes.every((n) => n.id !== undefined); // else an "unknown id" may be a false alarm
    if (value === undefined) {
        // The default (every live voter) is right for the first deployment only.
        // A tombstone proves the cluster has changed since, so the default would
        // name the wrong set: ask for the real one.
        const removed = nodes.filter((n) => n.removed === true);
        if (removed.length > 0) {
            fail(
                errors,
                key,
                `must be given explicitly once nodes are removed, as ${removed.map(label).join(", ")} ${removed.length > 1 ? "are" : "is"}: the default, every live voter, is only right on the first deployment; list the ids that formed the cluster, e.g. [${nodes
                    .filter((n) => n.role === "voter" && n.id !== undefined)
                    .map((n) => n.id)
                    .slice(0, 3)
                    .join(", ")}]`,
            );
            return undefined;
        }
        if (!nodesOk) return undefined;
        const ids = nodes
            .filter((n) => n.role === "voter" && !n.removed)
            .map((n) => n.id!)
            .sort((a, b) => a - b);
        // Without a tombstone nothing shows whether the cluster grew since: say what the default assumes.
        warn(
            warnings,
            key,
            `is not set, so it defaults to every voter (${ids.join(", ")}), which is right only for a first deployment: ` +
                `once the cluster exists, \`pulumi up\` refuses a bootstrap set other than the one that formed it. ` +
                `State it explicitly: \`tugraph:bootstrap: [${ids.join(", ")}]\` in Pulumi.${stack ?? "<stack>"}.yaml, ` +
                `or \`pulumi config set --path 'tugraph:bootstrap[0]' ${ids[0]} -s ${stack ?? "<stack>"}\` and so on for each id (the ids that formed the cluster, not the ones added later)`,
        );
        return ids;
    }
    const ids = field(
        errors,
        key,
        z.array(intSchema(1, Number.MAX_SAFE_INTEGER, "must be a node id (an integer > 0)"), {
            error: (i) => `must be a list of node ids such as [1, 2, 3], got ${show(i.input)}`,
        }),
        value,
    );
    if (ids === undefined) return undefined;
    if (ids.length === 0) {
        fail(errors, key, "is empty: list the ids of the nodes that formed the cluster (omit the key on the first deployment to use every voter)");
        return undefined;
    }
    let ok = true;
    ids.forEach((id, i) => {
        if (ids.indexOf(id) !== i) {
            fail(errors, `${key}[${i}]`, `lists id ${id} twice: list each id once`);
            ok = false;
            return;
        }
        const n = nodes.find((x) => x.id === id);
        if (!n) {
            if (idsKnown) {
                fail(
                    errors,
                    `${key}[${i}]`,
                    `names id ${id}, which no entry of tugraph:nodes has: bootstrap ids must be nodes of the stack (keep removed ones as removed: true entries)`,
                );
                ok = false;
            }
            return;
        }
        if (n.role === "learner") {
            fail(
                errors,
                `${key}[${i}]`,
                `names ${label(n)}, a learner: init peers have no learner flag, so learners always join later (addRaftLearnerNode); drop it from bootstrap or make it a voter`,
            );
            ok = false;
        }
    });
    return ok && nodesOk ? [...ids].sort((a, b) => a - b) : undefined;
}

export function parseMembership(errors: Errors, value: unknown, nodes: PartialNode[]): MembershipSettings | undefined {
    const key = k("membership");
    const m = value ?? {};
    if (!isPlainObject(m)) {
        fail(errors, key, `must be an object {callTimeoutSeconds, totalTimeoutSeconds, settleSeconds, minVoters, allowUnsafeRemoval}, got ${show(m)}`);
        return undefined;
    }
    checkKeys(errors, key, m, MEMBERSHIP_KEYS, {});
    const call = field(
        errors,
        `${key}.callTimeoutSeconds`,
        intSchema(
            1,
            CALL_TIMEOUT_MS.max / 1000,
            `must be an integer number of seconds from 1 to ${CALL_TIMEOUT_MS.max / 1000} (TuGraph's admin calls have no deadline of their own)`,
        ),
        m.callTimeoutSeconds ?? DEFAULTS.callTimeoutSeconds,
    );
    const total = field(
        errors,
        `${key}.totalTimeoutSeconds`,
        intSchema(1, TOTAL_TIMEOUT_MS.max / 1000, `must be an integer number of seconds from 1 to ${TOTAL_TIMEOUT_MS.max / 1000}`),
        m.totalTimeoutSeconds ?? DEFAULTS.totalTimeoutSeconds,
    );
    const settle = field(
        errors,
        `${key}.settleSeconds`,
        intSchema(
            0,
            SETTLE_MS_MAX / 1000,
            `must be an integer number of seconds from 0 to ${SETTLE_MS_MAX / 1000} (how long a member runs after it applied the last membership change ` +
                `before it is stopped for a copy or restarted by a roll: TuGraph drops the writes still queued on its apply thread when it stops)`,
        ),
        m.settleSeconds ?? DEFAULTS.settleSeconds,
    );
    const unsafe = field(errors, `${key}.allowUnsafeRemoval`, boolSchema(""), m.allowUnsafeRemoval ?? false);
    const outage = field(
        errors,
        `${key}.allowWriteOutageForSync`,
        boolSchema(" (true lets the leader be stopped to copy its data when no other member can donate)"),
        m.allowWriteOutageForSync ?? false,
    );
    if (call !== undefined && total !== undefined && total < call) {
        fail(errors, `${key}.totalTimeoutSeconds`, `(${total}) must be at least callTimeoutSeconds (${call}): it bounds all retries of one change; raise it`);
    }
    const voters = nodes.filter((n) => n.role === "voter" && n.removed === false).length;
    // "The cluster" of the default is the one that exists before the removals of this
    // stack: tombstoned voters count, so shrinking 3 voters to 2 is refused by default
    // while replacing a failed voter (remove 3, add 4) is not.
    const votersBefore = nodes.filter((n) => n.role === "voter").length;
    const explicit = m.minVoters !== undefined;
    let minVoters: number | undefined = explicit
        ? field(errors, `${key}.minVoters`, intSchema(1, MIN_VOTERS_MAX, "must be an integer >= 1"), m.minVoters)
        : Math.max(1, Math.min(3, votersBefore));
    if (minVoters !== undefined && unsafe === false && voters > 0 && minVoters > voters) {
        fail(
            errors,
            explicit ? `${key}.minVoters` : key,
            `${explicit ? "is" : "minVoters defaults to"} ${minVoters} but the stack keeps only ${voters} voter(s): ` +
                `removing more voters would go below the minimum; add a voter, lower minVoters, or set allowUnsafeRemoval: true`,
        );
        minVoters = undefined;
    }
    if (
        call === undefined ||
        total === undefined ||
        settle === undefined ||
        unsafe === undefined ||
        outage === undefined ||
        minVoters === undefined ||
        total < call
    )
        return undefined;
    return {
        callTimeoutMs: call * 1000,
        totalTimeoutMs: total * 1000,
        settleMs: settle * 1000,
        minVoters,
        allowUnsafeRemoval: unsafe,
        allowWriteOutageForSync: outage,
    };
}
