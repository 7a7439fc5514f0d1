/**
 * The parts of `@pulumi/kubernetes` the components use, each loaded from its
 * own module, under the package's names (`k8s.core.v1.Secret`, ...). The
 * package's index loads every API group and Helm v3 with its YAML and glob
 * dependencies: about 60 ms of every `pulumi preview` and `up`
 * (docs/development.md, "Where the time goes").
 */
import * as helmV4 from "@pulumi/kubernetes/helm/v4";

export { Provider } from "@pulumi/kubernetes/provider";
export * as apiextensions from "@pulumi/kubernetes/apiextensions";
export * as apps from "@pulumi/kubernetes/apps";
export * as autoscaling from "@pulumi/kubernetes/autoscaling";
export * as core from "@pulumi/kubernetes/core";
export * as policy from "@pulumi/kubernetes/policy";

// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace helm {
    export import v4 = helmV4;
}
