import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";

/** Kubernetes Service type of a Dask or Jupyter Service. */
export const ServiceType = {
    /** In-cluster only; reach it with `kubectl port-forward`. */
    ClusterIP: "ClusterIP",
    /** A port on every node: minikube, on-premises. */
    NodePort: "NodePort",
    /** A cloud load balancer; needs `loadBalancerSourceRanges`. */
    LoadBalancer: "LoadBalancer",
} as const;
export type ServiceType = (typeof ServiceType)[keyof typeof ServiceType];
export const SERVICE_TYPES: readonly ServiceType[] = Object.values(ServiceType);

/** How a Service is reached from outside the pod network. */
export interface ServiceExposure {
    /**
     * `ClusterIP` (in-cluster only; use `kubectl port-forward`), `NodePort`
     * (minikube, on-premises) or `LoadBalancer` (cloud).
     * @default "ClusterIP"
     */
    type?: ServiceType;
    /**
     * CIDR blocks allowed to reach a `LoadBalancer`, e.g. `["203.0.113.0/24"]`.
     * Required with `LoadBalancer`: whoever reaches the Dask scheduler can run
     * code on the workers. Write `["0.0.0.0/0"]` to mean "everyone" on purpose.
     */
    loadBalancerSourceRanges?: string[];
}

/** Where a Dask HTTP service can be reached. */
export interface ServiceEndpoint {
    /** Service type. */
    type: string;
    /** URL inside the cluster, e.g. `http://dask-scheduler.dask.svc.cluster.local:80`. */
    inClusterUrl: string;
    /** Node port, for `NodePort` (and `LoadBalancer`) Services: `http://<node-ip>:<nodePort>`. */
    nodePort?: number;
    /** External URL of a `LoadBalancer` once the cloud assigned an address. */
    externalUrl?: string;
}

interface LiveService {
    metadata?: { name?: string };
    spec?: { type?: string; ports?: { name?: string; port?: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}

/** The endpoint of one port of a live Service. Pure, for tests. */
export function endpointOf(service: LiveService | undefined, portName: string, inClusterUrl: string, configuredType: ServiceType): ServiceEndpoint {
    const port = service?.spec?.ports?.find((p) => p.name === portName);
    const ingress = service?.status?.loadBalancer?.ingress?.[0];
    const host = ingress?.hostname ?? ingress?.ip;
    const endpoint: ServiceEndpoint = { type: service?.spec?.type ?? configuredType, inClusterUrl };
    if (port?.nodePort !== undefined) {
        endpoint.nodePort = port.nodePort;
    }
    if (host !== undefined && port?.port !== undefined) {
        endpoint.externalUrl = `http://${host}:${port.port}`;
    }
    return endpoint;
}

/**
 * Reads a Service rendered by a v4 Chart from the chart's `resources` output
 * (no extra resource: only outputs of what the chart created).
 */
export function serviceEndpoint(
    chartResources: pulumi.Output<any[]>,
    serviceName: string,
    portName: string,
    inClusterUrl: pulumi.Output<string>,
    configuredType: ServiceType,
): pulumi.Output<ServiceEndpoint> {
    const live = chartResources.apply((resources) => {
        const services = (resources ?? []).filter((r) => k8s.core.v1.Service.isInstance(r)) as k8s.core.v1.Service[];
        return pulumi.all(services.map((s) => pulumi.all([s.metadata, s.spec, s.status])));
    });
    return pulumi.all([live, inClusterUrl]).apply(([services, url]) => {
        const match = services.find(([metadata]) => metadata?.name === serviceName);
        return endpointOf(match && ({ metadata: match[0], spec: match[1], status: match[2] } as LiveService), portName, url, configuredType);
    });
}
