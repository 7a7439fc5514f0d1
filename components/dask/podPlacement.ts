/**
 * Where the Dask pods run: node labels they require, taints they tolerate,
 * and annotations for the node autoscaler. Applied by the chart transform,
 * so it reaches every worker group the chart renders.
 */
import { z } from "zod";
import { group, wholeNumber } from "../common/settings";

/** How a toleration matches a taint. */
export const TolerationOperator = {
    /** Key and value match. */
    Equal: "Equal",
    /** The key is enough. */
    Exists: "Exists",
} as const;
export type TolerationOperator = (typeof TolerationOperator)[keyof typeof TolerationOperator];

/** What a taint does to pods that do not tolerate it. */
export const TaintEffect = {
    NoSchedule: "NoSchedule",
    PreferNoSchedule: "PreferNoSchedule",
    NoExecute: "NoExecute",
} as const;
export type TaintEffect = (typeof TaintEffect)[keyof typeof TaintEffect];

/** A taint a pod tolerates (Kubernetes `Toleration`). */
export interface Toleration {
    /** Taint key; unset with `operator: Exists` tolerates every taint. */
    key?: string;
    /** `Equal` (key and value match) or `Exists` (the key is enough). @default "Equal" */
    operator?: TolerationOperator;
    /** Taint value, with `operator: Equal`. */
    value?: string;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`; unset tolerates every effect. */
    effect?: TaintEffect;
    /** Seconds a `NoExecute` taint is tolerated before eviction. @default forever */
    tolerationSeconds?: number;
}

/** Node requirements and annotations of one kind of Dask pod. */
export interface PodPlacement {
    /** Node labels the pods require (`nodeSelector`), merged under the chart's own. @default {} */
    nodeSelector?: Record<string, string>;
    /** Taints the pods tolerate, added to the chart's own. @default [] */
    tolerations?: Toleration[];
    /** Pod annotations, such as `karpenter.sh/do-not-disrupt`. @default {} */
    annotations?: Record<string, string>;
}

/** A label or annotation key: an optional DNS prefix and a name of at most 63 characters. */
export const QUALIFIED_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const QUALIFIED_KEY_TEXT = "a label key such as karpenter.sh/capacity-type";
/** A label value: at most 63 characters, alphanumeric at both ends. */
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

const labelKey = z.string().regex(QUALIFIED_KEY, { error: `must be ${QUALIFIED_KEY_TEXT}` });

const toleration = z
    .strictObject({
        key: labelKey.optional(),
        operator: z.enum(["Equal", "Exists"]).optional(),
        value: z.string().regex(LABEL_VALUE, { error: "must be a label value (at most 63 letters, digits, '-', '_' or '.')" }).optional(),
        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
        tolerationSeconds: wholeNumber({ min: 0 }),
    })
    .refine((t) => t.operator !== "Exists" || t.value === undefined, { error: "must not set value with operator Exists" })
    .refine((t) => t.key !== undefined || t.operator === "Exists", { error: "must set key unless operator is Exists" });

/** A `placement` group (one per kind of pod, so each has its own description). */
export const podPlacementSettings = () =>
    group(
        {
            nodeSelector: z
                .record(labelKey, z.string().regex(LABEL_VALUE, { error: "must be a label value (at most 63 letters, digits, '-', '_' or '.')" }))
                .optional()
                .meta({ default: {} }),
            tolerations: z.array(toleration).optional().meta({ default: [] }),
            annotations: z.record(labelKey, z.string()).optional().meta({ default: {} }),
        },
        { default: {} },
    );

/** Placements merged key by key; `over` wins, tolerations add up. */
export function mergePlacement(under: PodPlacement | undefined, over: PodPlacement | undefined): PodPlacement | undefined {
    if (under === undefined || over === undefined) {
        return over ?? under;
    }
    return {
        nodeSelector: { ...under.nodeSelector, ...over.nodeSelector },
        tolerations: [...(under.tolerations ?? []), ...(over.tolerations ?? [])],
        annotations: { ...under.annotations, ...over.annotations },
    };
}

type PodTemplate = { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, any> };

const sameToleration = (a: Toleration, b: Toleration) =>
    a.key === b.key && a.operator === b.operator && a.value === b.value && a.effect === b.effect && a.tolerationSeconds === b.tolerationSeconds;

/**
 * Applies a placement to a rendered Deployment in place. What the chart
 * rendered (the user's `values`) wins over the placement on the same key.
 */
export function applyPlacement(deployment: { spec?: Record<string, any> }, placement: PodPlacement | undefined): void {
    const template = deployment.spec?.template as PodTemplate | undefined;
    if (placement === undefined || template?.spec === undefined) {
        return;
    }
    const pod = template.spec;
    if (Object.keys(placement.nodeSelector ?? {}).length > 0) {
        pod.nodeSelector = { ...placement.nodeSelector, ...pod.nodeSelector };
    }
    const rendered = (pod.tolerations ?? []) as Toleration[];
    const added = (placement.tolerations ?? []).filter((t) => !rendered.some((r) => sameToleration(r, t)));
    if (added.length > 0) {
        pod.tolerations = [...rendered, ...added];
    }
    if (Object.keys(placement.annotations ?? {}).length > 0) {
        template.metadata = { ...template.metadata, annotations: { ...placement.annotations, ...template.metadata?.annotations } };
    }
}
