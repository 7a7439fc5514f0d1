// What any program using the Kubernetes provider costs here: the empty
// program plus loading @pulumi/kubernetes, starting the provider, and one
// object it reads back from the cluster.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: config.require("kubeconfigPath") });
const map = new k8s.core.v1.ConfigMap("floor", { metadata: { namespace: "default" }, data: { purpose: "benchmark floor" } }, { provider });

export const name = map.metadata.name;
