// The EKS target, apart from the package's main entry so that the main entry
// (and the multi-language plugin built from it) needs no AWS packages:
// `import { EksTarget, S3Access } from "daskk8s/eks"` with @pulumi/aws,
// @pulumi/awsx and @pulumi/eks installed.
export { EksTarget, EksTargetArgs, EksNetworkArgs, DEFAULT_EKS_VERSION } from "./cluster/EksTarget";
export { S3Access, S3AccessArgs, BucketAccess } from "./cluster/S3Access";
export { KARPENTER_CHART } from "./cluster/karpenter";
