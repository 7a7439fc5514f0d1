import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** A committed stack file's config as Pulumi hands it to the program: every value a string. */
export function stackFileConfig(stack: string): Record<string, string> {
    const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/** A kubeconfig file with the given contexts, for targets that read one. */
export function writeKubeconfig(dir: string, contexts: string[], server = "https://127.0.0.1:6443"): string {
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            `current-context: ${contexts[0]}`,
            `clusters: [{name: c, cluster: {server: '${server}'}}]`,
            "users: [{name: u, user: {token: test-token}}]",
            "contexts:",
            ...contexts.map((c) => `- {name: ${c}, context: {cluster: c, user: u}}`),
            "",
        ].join("\n"),
    );
    return file;
}
