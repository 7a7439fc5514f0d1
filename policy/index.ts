import { PolicyPack, ReportViolation } from "@pulumi/policy";
import {
    autoscaledWorkersWithoutRetirement,
    defaultJupyterPassword,
    hpaTargetsWithoutCpuRequests,
    openLoadBalancer,
    schedulerOnSpot,
    unpinnedDaskImages,
    wildcardBucketAccess,
    workerResourcesMissing,
} from "./rules";

const report = (reportViolation: ReportViolation, message: string | undefined) => {
    if (message !== undefined) {
        reportViolation(message);
    }
};

new PolicyPack("daskk8s-guardrails", {
    enforcementLevel: "mandatory",
    policies: [
        {
            name: "no-open-load-balancer",
            description: "No LoadBalancer Service without loadBalancerSourceRanges, above all for the Dask scheduler.",
            validateResource: (args, reportViolation) => {
                if (args.type === "kubernetes:core/v1:Service") {
                    report(reportViolation, openLoadBalancer(args.props));
                }
            },
        },
        {
            name: "cpu-requests-for-cpu-autoscaling",
            description: "Deployments scaled on CPU utilisation request CPU in every container.",
            validateStack: (args, reportViolation) => {
                hpaTargetsWithoutCpuRequests(args.resources).forEach((v) => reportViolation(v.message, v.urn));
            },
        },
        {
            name: "autoscaled-workers-retire",
            description: "Dask workers an autoscaler removes hand their in-memory results over first (a preStop retirement hook).",
            validateStack: (args, reportViolation) => {
                autoscaledWorkersWithoutRetirement(args.resources).forEach((v) => reportViolation(v.message, v.urn));
            },
        },
        {
            name: "pinned-dask-images",
            description: "Dask images are pinned (no latest, no empty tag) and share one tag.",
            validateStack: (args, reportViolation) => {
                unpinnedDaskImages(args.resources).forEach((v) => reportViolation(v.message, v.urn));
            },
        },
        {
            name: "no-default-jupyter-password",
            description: "No Jupyter password hash of the chart's default password.",
            validateResource: (args, reportViolation) => {
                if (args.type === "kubernetes:core/v1:ConfigMap" || args.type === "kubernetes:core/v1:Secret") {
                    report(reportViolation, defaultJupyterPassword(args.props));
                }
            },
        },
        {
            name: "worker-resources-set",
            description: "Dask worker Deployments set CPU and memory requests and limits.",
            validateResource: (args, reportViolation) => {
                if (args.type === "kubernetes:apps/v1:Deployment") {
                    report(reportViolation, workerResourcesMissing(args.props));
                }
            },
        },
        {
            name: "no-scheduler-on-spot",
            description: "The Dask scheduler and the notebook run on on-demand nodes, never where Spot capacity can take them away.",
            validateResource: (args, reportViolation) => {
                if (args.type === "kubernetes:apps/v1:Deployment") {
                    report(reportViolation, schedulerOnSpot(args.props));
                }
            },
        },
        {
            name: "no-wildcard-bucket-access",
            description: "IAM grants S3 access bucket by bucket: no S3 action on * or on a bucket pattern, no account-wide S3 managed policies.",
            validateResource: (args, reportViolation) => {
                report(reportViolation, wildcardBucketAccess(args.type, args.props));
            },
        },
    ],
});
