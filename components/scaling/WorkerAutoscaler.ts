import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { z } from "zod";
import { ArgIssue, IssueList, SET, known, throwIfInvalid } from "../common/validation";
import { group, oneOf, schemaIssues, wholeNumber } from "../common/settings";
import { SCALED_OBJECT_API_VERSION, daskScaledObjectSpec, kedaDependency } from "./scaledObject";

/** What the autoscaler scales on. */
export const AutoscalingMetric = {
    /** The Dask scheduler's adaptive target (`/api/v1/adaptive_target`), read by KEDA. */
    Dask: "dask",
    /** Average CPU use across workers (an HPA reading the metrics server). */
    Cpu: "cpu",
} as const;
export type AutoscalingMetric = (typeof AutoscalingMetric)[keyof typeof AutoscalingMetric];

/** The defaults, in one place: the checks, the HPA and the docs read them here. */
export const WORKER_AUTOSCALING_DEFAULTS = {
    metric: "dask",
    minReplicas: 1,
    maxReplicas: 3,
    targetCpuUtilization: 70,
    pollingIntervalSeconds: 15,
    scaleDown: { stabilizationWindowSeconds: 300, podsPerPeriod: 1, periodSeconds: 60 },
} as const;

/** How fast workers are removed. Each removed worker is retired first (its results move to the others). */
export interface ScaleDownArgs {
    /**
     * Seconds of consistently lower demand before any worker is removed (0 to
     * 3600). With `metric: dask` and `minReplicas: 0`, also how long the
     * scheduler must want no workers before the last one goes.
     * @default 300
     */
    stabilizationWindowSeconds?: pulumi.Input<number>;
    /** At most this many workers are removed per `periodSeconds`. @default 1 */
    podsPerPeriod?: pulumi.Input<number>;
    /** Length of a scale-down period, in seconds (1 to 1800). @default 60 */
    periodSeconds?: pulumi.Input<number>;
}

/** How the worker count follows the load (DaskCluster's `workers.autoscaling`). */
export interface WorkerAutoscalingArgs {
    /**
     * `dask`: as many workers as the Dask scheduler asks for (its adaptive
     * target, read through a KEDA ScaledObject; needs KEDA). `cpu`: an HPA on
     * the workers' average CPU use (needs the metrics server).
     * @default "dask"
     */
    metric?: AutoscalingMetric;
    /** Fewest workers; 0 (scale to zero when idle) only with `metric: dask`. @default 1 */
    minReplicas?: pulumi.Input<number>;
    /** Most workers; not below `minReplicas`. @default 3 */
    maxReplicas?: pulumi.Input<number>;
    /**
     * Average CPU use across workers, in percent of their CPU request, that the
     * autoscaler aims for (1 to 100). Only with `metric: cpu`.
     * @default 70
     */
    targetCpuUtilization?: pulumi.Input<number>;
    /**
     * How often KEDA asks the scheduler for its target, in seconds (1 to
     * 3600); with `minReplicas: 0`, the longest wait before the first worker
     * starts. Only with `metric: dask`.
     * @default 15
     */
    pollingIntervalSeconds?: pulumi.Input<number>;
    /**
     * An output that is true once KEDA serves ScaledObjects: pass
     * `Keda.ready`, so the ScaledObject is created after KEDA's CRDs. Only
     * with `metric: dask`. @default none: KEDA must already be installed
     */
    kedaReady?: pulumi.Input<boolean>;
    /** Scale-down pace. */
    scaleDown?: ScaleDownArgs;
}

export interface WorkerAutoscalerArgs extends WorkerAutoscalingArgs {
    /** Namespace of the worker Deployment. */
    namespace: pulumi.Input<string>;
    /** Name of the worker Deployment: pass `DaskCluster.workerDeploymentName`. */
    deploymentName: pulumi.Input<string>;
    /**
     * The scheduler's HTTP address (dashboard port), e.g.
     * `http://dask-scheduler.dask.svc.cluster.local:80`. Required with
     * `metric: dask`, which reads `/api/v1/adaptive_target` there.
     */
    schedulerHttpAddress?: pulumi.Input<string>;
}

const D = WORKER_AUTOSCALING_DEFAULTS;

/** Type, range, default and description of each autoscaling setting. */
export const workerAutoscalingSettings = z.strictObject({
    metric: oneOf(["dask", "cpu"], { default: D.metric }),
    minReplicas: wholeNumber({ min: 0 }, { default: D.minReplicas }),
    maxReplicas: wholeNumber({ min: 1 }, { default: D.maxReplicas }),
    targetCpuUtilization: wholeNumber({ min: 1, max: 100 }, { default: D.targetCpuUtilization }),
    pollingIntervalSeconds: wholeNumber({ min: 1, max: 3600 }, { default: D.pollingIntervalSeconds }),
    kedaReady: z.boolean().optional().meta({ defaultText: "none: KEDA must already be installed" }),
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
    if (issues.issues.length > 0) {
        return issues.issues;
    }
    const metric = args.metric ?? D.metric;
    issues.notAbove("minReplicas", args.minReplicas ?? D.minReplicas, "maxReplicas", args.maxReplicas ?? D.maxReplicas);
    if (metric === "cpu") {
        if (known(args.minReplicas) === 0) {
            issues.add(
                "minReplicas",
                0,
                'must be at least 1 with {{metric}} "cpu": an HPA on CPU cannot start a worker when none runs (use {{metric}} "dask")',
            );
        }
        for (const key of ["pollingIntervalSeconds", "kedaReady"] as const) {
            if (args[key] !== undefined) {
                issues.add(key, known(args[key]) ?? SET, 'only applies when {{metric}} is "dask" (it is "cpu")');
            }
        }
    } else if (args.targetCpuUtilization !== undefined) {
        issues.add("targetCpuUtilization", known(args.targetCpuUtilization) ?? SET, 'only applies when {{metric}} is "cpu" (it is "dask")');
    }
    return issues.issues;
}

/** Every problem with WorkerAutoscaler args (values known at program time). */
export function validateWorkerAutoscalerArgs(args: WorkerAutoscalerArgs): ArgIssue[] {
    const { namespace: _namespace, deploymentName: _deploymentName, schedulerHttpAddress, ...autoscaling } = args;
    const issues = validateWorkerAutoscalingArgs(autoscaling);
    if ((args.metric ?? D.metric) === "dask" && schedulerHttpAddress === undefined) {
        issues.push({ path: "schedulerHttpAddress", value: undefined, rule: 'is required with {{metric}} "dask": KEDA reads the adaptive target there' });
    }
    return issues;
}

/** The HPA's scale-down behaviour: slow, rate-limited, the fewest pods of the policies. */
function scaleDownBehavior(scaleDown: ScaleDownArgs | undefined) {
    return {
        stabilizationWindowSeconds: scaleDown?.stabilizationWindowSeconds ?? D.scaleDown.stabilizationWindowSeconds,
        selectPolicy: "Min",
        policies: [
            {
                type: "Pods",
                value: scaleDown?.podsPerPeriod ?? D.scaleDown.podsPerPeriod,
                periodSeconds: scaleDown?.periodSeconds ?? D.scaleDown.periodSeconds,
            },
        ],
    };
}

/** The HPA KEDA makes for a ScaledObject is named after it (KEDA's default, never the CPU HPA's name). */
export function kedaHpaName(scaledObjectName: string): string {
    return `keda-hpa-${scaledObjectName}`;
}

/**
 * The Dask workers' autoscaler. `metric: dask`: a KEDA ScaledObject whose
 * HPA keeps as many workers as the scheduler's adaptive target asks for.
 * `metric: cpu`: an `autoscaling/v2` HPA on CPU. Both scale down slowly and
 * rate-limited. DaskCluster creates one for its workers when
 * `workers.autoscaling` is set (and then leaves their count to it); use this
 * component directly only for other Deployments.
 */
export class WorkerAutoscaler extends pulumi.ComponentResource {
    /** Name of the HorizontalPodAutoscaler (with `metric: dask`, the one KEDA makes). */
    public readonly hpaName: pulumi.Output<string>;
    /** Name of the ScaledObject; undefined with `metric: cpu`. */
    public readonly scaledObjectName: pulumi.Output<string | undefined>;

    constructor(name: string, args: WorkerAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("WorkerAutoscaler", name, validateWorkerAutoscalerArgs(args));
        super("daskk8s:index:WorkerAutoscaler", name, {}, opts);
        const replicas = { min: args.minReplicas ?? D.minReplicas, max: args.maxReplicas ?? D.maxReplicas };

        if ((args.metric ?? D.metric) === "dask") {
            const scaledObject = new k8s.apiextensions.CustomResource(
                `${name}-scaler`,
                {
                    apiVersion: SCALED_OBJECT_API_VERSION,
                    kind: "ScaledObject",
                    metadata: { name: args.deploymentName, namespace: args.namespace },
                    spec: daskScaledObjectSpec({
                        deploymentName: args.deploymentName,
                        schedulerHttpAddress: args.schedulerHttpAddress!,
                        minReplicas: replicas.min,
                        maxReplicas: replicas.max,
                        pollingIntervalSeconds: args.pollingIntervalSeconds ?? D.pollingIntervalSeconds,
                        behavior: { scaleDown: scaleDownBehavior(args.scaleDown) },
                        cooldownSeconds: args.scaleDown?.stabilizationWindowSeconds ?? D.scaleDown.stabilizationWindowSeconds,
                    }),
                },
                // Children do not inherit a component's dependsOn: pass it on.
                // kedaReady orders the ScaledObject after KEDA's CRDs.
                { parent: this, dependsOn: kedaDependency(opts?.dependsOn, args.kedaReady) },
            );
            this.scaledObjectName = scaledObject.metadata.name;
            this.hpaName = scaledObject.metadata.name.apply(kedaHpaName);
        } else {
            const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: { name: args.deploymentName, namespace: args.namespace },
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
                        minReplicas: replicas.min,
                        maxReplicas: replicas.max,
                        metrics: [
                            {
                                type: "Resource",
                                resource: {
                                    name: "cpu",
                                    target: { type: "Utilization", averageUtilization: args.targetCpuUtilization ?? D.targetCpuUtilization },
                                },
                            },
                        ],
                        behavior: { scaleDown: scaleDownBehavior(args.scaleDown) },
                    },
                },
                // Children do not inherit a component's dependsOn: pass it on, so the
                // HPA is created only once the metrics server is ready.
                { parent: this, dependsOn: opts?.dependsOn },
            );
            this.scaledObjectName = pulumi.output<string | undefined>(undefined);
            this.hpaName = hpa.metadata.name;
        }
        this.registerOutputs({ hpaName: this.hpaName, scaledObjectName: this.scaledObjectName });
    }
}
