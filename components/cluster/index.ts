// Where the stack runs: a Kubernetes provider for an existing cluster. The EKS
// target is exported from "../eks" only, so that nothing here loads the AWS
// packages.
export { KubeconfigTarget, KubeconfigTargetArgs } from "./KubeconfigTarget";
