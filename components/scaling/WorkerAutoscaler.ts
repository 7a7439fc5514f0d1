import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgIssue, IssueList, throwIfInvalid } from "../common/validation";

/** How fast workers are removed. Dask loses in-memory results of removed workers. */
export interface ScaleDownArgs {
    /** Seconds of consistently lower load before any worker is removed. @default 300 */
    stabilizationWindowSeconds?: pulumi.Input<number>;
    /** At most this many workers are removed per `periodSeconds`. @default 1 */
    podsPerPeriod?: pulumi.Input<number>;
    /** Length of a scale-down period, in seconds (1 to 1800). @default 60 */
    periodSeconds?: pulumi.Input<number>;
}

export interface WorkerAutoscalerArgs {
    /** Namespace of the worker Deployment. */
    namespace: pulumi.Input<string>;
    /** Name of the worker Deployment: pass `DaskCluster.workerDeploymentName`. */
    deploymentName: pulumi.Input<string>;
    /** Fewest workers. @default 1 */
    minReplicas?: pulumi.Input<number>;
    /** Most workers. @default 3 */
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

/** Every problem with WorkerAutoscaler args (values known at program time). */
export function validateWorkerAutoscalerArgs(args: WorkerAutoscalerArgs): ArgIssue[] {
    const issues = new IssueList();
    issues.wholeNumber("minReplicas", args.minReplicas, 1);
    issues.wholeNumber("maxReplicas", args.maxReplicas, 1);
    issues.notAbove("minReplicas", args.minReplicas ?? 1, "maxReplicas", args.maxReplicas ?? 3);
    issues.wholeNumber("targetCpuUtilization", args.targetCpuUtilization, 1, 100);
    issues.wholeNumber("scaleDown.stabilizationWindowSeconds", args.scaleDown?.stabilizationWindowSeconds, 0, 3600);
    issues.wholeNumber("scaleDown.podsPerPeriod", args.scaleDown?.podsPerPeriod, 1);
    issues.wholeNumber("scaleDown.periodSeconds", args.scaleDown?.periodSeconds, 1, 1800);
    return issues.issues;
}

/**
 * A CPU-based `autoscaling/v2` HorizontalPodAutoscaler for the Dask workers,
 * with a slow, rate-limited scale-down. Order it after the metrics server
 * (`dependsOn`), and deploy the DaskCluster with `workers.autoscaled: true`.
 */
export class WorkerAutoscaler extends pulumi.ComponentResource {
    /** Name of the HorizontalPodAutoscaler. */
    public readonly hpaName: pulumi.Output<string>;

    constructor(name: string, args: WorkerAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("WorkerAutoscaler", name, validateWorkerAutoscalerArgs(args));
        super("daskk8s:index:WorkerAutoscaler", name, {}, opts);

        const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: { name: args.deploymentName, namespace: args.namespace },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
                minReplicas: args.minReplicas ?? 1,
                maxReplicas: args.maxReplicas ?? 3,
                metrics: [{
                    type: "Resource",
                    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.targetCpuUtilization ?? 70 } },
                }],
                behavior: {
                    scaleDown: {
                        stabilizationWindowSeconds: args.scaleDown?.stabilizationWindowSeconds ?? 300,
                        selectPolicy: "Min",
                        policies: [{ type: "Pods", value: args.scaleDown?.podsPerPeriod ?? 1, periodSeconds: args.scaleDown?.periodSeconds ?? 60 }],
                    },
                },
            },
        // Children do not inherit a component's dependsOn: pass it on, so the
        // HPA is created only once the metrics server is ready.
        }, { parent: this, dependsOn: opts?.dependsOn });

        this.hpaName = hpa.metadata.name;
        this.registerOutputs({ hpaName: this.hpaName });
    }
}
