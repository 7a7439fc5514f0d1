import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { z } from "zod";
import { ChartSource, chartLocation, chartSourceSettings, checkChartSource } from "../common/chartSource";
import { chartValues, flag, matching, oneOf, schemaIssues } from "../common/settings";
import { deepMerge } from "../common/deepMerge";
import { ArgIssue, DNS_LABEL, DNS_LABEL_TEXT, IssueList, SET, throwIfInvalid } from "../common/validation";
import { claimIssues } from "../common/claims";
import { OWNER_ANNOTATION, stackOwner } from "../common/ownership";
import { markApiService } from "./MetricsServer";

/**
 * The KEDA chart this component is tested with (app 2.20.2): its operator
 * reads the Dask scheduler's adaptive target, its metrics adapter serves it
 * to the worker HPA.
 */
export const KEDA_CHART = {
    name: "keda",
    repository: "https://kedacore.github.io/charts",
    version: "2.20.2",
};

/** The API KEDA's metrics adapter registers; any other external metrics adapter collides with it. */
export const EXTERNAL_METRICS_API_SERVICE = "v1beta1.external.metrics.k8s.io";

/** `chart` deploys KEDA; `existing` deploys nothing, for clusters that already run it. */
export const KedaMode = {
    /** Deploy the keda chart. */
    Chart: "chart",
    /** Deploy nothing; the cluster already runs KEDA 2.x (its CRDs and metrics adapter). */
    Existing: "existing",
} as const;
export type KedaMode = (typeof KedaMode)[keyof typeof KedaMode];

export interface KedaArgs {
    /**
     * `chart` deploys KEDA 2.20.2; `existing` deploys nothing and relies on
     * the cluster's own KEDA 2.x: two would fight over its CRDs and the
     * `v1beta1.external.metrics.k8s.io` APIService.
     * @default "chart"
     */
    mode?: KedaMode;
    /** Namespace of KEDA's operator and metrics adapter. @default "keda" */
    namespace?: string;
    /**
     * Create the namespace, annotated `daskk8s.io/owner: <org>/<project>/<stack>`;
     * `pulumi destroy` deletes it. Set false to install into an existing
     * namespace, which is then neither created nor deleted.
     * @default true
     */
    createNamespace?: boolean;
    /** Where the chart comes from. @default keda 2.20.2 from its upstream repository */
    chart?: ChartSource;
    /**
     * Chart values deep-merged over the component's own, which pin the
     * images' pull policy to `IfNotPresent` and leave KEDA's admission
     * webhooks off (`webhooks.enabled: false`; see docs/components.md).
     * @default {}
     */
    values?: Record<string, any>;
}

/** The defaults of Keda, in one place. */
export const KEDA_DEFAULTS = { mode: "chart", namespace: "keda", createNamespace: true } as const;

/** Every Keda argument. */
export const kedaSettings = z.strictObject({
    mode: oneOf(["chart", "existing"], { default: KEDA_DEFAULTS.mode }),
    namespace: matching(DNS_LABEL, DNS_LABEL_TEXT, { default: KEDA_DEFAULTS.namespace }),
    createNamespace: flag({ default: KEDA_DEFAULTS.createNamespace }),
    chart: chartSourceSettings(`keda ${KEDA_CHART.version} from its upstream repository`),
    values: chartValues({ default: {} }),
});

/** Every problem with Keda args. */
export function validateKedaArgs(args: KedaArgs): ArgIssue[] {
    const settingIssues = schemaIssues(kedaSettings, args);
    if (settingIssues.length > 0) {
        return settingIssues;
    }
    const issues = new IssueList();
    checkChartSource(issues, "chart", args.chart);
    if (args.mode === "existing") {
        for (const key of ["namespace", "createNamespace", "chart", "values"] as const) {
            if (args[key] !== undefined) {
                issues.add(key, key === "createNamespace" ? args[key] : SET, 'only applies when {{mode}} is "chart" (it is "existing": nothing is deployed)');
            }
        }
    }
    return issues.issues;
}

/**
 * The component's own chart values. Pull policy: the chart's `Always` would
 * fetch a pinned tag again on every start. Webhooks: they refuse a
 * ScaledObject for a Deployment that another HPA still scales, which is
 * exactly the moment of switching `autoscaling.metric` from `cpu` to `dask`
 * (the new ScaledObject is created before the old HPA is deleted); the
 * component checks its own ScaledObjects before anything is deployed.
 */
export const KEDA_VALUES = {
    image: { pullPolicy: "IfNotPresent" },
    webhooks: { enabled: false },
};

/**
 * KEDA, the Kubernetes event-driven autoscaler: DaskCluster's `metric: dask`
 * autoscaling is a KEDA ScaledObject that reads the scheduler's adaptive
 * target. In `existing` mode, a marker that the cluster runs KEDA already.
 */
export class Keda extends pulumi.ComponentResource {
    /** `chart` or `existing`. */
    public readonly mode: pulumi.Output<KedaMode>;
    /** Namespace of KEDA's operator; undefined in `existing` mode. */
    public readonly namespace: pulumi.Output<string | undefined>;
    /**
     * True once KEDA serves ScaledObjects (its CRDs exist and its operator
     * is ready): pass it as DaskCluster's `workers.autoscaling.kedaReady`.
     */
    public readonly ready: pulumi.Output<boolean>;

    constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("Keda", name, validateKedaArgs(args));
        const mode = args.mode ?? KEDA_DEFAULTS.mode;
        throwIfInvalid(
            "Keda",
            name,
            mode !== "chart"
                ? []
                : claimIssues(
                      [
                          {
                              what: "keda chart",
                              path: "mode",
                              value: mode,
                              rule: (earlier) =>
                                  `deploys a second KEDA on the cluster where ${earlier} deploys one: they would share its cluster-wide CRDs ` +
                                  `and the ${EXTERNAL_METRICS_API_SERVICE} APIService; create one Keda per cluster (or set {{mode}} "existing" on the others)`,
                          },
                      ],
                      `Keda "${name}"`,
                      opts,
                  ),
        );
        super("daskk8s:index:Keda", name, {}, opts);
        let ready = pulumi.output(true);
        let namespaceName: pulumi.Output<string | undefined> = pulumi.output<string | undefined>(undefined);

        if (mode === "chart") {
            const namespace = args.namespace ?? KEDA_DEFAULTS.namespace;
            const created =
                args.createNamespace === false
                    ? undefined
                    : new k8s.core.v1.Namespace(
                          `${name}-namespace`,
                          { metadata: { name: namespace, annotations: { [OWNER_ANNOTATION]: stackOwner() } } },
                          { parent: this },
                      );
            const chart = new k8s.helm.v4.Chart(
                `${name}-chart`,
                {
                    ...chartLocation(KEDA_CHART.name, KEDA_CHART, args.chart),
                    name: "keda",
                    namespace,
                    values: deepMerge(KEDA_VALUES, args.values),
                },
                {
                    parent: this,
                    dependsOn: created ? [created] : [],
                    // Marks the external metrics APIService as this stack's (see MetricsServer).
                    transforms: [markApiService(stackOwner())],
                },
            );
            // Resolves once the chart's objects (CRDs, the operator) are ready.
            ready = chart.resources.apply(() => true);
            namespaceName = pulumi.output(namespace);
        }

        this.mode = pulumi.output(mode);
        this.namespace = namespaceName;
        this.ready = ready;
        this.registerOutputs({ mode: this.mode, namespace: this.namespace, ready: this.ready });
    }
}
