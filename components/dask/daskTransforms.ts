import * as pulumi from "@pulumi/pulumi";
import { DaskEntrypoints } from "./daskImage";
import { withoutServiceAwait } from "../common/annotations";
import { addRetirement } from "./workerRetirement";
import { PodPlacement, applyPlacement } from "./podPlacement";

/** What the transform changes in the objects the dask chart renders. */
export interface DaskObjectRewrite {
    /** The chart's fullnameOverride: objects are `<fullname>-scheduler` etc. */
    fullname: string;
    /** `subcommand` rewrites `dask-scheduler`/`dask-worker` to `dask scheduler`/`dask worker`. */
    entrypoints: DaskEntrypoints;
    /** Drop `spec.replicas` from the worker Deployment (an autoscaler owns it). */
    omitWorkerReplicas: boolean;
    /** `loadBalancerSourceRanges` per Service; the chart has no value for them. */
    sourceRanges: { scheduler?: string[]; jupyter?: string[] };
    /** Secrets the pods read at start, each with the variable that carries its revision. */
    secretRevisions?: SecretRevision[];
    /** Workers retire through the scheduler before they stop (workerRetirement.ts); undefined: they just stop. */
    retirement?: { schedulerHttpAddress: string; timeoutSeconds: number };
    /** Node selectors, tolerations and annotations per kind of pod (worker groups get the workers'). */
    placement?: { scheduler?: PodPlacement; workers?: PodPlacement; jupyter?: PodPlacement };
}

/**
 * A Secret read into environment variables, which a container reads only
 * when it starts. Every container reading it also gets `env` set to
 * `revision` (secretRevision.ts: it changes with the contents), so its pods
 * restart when the Secret changes. An output: it is kept out of the chart
 * values, which then render in every preview, and only the Deployments
 * reading the Secret wait for it.
 */
export interface SecretRevision {
    secretName: string;
    env: string;
    revision: pulumi.Input<string>;
}

type EnvVar = { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name?: string } } };
type K8sObject = {
    kind?: string;
    metadata?: { name?: string; annotations?: Record<string, string> };
    spec?: Record<string, any>;
};

const SUBCOMMANDS: Record<string, string[]> = {
    "dask-scheduler": ["dask", "scheduler"],
    "dask-worker": ["dask", "worker"],
};

/** Rewrites `dask-scheduler`/`dask-worker` as the first container argument. */
function rewriteEntrypoint(deployment: K8sObject): void {
    for (const container of deployment.spec?.template?.spec?.containers ?? []) {
        const [first, ...rest] = (container.args ?? []) as string[];
        if (first !== undefined && SUBCOMMANDS[first]) {
            container.args = [...SUBCOMMANDS[first], ...rest];
        }
    }
}

/** Adds each Secret's revision variable after the last variable read from it; true when any was added. */
function addSecretRevisions(deployment: K8sObject, revisions: SecretRevision[]): boolean {
    let added = false;
    for (const container of deployment.spec?.template?.spec?.containers ?? []) {
        const env = (container.env ?? []) as EnvVar[];
        for (const { secretName, env: variable, revision } of revisions) {
            const last = env.map((e) => e.valueFrom?.secretKeyRef?.name).lastIndexOf(secretName);
            if (last >= 0) {
                env.splice(last + 1, 0, { name: variable, value: revision });
                added = true;
            }
        }
    }
    return added;
}

/**
 * Returns the rewritten copy of a rendered chart object, or undefined when the
 * object needs no change. Pure, so tests can run it on rendered objects.
 */
export function rewriteDaskObject(object: K8sObject, rewrite: DaskObjectRewrite): K8sObject | undefined {
    const name = object.metadata?.name;
    const scheduler = `${rewrite.fullname}-scheduler`;
    const worker = `${rewrite.fullname}-worker`;
    const jupyter = `${rewrite.fullname}-jupyter`;
    // The chart's additional_worker_groups (reachable through `values`) render
    // `<fullname>-worker-<group>` Deployments that run `dask-worker` too.
    const workerGroup = name?.startsWith(`${worker}-`) ?? false;
    if (object.kind === "Deployment" && (name === scheduler || name === worker || workerGroup)) {
        const copy = structuredClone(object);
        if (rewrite.entrypoints === "subcommand") {
            rewriteEntrypoint(copy);
        }
        if (name === worker && rewrite.omitWorkerReplicas && copy.spec) {
            delete copy.spec.replicas;
        }
        if (name !== scheduler && rewrite.retirement !== undefined) {
            addRetirement(copy, rewrite.retirement.schedulerHttpAddress, rewrite.retirement.timeoutSeconds);
        }
        applyPlacement(copy, name === scheduler ? rewrite.placement?.scheduler : rewrite.placement?.workers);
        addSecretRevisions(copy, rewrite.secretRevisions ?? []);
        return copy;
    }
    if (object.kind === "Deployment") {
        const copy = structuredClone(object);
        const placed = name === jupyter && rewrite.placement?.jupyter !== undefined;
        if (placed) {
            applyPlacement(copy, rewrite.placement!.jupyter);
        }
        return addSecretRevisions(copy, rewrite.secretRevisions ?? []) || placed ? copy : undefined;
    }
    const awaitSkipped = withoutServiceAwait(object);
    if (awaitSkipped !== undefined) {
        return awaitSkipped;
    }
    if (object.kind === "Service") {
        const ranges = name === scheduler ? rewrite.sourceRanges.scheduler : name === jupyter ? rewrite.sourceRanges.jupyter : undefined;
        if (ranges !== undefined) {
            const copy = structuredClone(object);
            copy.spec!.loadBalancerSourceRanges = [...ranges];
            return copy;
        }
    }
    return undefined;
}

/** The Pulumi transform applying {@link rewriteDaskObject} to the chart's children. */
export function daskObjectTransform(rewrite: DaskObjectRewrite): pulumi.ResourceTransform {
    return (args) => {
        const rewritten = rewriteDaskObject(args.props as K8sObject, rewrite);
        return rewritten === undefined ? undefined : { props: rewritten, opts: args.opts };
    };
}
