/**
 * Where secrets may go in the stack config, and the check that keeps every
 * value set with `--secret` secret end to end.
 *
 * Pulumi hands a program the decrypted values; which of them were set with
 * `--secret` is read from the stack file (`secure:` entries). A secret inside an ordinary setting would
 * end up in plaintext in state, outputs and Kubernetes objects, so the only
 * keys that may hold secrets are those the program carries as secrets.
 */
import * as path from "path";
import { parse } from "yaml";

/** Top-level settings whose values are carried as Pulumi secrets (and Kubernetes Secrets). */
export const SECRET_SETTINGS = ["jupyterPassword", "secretEnv"] as const;

/**
 * Where the stack file is: next to Pulumi.yaml, or in the folder its
 * `stackConfigDir` names.
 */
export function stackFileLocation(rootDir: string, stack: string, readFile: (file: string) => string | undefined): string {
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((name) => readFile(path.join(rootDir, name))).find((text) => text !== undefined);
    let dir: unknown;
    try {
        dir = (parse(projectFile ?? "") as { stackConfigDir?: unknown } | null)?.stackConfigDir;
    } catch {
        dir = undefined;
    }
    return path.join(rootDir, typeof dir === "string" ? dir : "", `Pulumi.${stack}.yaml`);
}

/** The values of a stack file, by dotted path (`daskk8s:dask.workers.env.TOKEN`): encrypted (`secure:`) and plain. */
export interface StackFileValues {
    secure: string[];
    plain: string[];
}

/**
 * The leaf values of a stack file's `config:`. Empty when the file is missing
 * or unreadable (the stack's config then comes from elsewhere).
 */
export function stackFileValues(stackFileText: string | undefined): StackFileValues {
    const values: StackFileValues = { secure: [], plain: [] };
    if (stackFileText === undefined) {
        return values;
    }
    let doc: unknown;
    try {
        doc = parse(stackFileText);
    } catch {
        return values;
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config;
    const walk = (node: unknown, at: string): void => {
        if (node === null || typeof node !== "object") {
            values.plain.push(at);
            return;
        }
        const entries = Object.entries(node as Record<string, unknown>);
        if (!Array.isArray(node) && entries.length === 1 && entries[0][0] === "secure") {
            values.secure.push(at);
            return;
        }
        for (const [key, child] of entries) {
            walk(child, Array.isArray(node) ? `${at}[${key}]` : `${at}.${key}`);
        }
    };
    for (const [key, value] of Object.entries(config ?? {})) {
        walk(value, key);
    }
    return values;
}

/**
 * The top-level keys (`daskk8s:dask`) that hold an encrypted value. The SDK
 * has no public way to ask which config values are secret; the stack file's
 * `secure:` entries are Pulumi's documented format. Values a stack takes from
 * elsewhere (ESC environments) are not seen here.
 */
export function secretConfigKeys(values: StackFileValues): string[] {
    return [...new Set(values.secure.map((p) => /^[^.[]+/.exec(p)![0]))];
}

function under(path: string, fullKey: string): boolean {
    return path === fullKey || path.startsWith(`${fullKey}.`) || path.startsWith(`${fullKey}[`);
}

/** Every secret in the wrong place (`misplaced`), and every value of a secret setting the stack file holds in plaintext. */
export function secretProblems(project: string, values: StackFileValues): { misplaced: string[]; plaintext: string[] } {
    const key = (k: string) => `${project}:${k}`;
    const allowed = SECRET_SETTINGS.map(key).join(" and ");
    const isSecretSetting = (path: string) => SECRET_SETTINGS.some((setting) => under(path, key(setting)));
    const misplaced = values.secure
        .filter((p) => p.startsWith(`${project}:`) && !isSecretSetting(p))
        .map((p) => {
            const envMove = /^[^:]+:dask\.(workers|jupyter)\.env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p);
            const hint = envMove
                ? `; for example \`pulumi config rm --path ${p.slice(project.length + 1)}\` and ` +
                  `\`pulumi config set --secret --path secretEnv.${envMove[1]}.${envMove[2]} <value>\``
                : "";
            return (
                `${p} (secret) holds a value set with --secret, which this setting ` +
                `would write in plaintext into state and Kubernetes objects: secrets go in ${allowed} only ` +
                `(secretEnv.workers.<NAME> / secretEnv.jupyter.<NAME> for environment variables)${hint}`
            );
        });
    const plaintext = values.plain
        .filter(isSecretSetting)
        .map((p) =>
            p === key("jupyterPassword")
                ? `${p} is stored in plaintext: set it with \`pulumi config set --secret jupyterPassword\``
                : `${p} is stored in plaintext: set it with \`pulumi config set --secret --path ${p.slice(project.length + 1)} <value>\``,
        );
    return { misplaced, plaintext };
}
