/** A Kubernetes object's props with one more metadata annotation (a copy; the rest unchanged). */
export function withAnnotation<T extends { metadata?: { annotations?: Record<string, unknown> } }>(props: T, key: string, value: string): T {
    return { ...props, metadata: { ...props.metadata, annotations: { ...props.metadata?.annotations, [key]: value } } };
}

/**
 * The provider's switch for its readiness wait. A Service's wait only sees
 * endpoints appear and then sleeps 10 s (provider/pkg/await/service.go);
 * readiness is what the Deployments' wait already proves, as `helm --wait`
 * does. LoadBalancer Services keep theirs: it waits for the address the
 * outputs report.
 */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** A Service that does not need its own readiness wait (ClusterIP, NodePort), marked so; undefined for others. */
export function withoutServiceAwait<T extends { kind?: string; spec?: { type?: string }; metadata?: { annotations?: Record<string, unknown> } }>(
    object: T,
): T | undefined {
    return object.kind === "Service" && object.spec?.type !== "LoadBalancer" ? withAnnotation(object, SKIP_AWAIT_ANNOTATION, "true") : undefined;
}
