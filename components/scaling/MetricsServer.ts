import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { z } from "zod";
import { ChartSource, chartLocation, chartSourceSettings, checkChartSource } from "../common/chartSource";
import { chartValues, flag, matching, oneOf, schemaIssues } from "../common/settings";
import { deepMerge } from "../common/deepMerge";
import { ArgIssue, DNS_LABEL, DNS_LABEL_TEXT, IssueList, SET, throwIfInvalid } from "../common/validation";
import { claimIssues } from "../common/claims";
import { withAnnotation, withoutServiceAwait } from "../common/annotations";
import { OWNER_ANNOTATION, stackOwner } from "../common/ownership";

/**
 * The metrics-server chart this component is tested with (app 0.8.1).
 */
export const METRICS_SERVER_CHART = {
    name: "metrics-server",
    repository: "https://kubernetes-sigs.github.io/metrics-server/",
    version: "3.13.1",
};

/** The API a metrics server registers; two servers collide on it. */
export const METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";

/**
 * `chart` deploys metrics-server; `existing` deploys nothing, for clusters
 * that already run one (minikube's addon, the EKS managed add-on): a second
 * one would take over the cluster's `v1beta1.metrics.k8s.io` APIService.
 */
export const MetricsServerMode = {
    /** Deploy the metrics-server chart. */
    Chart: "chart",
    /** Deploy nothing; the cluster already serves the metrics API. */
    Existing: "existing",
} as const;
export type MetricsServerMode = (typeof MetricsServerMode)[keyof typeof MetricsServerMode];

export interface MetricsServerArgs {
    /**
     * `chart` deploys metrics-server 3.13.1; `existing` deploys nothing and
     * relies on the cluster's own (minikube's addon, the EKS add-on): two would
     * fight over the `v1beta1.metrics.k8s.io` APIService.
     * @default "chart"
     */
    mode?: MetricsServerMode;
    /** Namespace of the chart's objects. @default "kube-system" */
    namespace?: string;
    /**
     * Skip verifying kubelet serving certificates (`--kubelet-insecure-tls`).
     * Needed on minikube and kind, whose kubelets use self-signed certificates;
     * leave off elsewhere.
     * @default false
     */
    kubeletInsecureTls?: pulumi.Input<boolean>;
    /** Where the chart comes from. @default metrics-server 3.13.1 from its upstream repository */
    chart?: ChartSource;
    /** Chart values deep-merged over the component's own. @default {} */
    values?: Record<string, any>;
}

/** The defaults of MetricsServer, in one place. */
export const METRICS_SERVER_DEFAULTS = { mode: "chart", namespace: "kube-system", kubeletInsecureTls: false } as const;

/** Every MetricsServer argument. */
export const metricsServerSettings = z.strictObject({
    mode: oneOf(["chart", "existing"], {
        default: METRICS_SERVER_DEFAULTS.mode,
    }),
    namespace: matching(DNS_LABEL, DNS_LABEL_TEXT, { default: METRICS_SERVER_DEFAULTS.namespace }),
    kubeletInsecureTls: flag({
        default: METRICS_SERVER_DEFAULTS.kubeletInsecureTls,
    }),
    chart: chartSourceSettings(`metrics-server ${METRICS_SERVER_CHART.version} from its upstream repository`),
    values: chartValues({ default: {} }),
});

/** Every problem with MetricsServer args. */
export function validateMetricsServerArgs(args: MetricsServerArgs): ArgIssue[] {
    const settingIssues = schemaIssues(metricsServerSettings, args);
    if (settingIssues.length > 0) {
        return settingIssues;
    }
    const issues = new IssueList();
    checkChartSource(issues, "chart", args.chart);
    if (args.mode === "existing") {
        for (const key of ["namespace", "kubeletInsecureTls", "chart", "values"] as const) {
            if (args[key] !== undefined) {
                issues.add(
                    key,
                    key === "kubeletInsecureTls" ? args[key] : SET,
                    'only applies when {{mode}} is "chart" (it is "existing": nothing is deployed)',
                );
            }
        }
    }
    return issues.issues;
}

/**
 * A transform adding the owner annotation to the chart's APIService, and
 * sparing its Service the provider's endpoint wait (the Deployment's wait
 * proves the server ready).
 */
export function markApiService(owner: string): pulumi.ResourceTransform {
    return (args) => {
        const props = args.props as { kind?: string; metadata?: { annotations?: Record<string, string> } };
        if (props.kind === "Service") {
            const service = withoutServiceAwait(props);
            return service === undefined ? undefined : { props: service, opts: args.opts };
        }
        if (props.kind !== "APIService") {
            return undefined;
        }
        return { props: withAnnotation(props, OWNER_ANNOTATION, owner), opts: args.opts };
    };
}

/**
 * The Kubernetes metrics server, which `kubectl top` and CPU-based
 * HorizontalPodAutoscalers read; or, in `existing` mode, a marker that the
 * cluster has one, so that autoscalers can still be ordered after it.
 */
export class MetricsServer extends pulumi.ComponentResource {
    /** `chart` or `existing`. */
    public readonly mode: pulumi.Output<MetricsServerMode>;
    /** The APIService that serves resource metrics. */
    public readonly apiServiceName: pulumi.Output<string>;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("MetricsServer", name, validateMetricsServerArgs(args));
        const mode = args.mode ?? METRICS_SERVER_DEFAULTS.mode;
        // The chart's APIService, ClusterRoles and bindings are cluster-wide.
        throwIfInvalid(
            "MetricsServer",
            name,
            mode !== "chart"
                ? []
                : claimIssues(
                      [
                          {
                              what: "metrics-server chart",
                              path: "mode",
                              value: mode,
                              rule: (earlier) =>
                                  `deploys a second metrics server on the cluster where ${earlier} deploys one: they would share the ` +
                                  `cluster-wide ${METRICS_API_SERVICE} APIService and RBAC objects; create one MetricsServer per cluster (or set {{mode}} "existing" on the others)`,
                          },
                      ],
                      `MetricsServer "${name}"`,
                      opts,
                  ),
        );
        super("daskk8s:index:MetricsServer", name, {}, opts);
        let apiServiceName = pulumi.output(METRICS_API_SERVICE);

        if (mode === "chart") {
            const chart = new k8s.helm.v4.Chart(
                `${name}-chart`,
                {
                    ...chartLocation(METRICS_SERVER_CHART.name, METRICS_SERVER_CHART, args.chart),
                    name: "metrics-server",
                    namespace: args.namespace ?? METRICS_SERVER_DEFAULTS.namespace,
                    values: pulumi.output(args.kubeletInsecureTls ?? METRICS_SERVER_DEFAULTS.kubeletInsecureTls).apply((insecure) =>
                        deepMerge(
                            {
                                fullnameOverride: "metrics-server",
                                args: insecure ? ["--kubelet-insecure-tls"] : [],
                            },
                            args.values,
                        ),
                    ),
                },
                {
                    parent: this,
                    // Marks the APIService as this stack's: the stack program refuses
                    // to install over one that is not (components/common/ownership.ts).
                    transforms: [markApiService(stackOwner())],
                },
            );
            // Resolves once the chart's objects are ready.
            apiServiceName = chart.resources.apply(() => METRICS_API_SERVICE);
        }

        this.mode = pulumi.output(mode);
        this.apiServiceName = apiServiceName;
        this.registerOutputs({ mode: this.mode, apiServiceName: this.apiServiceName });
    }
}
