import * as pulumi from "@pulumi/pulumi";

/** The API group and version of KEDA's ScaledObjects. */
export const SCALED_OBJECT_API_VERSION = "keda.sh/v1alpha1";

/** The scheduler route that answers `{"workers": N}`: how many workers Dask wants now. */
export const ADAPTIVE_TARGET_PATH = "/api/v1/adaptive_target";

export interface DaskScaledObjectInput {
    deploymentName: pulumi.Input<string>;
    /** `http://<scheduler service>:<dashboard port>`. */
    schedulerHttpAddress: pulumi.Input<string>;
    minReplicas: pulumi.Input<number>;
    maxReplicas: pulumi.Input<number>;
    pollingIntervalSeconds: pulumi.Input<number>;
    /** The HPA's `behavior`. */
    behavior: Record<string, unknown>;
    /** How long the target must be 0 before the last worker goes (minReplicas 0 only). */
    cooldownSeconds: pulumi.Input<number>;
}

/**
 * A ScaledObject spec whose HPA keeps as many workers as the scheduler's
 * adaptive target: KEDA's metrics-api scaler reads `workers` from the
 * scheduler's JSON, and an average of 1 per worker makes the desired count
 * exactly that number. It is above 0 as soon as any task waits, so KEDA
 * starts the first worker of a cluster scaled to zero.
 */
export function daskScaledObjectSpec(input: DaskScaledObjectInput): Record<string, unknown> {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: input.deploymentName },
        minReplicaCount: input.minReplicas,
        maxReplicaCount: input.maxReplicas,
        pollingInterval: input.pollingIntervalSeconds,
        cooldownPeriod: input.cooldownSeconds,
        advanced: {
            horizontalPodAutoscalerConfig: { behavior: input.behavior },
            // An HPA does nothing for a Deployment at 0 replicas: when a ScaledObject that could
            // scale to zero goes (`metric: cpu` now, or autoscaling off), KEDA puts back the count
            // the workers had before it, so that the next autoscaler starts from there.
            restoreToOriginalReplicaCount: pulumi.output(input.minReplicas).apply((min) => min === 0),
        },
        triggers: [
            {
                type: "metrics-api",
                metricType: "AverageValue",
                metadata: {
                    url: pulumi.interpolate`${input.schedulerHttpAddress}${ADAPTIVE_TARGET_PATH}`,
                    format: "json",
                    valueLocation: "workers",
                    targetValue: "1",
                },
            },
        ],
    };
}

/**
 * The caller's dependsOn plus whatever produced `kedaReady`: an output's
 * resources given to dependsOn become dependencies, so the ScaledObject waits
 * for KEDA's chart without the rest of the cluster waiting too.
 */
export function kedaDependency(
    dependsOn: pulumi.ResourceOptions["dependsOn"],
    kedaReady: pulumi.Input<boolean> | undefined,
): pulumi.ResourceOptions["dependsOn"] {
    if (kedaReady === undefined) {
        return dependsOn;
    }
    const after = pulumi.output(kedaReady).apply((): pulumi.Resource[] => []);
    // The SDK flattens nested lists and outputs in dependsOn.
    return dependsOn === undefined ? after : ([dependsOn, after] as unknown as pulumi.Input<pulumi.Resource>[]);
}
