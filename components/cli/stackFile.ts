// Pulumi.yaml / Pulumi.<stack>.yaml text -> the raw `tugraph:*` config the
// program would see, without the Pulumi CLI. Pure: text in, data out.
//
// Values are first turned into what pulumi.runtime.allConfig() would hand the
// program (strings; structured values as JSON text) and then decoded by the
// program's own rawFromPulumiConfig, so plan and `pulumi up` agree exactly.

import { parse as parseYaml } from "yaml";
import { ConfigError, ENCRYPTED, NAMESPACE, SECRET_KEYS, TOP_LEVEL_KEYS, rawFromPulumiConfig, setSecretCommand } from "../core/config";

// A problem with the files themselves (not with the cluster they describe).
export class StackFileError extends Error {}

export interface StackConfig {
    readonly raw: Record<string, unknown>; // input of parseClusterConfig
    readonly encryptedKeys: readonly string[]; // keys given as `secure:` (present, not decryptable here)
    readonly problems: readonly ConfigError[]; // file-level problems, reported with the config errors
}

function parseYamlText(text: string, file: string, failsafe = false): unknown {
    try {
        // failsafe: every scalar stays the text written (Pulumi keeps 007 as "007")
        return failsafe ? parseYaml(text, { schema: "failsafe" }) : parseYaml(text);
    } catch (e) {
        throw new StackFileError(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
}

export function projectNameFromText(text: string, file = "Pulumi.yaml"): string {
    const doc = parseYamlText(text, file) as { name?: unknown } | null;
    if (!doc || typeof doc !== "object" || typeof doc.name !== "string" || doc.name === "") {
        throw new StackFileError(`${file} has no project name (a top-level \`name:\` key)`);
    }
    return doc.name;
}

const isSecure = (v: unknown): v is { secure: unknown } =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

// Whether a `secure:` value can be something Pulumi wrote. The passphrase provider
// writes v1:<base64 12-byte nonce>:<base64 AES-GCM ciphertext, 16-byte tag at least>;
// the service and the cloud KMS providers write one base64 blob. A placeholder
// (v1:PLACEHOLDER:..., REPLACE_ME, ...) is neither, and would only fail later in
// \`pulumi up\` (cannot decrypt) while plan reported the stack as valid.
const isBase64 = (s: string, minLength: number) => s.length >= minLength && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s);
export function looksLikeCiphertext(v: unknown): boolean {
    if (typeof v !== "string" || /placeholder|replace|changeme|\.\.\./i.test(v)) return false;
    const parts = v.split(":");
    return parts[0] === "v1" ? parts.length === 3 && isBase64(parts[1], 16) && isBase64(parts[2], 24) : parts.length === 1 && isBase64(v, 24);
}

// What `pulumi config` hands the program for a plain YAML value: a scalar as
// the text written, an object or list as JSON (with YAML's types).
function asPulumiString(typed: unknown, text: unknown): string {
    if (typed !== null && typeof typed === "object") return JSON.stringify(typed);
    if (typeof text === "string") return text;
    return typed === null || typed === undefined ? "" : String(typed);
}

export function stackConfigFromText(text: string, project: string, file = "Pulumi.<stack>.yaml", stack?: string): StackConfig {
    const doc = parseYamlText(text, file) as { config?: unknown } | null;
    const config = doc && typeof doc === "object" ? doc.config : undefined;
    if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
        throw new StackFileError(`${file}: \`config:\` must be a map of "namespace:key" entries`);
    }
    const entries = Object.entries((config ?? {}) as Record<string, unknown>);
    const texts = (parseYamlText(text, file, true) as { config?: Record<string, unknown> } | null)?.config ?? {};
    const strings: Record<string, string> = {};
    const encrypted: string[] = [];
    const problems: ConfigError[] = [];
    for (const [fullKey, value] of entries) {
        const [ns, key] = [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)];
        if (ns !== NAMESPACE) {
            // `pulumi config set nodes ...` without a namespace lands in the project's one.
            if (ns === project && TOP_LEVEL_KEYS.includes(key)) {
                problems.push({
                    key: fullKey,
                    message: `${fullKey} is in the project namespace, but the program reads ${NAMESPACE}:${key}: rename the key (pulumi config set ${NAMESPACE}:${key} ...)`,
                });
            }
            continue;
        }
        if (isSecure(value)) {
            encrypted.push(key);
            const secretKey = (SECRET_KEYS as readonly string[]).includes(key) ? (key as (typeof SECRET_KEYS)[number]) : undefined;
            if (secretKey && !looksLikeCiphertext(value.secure)) {
                problems.push({
                    key: fullKey,
                    message:
                        `${fullKey} is a placeholder, not a value encrypted by Pulumi (\`pulumi up\` could not decrypt it): ` +
                        `encrypt the real value with \`${setSecretCommand(secretKey, stack)}\`, which replaces the secure: entry`,
                });
            }
            continue;
        }
        const s = asPulumiString(value, texts[fullKey]);
        strings[fullKey] = s;
    }
    const raw = rawFromPulumiConfig(strings);
    for (const key of encrypted) raw[key] = ENCRYPTED;
    return { raw, encryptedKeys: encrypted, problems };
}
