import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { ArgIssue, IssueList, throwIfInvalid } from "../common/validation";
import { group, schemaIssues, wholeNumber } from "../common/settings";

/** The defaults, in one place: the checks, the HPA and the docs read them here. */
export const WORKER_AUTOSCALING_DEFAULTS = {
    minReplicas: 1,
    maxReplicas: 3,
    targetCpuUtilization: 70,
    scaleDown: { stabilizationWindowSeconds: 300, podsPerPeriod: 1, periodSeconds: 60 },
} as const;

/** How fast workers are removed. Dask loses in-memory results of removed workers. */
export interface ScaleDownArgs {
    /** Seconds of consistently lower load before any worker is removed (0 to 3600). @default 300 */
    stabilizationWindowSeconds?: pulumi.Input<number>;
    /** At most this many workers are removed per `periodSeconds`. @default 1 */
    podsPerPeriod?: pulumi.Input<number>;
    /** Length of a scale-down period, in seconds (1 to 1800). @default 60 */
    periodSeconds?: pulumi.Input<number>;
}

/** How the worker count follows the load (DaskCluster's `workers.autoscaling`). */
export interface WorkerAutoscalingArgs {
    /** Fewest workers. @default 1 */
    minReplicas?: pulumi.Input<number>;
    /** Most workers; not below `minReplicas`. @default 3 */
    maxReplicas?: pulumi.Input<number>;
    /**
     * Average CPU use across workers, in percent of their CPU request, that the
     * autoscaler aims for (1 to 100).
     * @default 70
     */
    targetCpuUtilization?: pulumi.Input<number>;
    /** Scale-down pace. */
    scaleDown?: ScaleDownArgs;
}

export interface WorkerAutoscalerArgs extends WorkerAutoscalingArgs {
    /** Namespace of the worker Deployment. */
    namespace: pulumi.Input<string>;
    /** Name of the worker Deployment: pass `DaskCluster.workerDeploymentName`. */
    deploymentName: pulumi.Input<string>;
}

const D = WORKER_AUTOSCALING_DEFAULTS;

/** Type, range, default and description of each autoscaling setting. */
export const workerAutoscalingSettings = z.strictObject({
    minReplicas: wholeNumber({ min: 1 }, { default: D.minReplicas }),
    maxReplicas: wholeNumber({ min: 1 }, { default: D.maxReplicas }),
    targetCpuUtilization: wholeNumber(
        { min: 1, max: 100 },
        {
            default: D.targetCpuUtilization,
        },
    ),
    scaleDown: group({
        stabilizationWindowSeconds: wholeNumber(
            { min: 0, max: 3600 },
            {
                default: D.scaleDown.stabilizationWindowSeconds,
            },
        ),
        podsPerPeriod: wholeNumber({ min: 1 }, { default: D.scaleDown.podsPerPeriod }),
        periodSeconds: wholeNumber({ min: 1, max: 1800 }, { default: D.scaleDown.periodSeconds }),
    }),
});

/** Every problem with autoscaling settings (values known at program time). */
export function validateWorkerAutoscalingArgs(args: WorkerAutoscalingArgs): ArgIssue[] {
    const issues = new IssueList();
    issues.issues.push(...schemaIssues(workerAutoscalingSettings, args));
    if (issues.issues.length === 0) {
        issues.notAbove("minReplicas", args.minReplicas ?? D.minReplicas, "maxReplicas", args.maxReplicas ?? D.maxReplicas);
    }
    return issues.issues;
}

/** Every problem with WorkerAutoscaler args (values known at program time). */
export function validateWorkerAutoscalerArgs(args: WorkerAutoscalerArgs): ArgIssue[] {
    const { namespace: _namespace, deploymentName: _deploymentName, ...autoscaling } = args;
    return validateWorkerAutoscalingArgs(autoscaling);
}

/**
 * A CPU-based `autoscaling/v2` HorizontalPodAutoscaler for the Dask workers,
 * with a slow, rate-limited scale-down. DaskCluster creates one for its
 * workers when `workers.autoscaling` is set (and then leaves their count to
 * it); use this component directly only for other Deployments.
 */
export class WorkerAutoscaler extends pulumi.ComponentResource {
    /** Name of the HorizontalPodAutoscaler. */
    public readonly hpaName: pulumi.Output<string>;

    constructor(name: string, args: WorkerAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("WorkerAutoscaler", name, validateWorkerAutoscalerArgs(args));
        super("daskk8s:index:WorkerAutoscaler", name, {}, opts);

        const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            {
                metadata: { name: args.deploymentName, namespace: args.namespace },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
                    minReplicas: args.minReplicas ?? D.minReplicas,
                    maxReplicas: args.maxReplicas ?? D.maxReplicas,
                    metrics: [
                        {
                            type: "Resource",
                            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.targetCpuUtilization ?? D.targetCpuUtilization } },
                        },
                    ],
                    behavior: {
                        scaleDown: {
                            stabilizationWindowSeconds: args.scaleDown?.stabilizationWindowSeconds ?? D.scaleDown.stabilizationWindowSeconds,
                            selectPolicy: "Min",
                            policies: [
                                {
                                    type: "Pods",
                                    value: args.scaleDown?.podsPerPeriod ?? D.scaleDown.podsPerPeriod,
                                    periodSeconds: args.scaleDown?.periodSeconds ?? D.scaleDown.periodSeconds,
                                },
                            ],
                        },
                    },
                },
                // Children do not inherit a component's dependsOn: pass it on, so the
                // HPA is created only once the metrics server is ready.
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        this.hpaName = hpa.metadata.name;
        this.registerOutputs({ hpaName: this.hpaName });
    }
}
