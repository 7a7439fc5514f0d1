import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { parse } from "yaml";
import { ArgIssue, IssueList, throwIfInvalid } from "../common/validation";
import { z } from "zod";
import { anyText, schemaIssues } from "../common/settings";
import { AdoptionArgs, adoptExistingSetting, adoptionTransforms, patchForce } from "./adoption";

export interface KubeconfigTargetArgs extends AdoptionArgs {
    /**
     * Kubeconfig file. Read when the program runs; its content is kept only as
     * a Pulumi secret.
     * @default the first file in $KUBECONFIG, else ~/.kube/config
     */
    kubeconfigPath?: string;
    /** Context to use, e.g. `minikube`. @default the file's current-context */
    context?: string;
}

/** Every KubeconfigTarget argument. */
export const kubeconfigTargetSettings = z.strictObject({
    kubeconfigPath: anyText({
        defaultText: "the first file in `$KUBECONFIG`, else `~/.kube/config`",
    }),
    context: anyText({
        defaultText: "the file's current-context (`minikube` for target `minikube`)",
    }),
    adoptExisting: adoptExistingSetting,
});

/** The kubeconfig file the args point at. */
export function kubeconfigFile(args: KubeconfigTargetArgs, env: NodeJS.ProcessEnv = process.env): string {
    if (args.kubeconfigPath !== undefined) {
        return args.kubeconfigPath;
    }
    const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p.length > 0);
    return fromEnv ?? path.join(os.homedir(), ".kube", "config");
}

interface KubeconfigView {
    file: string;
    content?: string;
    contexts: string[];
    currentContext?: string;
}

function readKubeconfig(file: string): { view: KubeconfigView; problem?: string } {
    if (!fs.existsSync(file)) {
        return { view: { file, contexts: [] }, problem: "does not exist" };
    }
    try {
        const content = fs.readFileSync(file, "utf8");
        const doc = parse(content) ?? {};
        const contexts = Array.isArray(doc.contexts) ? doc.contexts.map((c: { name?: string }) => c?.name).filter(Boolean) : [];
        return { view: { file, content, contexts, currentContext: doc["current-context"] || undefined } };
    } catch (err) {
        return { view: { file, contexts: [] }, problem: `is not a readable kubeconfig (${(err as Error).message.split("\n")[0]})` };
    }
}

/** Reads the kubeconfig once: its problems, its content and the context to use. */
function inspectKubeconfig(args: KubeconfigTargetArgs, env: NodeJS.ProcessEnv): { issues: ArgIssue[]; view: KubeconfigView; context?: string } {
    const issues = new IssueList();
    issues.issues.push(...schemaIssues(kubeconfigTargetSettings, args));
    if (issues.issues.length > 0) {
        return { issues: issues.issues, view: { file: "", contexts: [] } };
    }
    const file = kubeconfigFile(args, env);
    const { view, problem } = readKubeconfig(file);
    if (problem !== undefined) {
        issues.add("kubeconfigPath", file, `${problem}: point kubeconfigPath (or $KUBECONFIG) at a kubeconfig file`);
        return { issues: issues.issues, view };
    }
    const context = args.context ?? view.currentContext;
    const available = view.contexts.length > 0 ? view.contexts.join(", ") : "none";
    if (context === undefined) {
        issues.add("context", context, `must name a context: ${file} has no current-context (contexts: ${available})`);
    } else if (!view.contexts.includes(context)) {
        const hint = context === "minikube" ? "; start it with `minikube start`" : "";
        issues.add("context", context, `must be a context in ${file} (contexts: ${available})${hint}`);
    }
    return { issues: issues.issues, view, context };
}

/** The kubeconfig content and context the args select; throws on args that fail validation. */
export function selectedKubeconfig(args: KubeconfigTargetArgs, env: NodeJS.ProcessEnv = process.env): { content: string; context: string } {
    const { issues, view, context } = inspectKubeconfig(args, env);
    throwIfInvalid("KubeconfigTarget", "kubeconfig", issues);
    return { content: view.content!, context: context! };
}

/** Every problem with the args, checked against the kubeconfig file itself. */
export function validateKubeconfigTargetArgs(args: KubeconfigTargetArgs, env: NodeJS.ProcessEnv = process.env): ArgIssue[] {
    return inspectKubeconfig(args, env).issues;
}

// The provider is kept outside the class's properties: Pulumi's schema
// inference (@pulumi/pulumi 3.276) writes a provider-typed output as a broken
// reference, which fails `pulumi package get-schema`. Other languages build
// their provider from the `kubeconfig` and `context` outputs instead.
const providers = new WeakMap<KubeconfigTarget, k8s.Provider>();
const adoptions = new WeakMap<KubeconfigTarget, pulumi.ResourceTransform[]>();

/**
 * An existing cluster (minikube, kind, any kubeconfig context) as a
 * Kubernetes provider. A missing file or context fails at once with the list
 * of contexts, rather than hanging on a connection.
 */
export class KubeconfigTarget extends pulumi.ComponentResource {
    /** The kubeconfig content (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The context in use. */
    public readonly context: pulumi.Output<string>;

    constructor(name: string, args: KubeconfigTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        // One read: what is checked is what the provider gets.
        const { issues, view, context } = inspectKubeconfig(args, process.env);
        throwIfInvalid("KubeconfigTarget", name, issues);
        super("daskk8s:index:KubeconfigTarget", name, {}, opts);

        this.kubeconfig = pulumi.secret(view.content!);
        this.context = pulumi.output(context!);
        adoptions.set(this, adoptionTransforms(args));
        providers.set(
            this,
            new k8s.Provider(
                `${name}-provider`,
                {
                    kubeconfig: this.kubeconfig,
                    context: context!,
                    ...patchForce(args),
                },
                { parent: this },
            ),
        );
        this.registerOutputs({ kubeconfig: this.kubeconfig, context: this.context });
    }

    /** Provider for every Kubernetes resource on this cluster (TypeScript only). */
    public get provider(): k8s.Provider {
        return providers.get(this)!;
    }

    /**
     * Transforms for what is deployed on this cluster: pass them with the
     * provider (`{ providers: [t.provider], transforms: t.transforms }`).
     * Empty unless `adoptExisting` is set (TypeScript only).
     */
    public get transforms(): pulumi.ResourceTransform[] {
        return adoptions.get(this) ?? [];
    }
}
