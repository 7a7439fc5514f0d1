/**
 * Where secrets may go in the stack config, and the check that keeps every
 * value set with `--secret` secret end to end.
 *
 * Pulumi tells a program only which top-level keys hold a secret somewhere
 * (`daskk8s:dask` when `dask.workers.env.TOKEN` was set with `--secret`), and
 * hands over the decrypted values. A secret inside an ordinary setting would
 * end up in plaintext in state, outputs and Kubernetes objects, so the only
 * keys that may hold secrets are those the program carries as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

/** Top-level settings whose values are carried as Pulumi secrets (and Kubernetes Secrets). */
export const SECRET_SETTINGS = ["jupyterPassword", "secretEnv"] as const;

/**
 * The keys (of `keys`) Pulumi reports as holding a secret. The SDK's runtime
 * exports `isConfigSecret` without declaring it; should a release drop it,
 * the program stops here rather than treat secrets as plain values.
 */
export function secretConfigKeys(keys: string[]): string[] {
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (typeof isConfigSecret !== "function") {
        throw new pulumi.RunError("This @pulumi/pulumi release does not tell which config values are secret " +
            "(pulumi.runtime.isConfigSecret is gone), so the program cannot keep them secret: pin @pulumi/pulumi to the version in package-lock.json");
    }
    return keys.filter((key) => isConfigSecret(key));
}

/**
 * Dotted paths (`daskk8s:dask.workers.env.TOKEN`) of the values a stack file
 * stores encrypted (`secure:`). Empty when the file cannot be read: the paths
 * only sharpen messages; the rules work on the secret keys alone.
 */
export function secureValuePaths(stackFileText: string | undefined): string[] {
    if (stackFileText === undefined) {
        return [];
    }
    let doc: unknown;
    try {
        doc = parse(stackFileText);
    } catch {
        return [];
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config;
    const paths: string[] = [];
    const walk = (node: unknown, at: string): void => {
        if (node === null || typeof node !== "object") {
            return;
        }
        const entries = Object.entries(node as Record<string, unknown>);
        if (!Array.isArray(node) && entries.length === 1 && entries[0][0] === "secure") {
            paths.push(at);
            return;
        }
        for (const [key, child] of entries) {
            walk(child, Array.isArray(node) ? `${at}[${key}]` : `${at}.${key}`);
        }
    };
    for (const [key, value] of Object.entries(config ?? {})) {
        walk(value, key);
    }
    return paths;
}

/** Leaf paths under `key` of a parsed value (`key.workers.TOKEN`). */
function leafPaths(value: unknown, key: string): string[] {
    if (value === null || typeof value !== "object") {
        return [key];
    }
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        leafPaths(v, Array.isArray(value) ? `${key}[${k}]` : `${key}.${k}`));
}

export interface SecretInput {
    project: string;
    /** The project's settings, parsed (`dask` → object). */
    input: Record<string, unknown>;
    /** Full top-level keys Pulumi reports as holding a secret. */
    secretKeys: string[];
    /** Paths of `secure:` values in the stack file, if it could be read. */
    securePaths: string[];
}

/** Every secret in the wrong place (`misplaced`), and every value of a secret setting stored in plaintext. */
export function secretProblems({ project, input, secretKeys, securePaths }: SecretInput): { misplaced: string[]; plaintext: string[] } {
    const misplaced: string[] = [];
    const problems: string[] = [];
    const key = (k: string) => `${project}:${k}`;
    const allowed = SECRET_SETTINGS.map(key).join(" and ");
    for (const fullKey of secretKeys) {
        if (!fullKey.startsWith(`${project}:`)) {
            continue; // aws:* and others belong to their providers, which keep them secret
        }
        const setting = fullKey.slice(project.length + 1);
        if ((SECRET_SETTINGS as readonly string[]).includes(setting)) {
            continue;
        }
        const where = securePaths.filter((p) => p === fullKey || p.startsWith(`${fullKey}.`) || p.startsWith(`${fullKey}[`));
        const envMove = where.map((p) => /^[^:]+:dask\.(workers|jupyter)\.env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p)).find(Boolean);
        const hint = envMove
            ? `; for example \`pulumi config rm --path ${envMove[0].slice(project.length + 1)}\` and ` +
              `\`pulumi config set --secret --path secretEnv.${envMove[1]}.${envMove[2]} <value>\``
            : "";
        misplaced.push(`${where.length > 0 ? where.join(", ") : fullKey} (secret) holds a value set with --secret, which this setting ` +
            `would write in plaintext into state and Kubernetes objects: secrets go in ${allowed} only ` +
            `(secretEnv.workers.<NAME> / secretEnv.jupyter.<NAME> for environment variables)${hint}`);
    }
    for (const setting of SECRET_SETTINGS) {
        // Nothing to keep secret in `secretEnv: {}`.
        if (input[setting] === undefined || leafPaths(input[setting], setting).length === 0) {
            continue;
        }
        const fullKey = key(setting);
        if (!secretKeys.includes(fullKey)) {
            problems.push(`${fullKey} is stored in plaintext: set ${setting === "jupyterPassword" ? "it" : "each value"} with ` +
                `\`pulumi config set --secret${setting === "jupyterPassword" ? " jupyterPassword" : " --path secretEnv.<workers|jupyter>.<NAME>"}\``);
            continue;
        }
        // Pulumi marks the whole key when any value in it is secret: the stack
        // file tells which values are not.
        if (securePaths.some((p) => p === fullKey || p.startsWith(`${fullKey}.`))) {
            const plain = leafPaths(input[setting], fullKey).filter((p) => !securePaths.includes(p));
            for (const p of plain) {
                problems.push(`${p} is stored in plaintext: set it with \`pulumi config set --secret --path ${p.slice(project.length + 1)} <value>\``);
            }
        }
    }
    return { misplaced, plaintext: problems };
}
